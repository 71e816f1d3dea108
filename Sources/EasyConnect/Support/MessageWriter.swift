/// Writes the fields of an Easy Connect message, the counterpart of `MessageReader`.
public struct MessageWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Starts an empty message, reserving `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// One byte.
    public mutating func write(_ value: UInt8) { bytes.append(value) }

    /// A big-endian 16-bit value.
    public mutating func write(_ value: UInt16) { writeInteger(UInt64(value), byteCount: 2) }

    /// A big-endian 32-bit value.
    public mutating func write(_ value: UInt32) { writeInteger(UInt64(value), byteCount: 4) }

    /// A big-endian 64-bit value.
    public mutating func write(_ value: UInt64) { writeInteger(value, byteCount: 8) }

    private mutating func writeInteger(_ value: UInt64, byteCount: Int) {
        for i in stride(from: byteCount - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }

    /// Raw bytes.
    public mutating func write<C: Collection<UInt8>>(bytes more: C) { bytes.append(contentsOf: more) }

    /// UTF-8 text preceded by its byte count in one byte.
    public mutating func writeShortText(_ text: String, field: String, maximumBytes: Int = 255) throws(MessageError) {
        let raw = Array(text.utf8)
        guard raw.count <= min(maximumBytes, 255) else { throw .unencodable("\(field) has \(raw.count) bytes; at most \(min(maximumBytes, 255)) fit") }
        write(UInt8(raw.count))
        write(bytes: raw)
    }

    /// UTF-8 text preceded by its byte count in two bytes.
    public mutating func writeText(_ text: String, field: String, maximumBytes: Int) throws(MessageError) {
        let raw = Array(text.utf8)
        guard raw.count <= min(maximumBytes, Int(UInt16.max)) else { throw .unencodable("\(field) has \(raw.count) bytes; at most \(maximumBytes) fit") }
        write(UInt16(raw.count))
        write(bytes: raw)
    }
}
