/// Reads the fields of an Easy Connect message: big-endian integers, fixed byte strings and
/// length-prefixed UTF-8 text. Every read checks the remaining length and throws `MessageError`.
public struct MessageReader {
    private let bytes: [UInt8]
    /// Where the next field starts.
    public private(set) var offset: Int

    /// Reads `bytes` from the start.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// True when every byte has been read.
    public var isAtEnd: Bool { offset == bytes.count }

    /// One byte.
    public mutating func readUInt8(_ field: String) throws(MessageError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A big-endian 16-bit value.
    public mutating func readUInt16(_ field: String) throws(MessageError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readInteger(byteCount: 2, field))
    }

    /// A big-endian 32-bit value.
    public mutating func readUInt32(_ field: String) throws(MessageError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readInteger(byteCount: 4, field))
    }

    /// A big-endian 64-bit value.
    public mutating func readUInt64(_ field: String) throws(MessageError) -> UInt64 {
        try readInteger(byteCount: 8, field)
    }

    private mutating func readInteger(byteCount: Int, _ field: String) throws(MessageError) -> UInt64 {
        guard remaining >= byteCount else { throw .truncated(field: field) }
        var value: UInt64 = 0
        for i in 0..<byteCount { value = value << 8 | UInt64(bytes[offset + i]) }
        offset += byteCount
        return value
    }

    /// Exactly `count` bytes.
    public mutating func readBytes(_ count: Int, _ field: String) throws(MessageError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated(field: field) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Everything that is left.
    public mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// UTF-8 text preceded by its byte count in one byte (`maximumBytes` at most, 255 by the format).
    public mutating func readShortText(_ field: String, maximumBytes: Int = 255) throws(MessageError) -> String {
        let count = Int(try readUInt8("\(field) length"))
        return try readText(count: count, field, maximumBytes: maximumBytes)
    }

    /// UTF-8 text preceded by its byte count in two bytes.
    public mutating func readText(_ field: String, maximumBytes: Int) throws(MessageError) -> String {
        let count = Int(try readUInt16("\(field) length"))
        return try readText(count: count, field, maximumBytes: maximumBytes)
    }

    private mutating func readText(count: Int, _ field: String, maximumBytes: Int) throws(MessageError) -> String {
        guard count <= maximumBytes else { throw .badValue(field: field, reason: "has \(count) bytes; at most \(maximumBytes) are allowed") }
        let raw = try readBytes(count, field)
        guard let text = String(validating: raw, as: UTF8.self) else { throw .badValue(field: field, reason: "is not valid UTF-8") }
        return text
    }

    /// Throws unless every byte has been read.
    public func expectEnd(of message: String) throws(MessageError) {
        guard isAtEnd else { throw .trailingBytes(message: message, count: remaining) }
    }
}
