import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension SessionLog {
    /// The log as an XML document (UTF-8, indented), built with Foundation's `XMLDocument`: every name,
    /// message and reason is escaped by the XML library, never pasted into markup. Texts are cleaned again
    /// (`SessionLogText`), so nothing a peer sent can make the file unreadable.
    public func xml() -> [UInt8] {
        let root = XMLElement(name: Self.rootName)
        Self.add("ROLE", role.rawValue, to: root)
        Self.add("VERSION", String(Self.version), to: root)
        Self.add("START", startText, to: root)
        for record in records {
            let element = XMLElement(name: record.kind.rawValue)
            Self.add("DATE", record.time.dateText, to: element)
            Self.add("TIME", record.time.timeText, to: element)
            if let event = record.event { Self.add("EVENT", event, to: element) }
            for field in record.fields.keys.sorted() { Self.add(field.rawValue, record.fields[field] ?? "", to: element) }
            if let text = record.text { element.stringValue = SessionLogText.cleaned(text) }
            root.addChild(element)
        }
        let document = XMLDocument(rootElement: root)
        document.version = "1.0"
        document.characterEncoding = "UTF-8"
        var bytes = Array(document.xmlData(options: [.nodePrettyPrint]))
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        return bytes
    }

    private static func add(_ name: String, _ value: String, to element: XMLElement) {
        guard let attribute = XMLNode.attribute(withName: name, stringValue: SessionLogText.cleaned(value)) as? XMLNode else { return }
        element.addAttribute(attribute)
    }
}
