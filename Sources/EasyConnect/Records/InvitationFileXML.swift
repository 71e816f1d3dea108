import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The XML outline of an invitation file, the one of a Windows Remote Assistance ticket
/// (`.MsRcIncident`, [MS-RAI] 2.2.5):
///
/// ```xml
/// <?xml version="1.0" encoding="utf-8" standalone="no"?>
/// <UPLOADINFO TYPE="Escalated">
///   <UPLOADDATA USERNAME="Ada" DtStart="1700000000" DtLength="360" RCTICKETENCRYPTED="1" RCTICKET="AQABAAADq…" L="0" ECVERSION="1"/>
/// </UPLOADINFO>
/// ```
///
/// Written with `XMLDocument`. Read with `XMLParser`, after checks on the raw bytes: Foundation's
/// `XMLDocument` on Linux recovers from malformed input silently (and traps on some, such as an empty file or
/// an unknown encoding), while the stream parser reports every error. Nothing but this outline is accepted:
/// no document type, comment, processing instruction or CDATA section, no other element or attribute, no text
/// but spaces and line breaks between the elements (no tab, no carriage return), and one line break at the end.
enum InvitationFileXML {
    static let root = "UPLOADINFO"
    static let type = "TYPE"
    static let typeValue = "Escalated"
    static let data = "UPLOADDATA"
    static let userName = "USERNAME"
    static let start = "DtStart"
    static let length = "DtLength"
    static let encrypted = "RCTICKETENCRYPTED"
    static let encryptedValue = "1"
    static let ticket = "RCTICKET"
    static let lowSpeed = "L"
    static let lowSpeedValue = "0"
    static let version = "ECVERSION"

    // MARK: - Writing

    /// The file: the visible attributes of `header` and the ticket's Base64 text.
    static func document(header: InvitationFileHeader, ticket: String) -> [UInt8] {
        let rootElement = XMLElement(name: root)
        rootElement.addAttribute(attribute(type, typeValue))
        let element = XMLElement(name: data)
        var attributes = header.visibleAttributes
        // The ticket where Windows writes it, after RCTICKETENCRYPTED.
        let at = (attributes.firstIndex { $0.0 == encrypted } ?? attributes.count - 1) + 1
        attributes.insert((Self.ticket, ticket), at: at)
        for (name, value) in attributes { element.addAttribute(attribute(name, value)) }
        rootElement.addChild(element)
        let document = XMLDocument(rootElement: rootElement)
        document.version = "1.0"
        document.characterEncoding = "UTF-8"
        var bytes = Array(document.xmlData(options: [.nodePrettyPrint, .nodeCompactEmptyElement]))
        // Exactly one line break at the end, whatever the platform's XML library writes: readers require it.
        while let last = bytes.last, last == 0x0A || last == 0x20 { bytes.removeLast() }
        return bytes + [0x0A]
    }

    private static func attribute(_ name: String, _ value: String) -> XMLNode {
        let node = XMLNode(kind: .attribute)
        node.name = name
        node.stringValue = value
        return node
    }

    // MARK: - Reading

    /// The XML declarations accepted: version 1.0 in UTF-8, as `XMLDocument` writes them on Linux and macOS.
    static let declarations: [[UInt8]] = {
        var out: [[UInt8]] = []
        for encoding in ["", " encoding=\"utf-8\"", " encoding=\"UTF-8\""] {
            for standalone in ["", " standalone=\"no\"", " standalone=\"yes\""] {
                out.append(Array("<?xml version=\"1.0\"\(encoding)\(standalone)?>".utf8))
            }
        }
        return out
    }()

    /// The attributes of `<UPLOADDATA>`, once the bytes are known to be exactly the outline above.
    static func parse(_ bytes: [UInt8]) throws(InvitationFileError) -> [String: String] {
        try checkRawBytes(bytes)
        let collector = Collector()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = collector
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let finished = parser.parse()
        if !finished || parser.parserError != nil {
            let code = (parser.parserError as NSError?)?.code ?? 0
            throw .malformed(location: "line \(parser.lineNumber), column \(parser.columnNumber),", reason: "is not well-formed XML (parser error \(code))")
        }
        let attributes = try shape(collector.items)
        if attributes[version] == nil, attributes[ticket]?.hasPrefix("65538,") == true {
            throw .notAnInvitationFile(
                "it is a Windows Remote Assistance invitation: open it with Windows Remote Assistance (msra /openfile), or ask for an easy-connect invitation file")
        }
        try checkLayout(bytes)
        return attributes
    }

