#if canImport(FoundationXML)
    import FoundationXML
#endif
import Foundation

/// One element of a document read by `XMLTree.parse`: name, attributes, child elements and text.
public struct XMLTreeElement: Sendable, Hashable {
    /// The element's name.
    public var name: String
    /// Its attributes.
    public var attributes: [String: String]
    /// Its child elements, in order.
    public var children: [XMLTreeElement]
    /// Its text content (character data directly inside it).
    public var text: String
    /// The line it starts on (1-based).
    public var line: Int
}

/// Why a file is not the XML it should be.
public struct XMLReadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The line where the reader stopped (1-based; 0 when unknown).
    public var line: Int
    /// What is wrong.
    public var reason: String

    public var description: String { line > 0 ? "line \(line): \(reason)" : reason }
}

/// A strict reader of the small XML files Easy Connect keeps (contact history, session logs, invitation
/// files), over FoundationXML's `XMLParser`.
///
/// Strict where the platform's `XMLDocument` is lenient: libxml2's recovery mode there accepts unclosed tags
/// and drops bytes it cannot read, which would let a damaged file pass as a shorter one. Here any parser
/// error refuses the whole file, a document type declaration (entities, external references) is refused
/// before parsing, and size and nesting are bounded.
public enum XMLTree {
    /// Largest file read.
    public static let maximumBytes = 16 * 1024 * 1024
    /// Deepest nesting read.
    public static let maximumDepth = 16

    /// Parses `bytes` into its root element.
    public static func parse(_ bytes: [UInt8]) throws(XMLReadError) -> XMLTreeElement {
        guard bytes.count <= maximumBytes else { throw XMLReadError(line: 0, reason: "the file has \(bytes.count) bytes, more than the \(maximumBytes) read") }
        // NUL is valid UTF-8 but never in these files: refusing it keeps UTF-16 (whose ASCII is half NULs) from
        // hiding a document type declaration from the byte search below.
        guard !bytes.contains(0), String(validating: bytes, as: UTF8.self) != nil else { throw XMLReadError(line: 0, reason: "the file is not UTF-8 text") }
        guard declaresUTF8OrNothing(bytes) else { throw XMLReadError(line: 1, reason: "the XML declaration names another encoding than UTF-8") }
        if let at = find(Array("<!DOCTYPE".utf8), in: bytes) {
            throw XMLReadError(line: 1 + bytes[..<at].count(where: { $0 == 0x0A }), reason: "a document type declaration is not allowed (no entities, no external references)")
        }
        let builder = TreeBuilder(maximumDepth: maximumDepth)
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = builder
        let finished = parser.parse()
        if let failure = builder.failure { throw XMLReadError(line: parser.lineNumber, reason: failure) }
        if !finished || parser.parserError != nil {
            let code = (parser.parserError as NSError?)?.code ?? -1
            throw XMLReadError(line: parser.lineNumber, reason: "malformed XML (parser error \(code))")
        }
        guard let root = builder.root else { throw XMLReadError(line: 0, reason: "the file holds no XML element") }
        return root
    }

    /// True when the XML declaration, if any, names no encoding or UTF-8: the parser would otherwise decode
    /// the UTF-8 bytes checked here as something else.
    public static func declaresUTF8OrNothing(_ bytes: [UInt8]) -> Bool {
        guard bytes.starts(with: Array("<?xml".utf8)), let end = find(Array("?>".utf8), in: bytes) else { return true }
        let declaration = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        guard let range = declaration.range(of: "encoding") else { return true }
        let rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
        return rest.hasPrefix("utf-8") || rest.hasPrefix("utf8")
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLTreeElement] = []
    var root: XMLTreeElement?
    var failure: String?
    let maximumDepth: Int

    init(maximumDepth: Int) { self.maximumDepth = maximumDepth }

    private func fail(_ parser: XMLParser, _ why: String) {
        if failure == nil { failure = why }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard failure == nil else { return }
        guard root == nil else { return fail(parser, "content after the root element <\(root!.name)>") }
        guard stack.count < maximumDepth else { return fail(parser, "elements nested more than \(maximumDepth) deep") }
        stack.append(XMLTreeElement(name: name, attributes: attributes, children: [], text: "", line: parser.lineNumber))
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil, let done = stack.popLast() else { return }
        if stack.isEmpty {
            root = done
        } else {
            stack[stack.count - 1].children.append(done)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard failure == nil else { return }
        if stack.isEmpty {
            if !string.allSatisfy(\.isWhitespace) { fail(parser, "text outside the root element") }
            return
        }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard failure == nil, !stack.isEmpty else { return }
        stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        fail(parser, "entity declarations are not allowed")
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        fail(parser, "external entities are not allowed")
    }
}
