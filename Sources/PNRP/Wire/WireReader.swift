/// A bounds-checked cursor over received bytes, used by every PNRP decoder ([MS-PNRP] 2.2).
///
/// Every read checks that enough bytes remain and throws `WireError.truncated` otherwise; no read traps
/// on any input. Message framing is big-endian (network order, [MS-PNRP] 2.2), so the unsuffixed
/// integer readers are big-endian; the structures carried inside elements (Encoded CPA, PAYLOAD,
/// EXTENDED_PAYLOAD, SIGNATURE, [MS-PNRP] 2.2.3.x) use the `LE` variants.
///
/// Offsets reported in errors are `baseOffset` plus the bytes consumed, so a reader over a part of a
/// datagram reports positions within the whole datagram.
package struct WireReader: Sendable {
    /// The bytes being read.
    package let bytes: ArraySlice<UInt8>
    /// Index in `bytes` of the next byte to read.
    private var index: ArraySlice<UInt8>.Index
    /// Position of `bytes.startIndex` within the enclosing input, for error messages.
    package let baseOffset: Int

    /// A reader over `bytes`, reporting offsets starting at `baseOffset`.
    package init(_ bytes: ArraySlice<UInt8>, baseOffset: Int = 0) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.baseOffset = baseOffset
    }

    /// A reader over a copy of `bytes`, reporting offsets starting at `baseOffset`.
    package init(_ bytes: some Collection<UInt8>, baseOffset: Int = 0) {
        self.init(ArraySlice(bytes), baseOffset: baseOffset)
    }

    /// Bytes consumed since the start of this reader.
    package var consumed: Int { index - bytes.startIndex }

    /// Bytes not yet read.
    package var remaining: Int { bytes.endIndex - index }

    /// True when every byte has been read.
    package var isAtEnd: Bool { index >= bytes.endIndex }

    /// Position of the next byte within the enclosing input (`baseOffset + consumed`).
    package var offset: Int { baseOffset + consumed }

    /// The bytes not yet read, without consuming them.
    package var rest: ArraySlice<UInt8> { bytes[index...] }

    /// Throws `WireError.truncated` unless `count` more bytes are available.
    package func require(_ count: Int, _ what: @autoclosure () -> String) throws(WireError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(what: what(), offset: offset, needed: count, available: remaining)
        }
    }

    // MARK: Peeking

    /// The next byte, or nil at the end; does not consume.
    package func peekUInt8() -> UInt8? {
        isAtEnd ? nil : bytes[index]
    }

    /// The next big-endian 16-bit value, or nil when fewer than 2 bytes remain; does not consume.
    package func peekUInt16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    /// The next little-endian 16-bit value, or nil when fewer than 2 bytes remain; does not consume.
    package func peekUInt16LE() -> UInt16? {
        guard remaining >= 2 else { return nil }
        return UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
    }

    /// The big-endian 16-bit value `ahead` bytes after the cursor, or nil when out of range; does not consume.
    package func peekUInt16(ahead: Int) -> UInt16? {
        guard ahead >= 0, remaining >= 2, ahead <= remaining - 2 else { return nil }
        return UInt16(bytes[index + ahead]) << 8 | UInt16(bytes[index + ahead + 1])
    }

    // MARK: Big-endian integers

    /// Reads one byte.
    package mutating func readUInt8(_ what: @autoclosure () -> String) throws(WireError) -> UInt8 {
        try require(1, what())
        defer { index += 1 }
        return bytes[index]
    }

    /// Reads a big-endian 16-bit integer.
    package mutating func readUInt16(_ what: @autoclosure () -> String) throws(WireError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readBigEndian(2, what()))
    }

    /// Reads a big-endian 32-bit integer.
    package mutating func readUInt32(_ what: @autoclosure () -> String) throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readBigEndian(4, what()))
    }

    /// Reads a big-endian 64-bit integer.
    package mutating func readUInt64(_ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        try readBigEndian(8, what())
    }

    // MARK: Little-endian integers

    /// Reads a little-endian 16-bit integer.
    package mutating func readUInt16LE(_ what: @autoclosure () -> String) throws(WireError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readLittleEndian(2, what()))
    }

    /// Reads a little-endian 32-bit integer.
    package mutating func readUInt32LE(_ what: @autoclosure () -> String) throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readLittleEndian(4, what()))
    }

    /// Reads a little-endian 64-bit integer.
    package mutating func readUInt64LE(_ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        try readLittleEndian(8, what())
    }

    // MARK: Byte runs

    /// Reads `count` bytes as a new array.
    package mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(WireError) -> [UInt8] {
        Array(try readSlice(count, what()))
    }

    /// Reads `count` bytes as a slice of the input (no copy).
    package mutating func readSlice(_ count: Int, _ what: @autoclosure () -> String) throws(WireError) -> ArraySlice<UInt8> {
        try require(count, what())
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// Consumes `count` bytes and returns a reader over exactly them, reporting offsets in this reader's terms.
    package mutating func subReader(_ count: Int, _ what: @autoclosure () -> String) throws(WireError) -> WireReader {
        let start = offset
        return WireReader(try readSlice(count, what()), baseOffset: start)
    }

    /// Skips `count` bytes.
    package mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(WireError) {
        try require(count, what())
        index += count
    }

    /// Skips the padding that brings `consumed` to a multiple of `alignment` (ignoring its value, as
    /// receivers must, [MS-PNRP] 2.2). Throws when the input ends inside the padding.
    package mutating func skipPadding(alignment: Int = 4, _ what: @autoclosure () -> String) throws(WireError) {
        guard alignment > 1 else { return }
        let over = consumed % alignment
        if over != 0 { try skip(alignment - over, what()) }
    }

    /// Throws `WireError.trailingBytes` unless every byte has been read.
    package func expectEnd() throws(WireError) {
        if !isAtEnd { throw .trailingBytes(count: remaining, offset: offset) }
    }

    // MARK: PNRP structures

    /// Reads a 32-byte PNRP ID, most significant byte first ([MS-PNRP] 2.2, `docs/deviations.md` W3).
    package mutating func readPNRPID(_ what: @autoclosure () -> String) throws(WireError) -> PNRPID {
        let w0 = try readUInt64(what()), w1 = try readUInt64(what()), w2 = try readUInt64(what()), w3 = try readUInt64(what())
        return PNRPID(w0, w1, w2, w3)
    }

    /// Reads a 16-byte IPv6 address in network order.
    package mutating func readIPv6Address(_ what: @autoclosure () -> String) throws(WireError) -> IPv6Address {
        let high = try readUInt64(what()), low = try readUInt64(what())
        return IPv6Address(high: high, low: low)
    }

    /// Reads an 18-byte IPV6_ENDPOINT ([MS-PNRP] 2.2.3.6): port (big-endian) then address. The port's value
    /// is not checked here.
    package mutating func readIPv6Endpoint(_ what: @autoclosure () -> String) throws(WireError) -> IPv6Endpoint {
        let port = try readUInt16(what())
        let address = try readIPv6Address(what())
        return IPv6Endpoint(address: address, port: port)
    }

    // MARK: Internals

    private mutating func readBigEndian(_ width: Int, _ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        try require(width, what())
        var value: UInt64 = 0
        for i in 0..<width { value = value << 8 | UInt64(bytes[index + i]) }
        index += width
        return value
    }

    private mutating func readLittleEndian(_ width: Int, _ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        try require(width, what())
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[index + i]) << UInt64(8 * i) }
        index += width
        return value
    }
}
