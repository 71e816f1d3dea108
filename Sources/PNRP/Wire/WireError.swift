/// Why a datagram or an encoded structure was refused. Decoders throw these and never trap; every case
/// says where in the input the problem is, so a capture can be checked by hand.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended before `what` was complete.
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// The 12-byte PNRP header is wrong (field ID, length, identifier or version).
    case badHeader(String)
    /// MessageType byte is not one of the eight message types ([MS-PNRP] 2.2.1).
    case unknownMessageType(UInt8)
    /// A field ID appears where the message syntax does not allow it (unknown, out of order, or repeated).
    case unexpectedField(fieldID: UInt16, offset: Int, expected: String)
    /// A required element is absent.
    case missingField(String, offset: Int)
    /// An element's Length is not the value its FieldID requires, or overruns the input.
    case badLength(field: String, length: Int, offset: Int)
    /// A field value is outside what the spec allows.
    case badValue(field: String, reason: String)
    /// Bytes remain after the last element a message may contain.
    case trailingBytes(count: Int, offset: Int)
    /// An encoder was asked to write something the wire format cannot carry.
    case unencodable(String)

    public var description: String {
        switch self {
        case .truncated(let what, let off, let needed, let avail):
            "truncated \(what) at offset \(off): needs \(needed) bytes, \(avail) available"
        case .badHeader(let why): "bad PNRP header: \(why)"
        case .unknownMessageType(let t): "unknown message type 0x\(String(t, radix: 16)); PNRP 4.0 defines 1, 2, 3, 4, 7, 8, 9 and 11"
        case .unexpectedField(let id, let off, let expected):
            "unexpected field 0x\(String(id, radix: 16)) at offset \(off); expected \(expected)"
        case .missingField(let f, let off): "missing required \(f) at offset \(off)"
        case .badLength(let f, let len, let off): "\(f) at offset \(off) has invalid length \(len)"
        case .badValue(let f, let why): "\(f): \(why)"
        case .trailingBytes(let n, let off): "\(n) unexpected bytes after the last element, at offset \(off)"
        case .unencodable(let why): "cannot encode: \(why)"
        }
    }
}
