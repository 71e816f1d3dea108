#if canImport(FoundationXML)
    import FoundationXML
#endif
import Foundation

/// Text made safe for an XML document, and documents serialised through FoundationXML.
public enum XMLText {
    /// `text` with every character XML 1.0 cannot hold (C0 controls other than tab, newline and carriage
    /// return; U+FFFE, U+FFFF) replaced by U+FFFD. Text from the network goes through it before it is written,
    /// so that a hostile chat message or name cannot make a file unreadable.
    public static func sanitized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let v = s.value
            let allowed = v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || v >= 0x10000
            out.append(allowed ? s : "\u{FFFD}")
        }
        return String(out)
    }

    /// An element named `name` with `attributes` (written in the given order, values sanitised) and text.
    public static func element(_ name: String, attributes: KeyValuePairs<String, String> = [:], text: String? = nil) -> XMLElement {
        element(name, orderedAttributes: attributes.map { ($0.key, $0.value) }, text: text)
    }

    /// An element named `name` with attributes in the given order (values sanitised) and text.
    public static func element(_ name: String, orderedAttributes: [(String, String)], text: String? = nil) -> XMLElement {
        let e = XMLElement(name: name)
        for (key, value) in orderedAttributes {
            if let a = XMLNode.attribute(withName: key, stringValue: sanitized(value)) as? XMLNode { e.addAttribute(a) }
        }
        if let text { e.stringValue = sanitized(text) }
        return e
    }

    /// The UTF-8 bytes of a document whose root is `root`, with an XML declaration, one element per line.
    public static func document(_ root: XMLElement) -> [UInt8] {
        let doc = XMLDocument(rootElement: root)
        doc.version = "1.0"
        doc.characterEncoding = "UTF-8"
        return Array(doc.xmlData(options: [.nodePrettyPrint]))
    }
}
