/// An append-only byte buffer used by every PNRP encoder ([MS-PNRP] 2.2).
///
/// Message framing is big-endian (network order, [MS-PNRP] 2.2), so the unsuffixed integer writers are
/// big-endian; the structures carried inside elements (Encoded CPA, PAYLOAD, EXTENDED_PAYLOAD,
/// SIGNATURE, [MS-PNRP] 2.2.3.x) use the `LE` variants.
package struct WireWriter: Sendable {
    /// The bytes written so far.
    package private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes.
    package init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(max(0, capacity))
    }

    /// Bytes written so far.
    package var count: Int { bytes.count }

    // MARK: Big-endian integers

    /// Appends one byte.
    package mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    /// Appends a big-endian 16-bit integer.
    package mutating func writeUInt16(_ value: UInt16) { writeBigEndian(UInt64(value), width: 2) }

    /// Appends a big-endian 32-bit integer.
    package mutating func writeUInt32(_ value: UInt32) { writeBigEndian(UInt64(value), width: 4) }

    /// Appends a big-endian 64-bit integer.
    package mutating func writeUInt64(_ value: UInt64) { writeBigEndian(value, width: 8) }

    // MARK: Little-endian integers

    /// Appends a little-endian 16-bit integer.
    package mutating func writeUInt16LE(_ value: UInt16) { writeLittleEndian(UInt64(value), width: 2) }

    /// Appends a little-endian 32-bit integer.
    package mutating func writeUInt32LE(_ value: UInt32) { writeLittleEndian(UInt64(value), width: 4) }

    /// Appends a little-endian 64-bit integer.
    package mutating func writeUInt64LE(_ value: UInt64) { writeLittleEndian(value, width: 8) }

    // MARK: Byte runs

    /// Appends `data` unchanged.
    package mutating func writeBytes(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }

    /// Appends `count` zero bytes.
    package mutating func writeZeros(_ count: Int) {
        if count > 0 { bytes.append(contentsOf: repeatElement(0, count: count)) }
    }

    /// Appends zero bytes until `count` is a multiple of `alignment` ([MS-PNRP] 2.2: padding MUST be zero).
    package mutating func pad(toAlignment alignment: Int = 4) {
        guard alignment > 1 else { return }
        let over = bytes.count % alignment
        if over != 0 { writeZeros(alignment - over) }
    }

    // MARK: Back-patching

    /// Overwrites two bytes at `offset` with `value`, big-endian. Returns false (and writes nothing) when
    /// `offset` is not inside the bytes written so far.
    @discardableResult
    package mutating func setUInt16(_ value: UInt16, at offset: Int) -> Bool {
        guard offset >= 0, offset <= bytes.count - 2 else { return false }
        bytes[offset] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
        return true
    }

    /// Overwrites two bytes at `offset` with `value`, little-endian. Returns false (and writes nothing) when
    /// `offset` is not inside the bytes written so far.
    @discardableResult
    package mutating func setUInt16LE(_ value: UInt16, at offset: Int) -> Bool {
        guard offset >= 0, offset <= bytes.count - 2 else { return false }
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        return true
    }

    // MARK: PNRP structures

    /// Appends a 32-byte PNRP ID, most significant byte first ([MS-PNRP] 2.2, `docs/deviations.md` W3).
    package mutating func writePNRPID(_ id: PNRPID) { id.write(to: &bytes) }

    /// Appends a 16-byte IPv6 address in network order.
    package mutating func writeIPv6Address(_ address: IPv6Address) { address.write(to: &bytes) }

    /// Appends an 18-byte IPV6_ENDPOINT ([MS-PNRP] 2.2.3.6): port (big-endian) then address.
    package mutating func writeIPv6Endpoint(_ endpoint: IPv6Endpoint) { endpoint.write(to: &bytes) }

    // MARK: Internals

    private mutating func writeBigEndian(_ value: UInt64, width: Int) {
        for i in stride(from: width - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i)))
        }
    }

    private mutating func writeLittleEndian(_ value: UInt64, width: Int) {
        for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) }
    }
}
