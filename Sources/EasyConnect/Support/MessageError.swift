/// Why bytes received from a peer were refused. Decoders throw it for every malformed input; they never trap.
public enum MessageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended before `field` was complete.
    case truncated(field: String)
    /// `field` holds a value the protocol does not allow.
    case badValue(field: String, reason: String)
    /// Bytes remained after the last field of `message`.
    case trailingBytes(message: String, count: Int)
    /// A value was too large to encode.
    case unencodable(String)

    public var description: String {
        switch self {
        case .truncated(let f): "malformed message: it ends inside \(f)"
        case .badValue(let f, let why): "malformed message: \(f) \(why)"
        case .trailingBytes(let m, let n): "malformed message: \(n) unexpected bytes after the end of \(m)"
        case .unencodable(let why): "cannot encode: \(why)"
        }
    }
}
