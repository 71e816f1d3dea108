import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension SessionLog {
    /// Reads a session log, refusing with the reason anything that is not one: not UTF-8, a document type
    /// declaration, malformed XML, another root element, another version, an unknown record or attribute,
    /// a malformed date or time. Texts read are cleaned (`SessionLogText`): a file edited by hand cannot
    /// smuggle control characters into what `easy-connect logs show` prints.
    ///
    /// Parsed with Foundation's `XMLParser`, which reports every well-formedness error (on Linux,
    /// `XMLDocument(data:)` parses in libxml2's recovery mode and would accept a truncated file).
    public init(parsing bytes: [UInt8]) throws(SessionLogError) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maximumBytes else { throw .tooLarge(bytes: bytes.count, limit: Self.maximumBytes) }
        guard !bytes.contains(0), Self.isUTF8(bytes), XMLTree.declaresUTF8OrNothing(bytes) else { throw .notUTF8 }
        // An internal subset could declare entities; a session log never has one. Checked on the bytes, which
        // are UTF-8 without NUL, so no other encoding can hide it.
        guard !Self.contains(bytes, Array("<!DOCTYPE".utf8)) else { throw .documentType }

        let parser = XMLParser(data: Data(bytes))
        let reader = SessionLogReader()
        parser.delegate = reader
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let finished = parser.parse()
        // A damaged file is reported as such, even when what was read of it before the damage already looked
        // wrong (libxml2 reports a start tag before it finds that the file ends inside it).
        if !finished || parser.parserError != nil || reader.xmlError != nil {
            let (line, column, code) = reader.xmlError ?? (parser.lineNumber, parser.columnNumber, parser.parserError.map { ($0 as NSError).code } ?? -1)
            throw .malformed(line: line, column: column, reason: Self.xmlReason(code))
        }
        if let problem = reader.problem { throw problem }
        guard let log = reader.log, reader.closed else { throw .wrongRoot(found: "nothing") }
        self = log
    }

    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count else { return false }
        for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] {
            if bytes[i..<(i + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// libxml2's error codes (as `XMLParser` reports them) that a damaged log usually shows, in words.
    static func xmlReason(_ code: Int) -> String {
        switch code {
        case 4: "the document is empty"
        case 5: "the document ends too early, or has content after its root element"
        case 9: "a character that XML does not allow"
        case 23, 24, 38, 39, 40, 41, 73: "a tag or attribute is cut short or badly quoted"
        case 26, 27: "an undeclared entity"
        case 42: "an attribute appears twice"
        case 76: "an end tag does not match its start tag"
        case 77: "the document ends inside an element"
        default: "XML error \(code)"
        }
    }
}

/// The `XMLParser` delegate that builds a `SessionLog`. It keeps the first thing that is not one and then
/// only lets the parser finish checking that the file is well-formed.
private final class SessionLogReader: NSObject, XMLParserDelegate {
    var log: SessionLog?
    /// The first problem with the content.
    var problem: SessionLogError?
    /// The first well-formedness error: line, column, libxml2 code.
    var xmlError: (Int, Int, Int)?
    /// The root element was closed.
    var closed = false
    private var depth = 0
    private var pending: (kind: SessionLogRecord.Kind, time: SessionLogTime, event: String?, fields: [SessionLogField: String], text: String, line: Int)?

    private func stop(_ parser: XMLParser, _ error: SessionLogError) {
        if problem == nil { problem = error }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        depth += 1
        guard problem == nil else { return }
        let line = parser.lineNumber
        switch depth {
        case 1:
            guard name == SessionLog.rootName else { return stop(parser, .wrongRoot(found: name)) }
            startSession(parser, attributes, line: line)
        case 2:
            guard let kind = SessionLogRecord.Kind(rawValue: name) else { return stop(parser, .unknownRecord(name, line: line)) }
            startRecord(parser, kind, attributes, line: line)
        default:
            stop(parser, .unexpectedElement(name, inside: pending?.kind.rawValue ?? SessionLog.rootName, line: line))
        }
    }

    private func startSession(_ parser: XMLParser, _ attributes: [String: String], line: Int) {
        let root = SessionLog.rootName
        for name in attributes.keys.sorted() where !["ROLE", "VERSION", "START"].contains(name) {
            return stop(parser, .unexpectedAttribute(element: root, attribute: name, line: line))
        }
        guard let version = attributes["VERSION"] else { return stop(parser, .missingAttribute(element: root, attribute: "VERSION", line: line)) }
        guard version == String(SessionLog.version) else { return stop(parser, .unsupportedVersion(version)) }
        guard let roleText = attributes["ROLE"] else { return stop(parser, .missingAttribute(element: root, attribute: "ROLE", line: line)) }
        guard let role = ConnectionRole(rawValue: roleText) else {
            return stop(parser, .badAttribute(element: root, attribute: "ROLE", value: roleText, expected: "user or helper", line: line))
        }
        guard let startText = attributes["START"] else { return stop(parser, .missingAttribute(element: root, attribute: "START", line: line)) }
        let parts = startText.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].utf8.count == 14,
            let start = SessionLogTime(date: String(parts[0]), time: String(parts[1].prefix(8))),
            let offset = SessionLogTime.parseOffset(String(parts[1].dropFirst(8)))
        else {
            return stop(parser, .badAttribute(element: root, attribute: "START", value: startText, expected: "YYYY-MM-DDTHH:MM:SS+HH:MM", line: line))
        }
        log = SessionLog(role: role, start: start, utcOffset: offset)
    }

    private func startRecord(_ parser: XMLParser, _ kind: SessionLogRecord.Kind, _ attributes: [String: String], line: Int) {
        let element = kind.rawValue
        var fields: [SessionLogField: String] = [:]
        for (name, value) in attributes where !["DATE", "TIME", "EVENT"].contains(name) {
            guard let field = SessionLogField(rawValue: name) else { return stop(parser, .unexpectedAttribute(element: element, attribute: name, line: line)) }
            fields[field] = value
        }
        guard let date = attributes["DATE"] else { return stop(parser, .missingAttribute(element: element, attribute: "DATE", line: line)) }
        guard let timeText = attributes["TIME"] else { return stop(parser, .missingAttribute(element: element, attribute: "TIME", line: line)) }
        guard let time = SessionLogTime(date: date, time: timeText) else {
            let dateValid = SessionLogTime(date: date, time: "00:00:00") != nil
            return stop(
                parser,
                .badAttribute(
                    element: element, attribute: dateValid ? "TIME" : "DATE", value: dateValid ? timeText : date, expected: dateValid ? "HH:MM:SS" : "YYYY-MM-DD",
                    line: line))
        }
        pending = (kind, time, attributes["EVENT"], fields, "", line)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard problem == nil else { return }
        if depth == 2, pending != nil {
            pending!.text += string
        } else if !string.allSatisfy(\.isWhitespace) {
            stop(parser, .unexpectedText(line: parser.lineNumber))
        }
    }

    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        self.parser(parser, foundCharacters: String(decoding: block, as: UTF8.self))
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        defer { depth -= 1 }
        guard problem == nil else { return }
        if depth == 2, let p = pending {
            log?.append(SessionLogRecord(kind: p.kind, time: p.time, event: p.event, fields: p.fields, text: p.text))
            pending = nil
        } else if depth == 1 {
            closed = true
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) {
        if xmlError == nil { xmlError = (parser.lineNumber, parser.columnNumber, (error as NSError).code) }
    }

    func parser(_ parser: XMLParser, validationErrorOccurred error: any Error) {
        if xmlError == nil { xmlError = (parser.lineNumber, parser.columnNumber, (error as NSError).code) }
    }
}
