/// Why bytes are not a session log this program can read. The file is never changed or deleted because of
/// it: `easy-connect logs` lists it with this reason.
public enum SessionLogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file is empty (a program stopped before its first write, or the disk lost it).
    case empty
    /// Larger than a session log can grow to.
    case tooLarge(bytes: Int, limit: Int)
    /// Not UTF-8 text (or it holds a NUL byte): a session log is UTF-8 XML.
    case notUTF8
    /// It declares a document type (`<!DOCTYPE`): a session log never has one, and its entities are not expanded.
    case documentType
    /// Not well-formed XML, at `line`:`column`.
    case malformed(line: Int, column: Int, reason: String)
    /// The root element is not `SESSION` (`found` is what it is, or "nothing").
    case wrongRoot(found: String)
    /// `VERSION` is not one this program reads.
    case unsupportedVersion(String)
    /// A required attribute is missing.
    case missingAttribute(element: String, attribute: String, line: Int)
    /// An attribute has a value of the wrong form.
    case badAttribute(element: String, attribute: String, value: String, expected: String, line: Int)
    /// An attribute that element does not have in this version.
    case unexpectedAttribute(element: String, attribute: String, line: Int)
    /// An element under `SESSION` that is not a record of this version.
    case unknownRecord(String, line: Int)
    /// An element inside a record (records hold only text).
    case unexpectedElement(String, inside: String, line: Int)
    /// Text between records.
    case unexpectedText(line: Int)

    public var description: String {
        let damaged = "not a session log of easy-connect, or damaged"
        switch self {
        case .empty: return "the file is empty (the program may have stopped before writing it)"
        case .tooLarge(let bytes, let limit): return "the file has \(bytes) bytes, more than a session log may have (\(limit)); \(damaged)"
        case .notUTF8: return "the file is not UTF-8 text; \(damaged)"
        case .documentType: return "the file declares a document type (<!DOCTYPE>), which a session log never has; it is not read"
        case .malformed(let line, let column, let reason): return "malformed XML at line \(line), column \(column): \(reason); \(damaged)"
        case .wrongRoot(let found): return "the root element is \(Self.shown(found)), not SESSION; \(damaged)"
        case .unsupportedVersion(let v): return "log format version \(Self.shown(v)) is not supported (this program reads version \(SessionLog.version)); use a newer easy-connect"
        case .missingAttribute(let e, let a, let line): return "\(Self.shown(e)) at line \(line) has no \(a) attribute; \(damaged)"
        case .badAttribute(let e, let a, let v, let expected, let line):
            return "\(Self.shown(e)) at line \(line) has \(a)=\"\(Self.shown(v))\", expected \(expected); \(damaged)"
        case .unexpectedAttribute(let e, let a, let line): return "\(Self.shown(e)) at line \(line) has an unknown attribute \(Self.shown(a)); \(damaged)"
        case .unknownRecord(let e, let line): return "unknown record \(Self.shown(e)) at line \(line); \(damaged)"
        case .unexpectedElement(let e, let inside, let line): return "element \(Self.shown(e)) inside \(Self.shown(inside)) at line \(line); \(damaged)"
        case .unexpectedText(let line): return "text between records at line \(line); \(damaged)"
        }
    }

    /// A value from the file, cleaned and cut short for a message.
    static func shown(_ text: String) -> String {
        let clean = SessionLogText.cleaned(text)
        return clean.count > 40 ? String(clean.prefix(40)) + "…" : clean
    }
}