    /// Checks made on the bytes before any XML parser sees them.
    private static func checkRawBytes(_ bytes: [UInt8]) throws(InvitationFileError) {
        guard !bytes.isEmpty else { throw .notAnInvitationFile("the file is empty") }
        guard bytes.count <= InvitationFile.maximumFileBytes else {
            throw .notAnInvitationFile("it has \(bytes.count) bytes, and invitation files have at most \(InvitationFile.maximumFileBytes)")
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || bytes.prefix(64).contains(0) {
            throw .notAnInvitationFile(
                "it is UTF-16 text, as Windows Remote Assistance writes its invitations: open it with Windows Remote Assistance (msra /openfile), or ask for an easy-connect invitation file")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .notAnInvitationFile("it is not UTF-8 text") }
        guard bytes.starts(with: Array("<?xml".utf8)) else { throw .notAnInvitationFile("it does not start with an XML declaration (<?xml …?>)") }
        guard let declaration = declarations.first(where: { bytes.starts(with: $0) }) else {
            throw .malformed(location: "the XML declaration", reason: "is not <?xml version=\"1.0\"?> with UTF-8")
        }
        let body = bytes[declaration.count...]
        if let at = find([0x3C, 0x21], in: body) {  // "<!"
            throw .malformed(location: "line \(line(of: at, in: bytes))", reason: "holds a comment, CDATA section or document type declaration, which invitation files never have")
        }
        if let at = find([0x3C, 0x3F], in: body) {  // "<?"
            throw .malformed(location: "line \(line(of: at, in: bytes))", reason: "holds a processing instruction, which invitation files never have")
        }
    }

    /// Checks of the layout, made once the bytes are known to be an invitation file of some kind: what this
    /// program writes has no tab or carriage return, and ends with `>` and one line break.
    private static func checkLayout(_ bytes: [UInt8]) throws(InvitationFileError) {
        if let at = bytes.firstIndex(where: { $0 == 0x09 || $0 == 0x0D }) {
            throw .malformed(location: "line \(line(of: at, in: bytes))", reason: "holds a tab or a carriage return, which invitation files never have")
        }
        guard bytes.count >= 2, bytes[bytes.count - 2] == 0x3E, bytes[bytes.count - 1] == 0x0A else {  // ">\n"
            throw .malformed(location: "the end of the file", reason: "is not the end of the <\(root)> element and a line break (the file is cut short, or has text after it)")
        }
    }

    /// The attributes of `<UPLOADDATA>` if `items` are exactly `<UPLOADINFO TYPE="Escalated"><UPLOADDATA …/></UPLOADINFO>`
    /// with whitespace between.
    private static func shape(_ items: [Collector.Item]) throws(InvitationFileError) -> [String: String] {
        let meaningful = items.filter {
            if case .text(let t) = $0 { return !t.utf8.allSatisfy(isWhitespace) }
            return true
        }
        guard case .start(let first, let rootAttributes)? = meaningful.first else {
            throw .notAnInvitationFile("it has no XML element")
        }
        guard first == root else { throw .notAnInvitationFile("its root element is <\(DisplayText.escaped(String(first.prefix(40))))>, not <\(root)>") }
        for name in rootAttributes.keys.sorted() where name != type {
            throw .malformed(location: "attribute \(DisplayText.escaped(String(name.prefix(40)))) of <\(root)>", reason: "is not part of an invitation file")
        }
        guard let kind = rootAttributes[type] else { throw .malformed(location: "attribute \(type) of <\(root)>", reason: "is missing") }
        guard kind == typeValue else {
            throw .malformed(location: "attribute \(type) of <\(root)>", reason: "is \"\(DisplayText.escaped(String(kind.prefix(24))))\"; it must be \"\(typeValue)\"")
        }
        guard meaningful.count >= 2, case .start(let second, let attributes) = meaningful[1] else {
            throw .malformed(location: "<\(root)>", reason: "has no <\(data)> element")
        }
        guard second == data else {
            throw .malformed(location: "<\(DisplayText.escaped(String(second.prefix(40))))> inside <\(root)>", reason: "is not part of an invitation file; <\(data)> was expected")
        }
        let expected: [Collector.Item] = [.start(root, rootAttributes), .start(data, attributes), .end(data), .end(root)]
        guard meaningful == expected else {
            throw .malformed(location: "<\(data)>", reason: "must be the only element inside <\(root)>, and empty")
        }
        return attributes
    }

    // MARK: - Bytes

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = haystack.startIndex
        while i + needle.count <= haystack.endIndex {
            if haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<offset].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    }

    /// What the stream parser reports, in order.
    private final class Collector: NSObject, XMLParserDelegate {
        enum Item: Equatable {
            case start(String, [String: String])
            case end(String)
            case text(String)
            case other(String)
        }

        var items: [Item] = []

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            items.append(.start(elementName, attributeDict))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            items.append(.end(elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { items.append(.text(string)) }
        func parser(_ parser: XMLParser, foundIgnorableWhitespace whitespaceString: String) { items.append(.text(whitespaceString)) }
        func parser(_ parser: XMLParser, foundComment comment: String) { items.append(.other("comment")) }
        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) { items.append(.other("CDATA")) }
        func parser(_ parser: XMLParser, foundProcessingInstructionWithTarget target: String, data: String?) { items.append(.other("processing instruction")) }
        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            items.append(.other("entity"))
            return nil
        }
    }
}
