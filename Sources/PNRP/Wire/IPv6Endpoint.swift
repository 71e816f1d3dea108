/// A 128-bit IPv6 address. PNRP messages carry only IPv6 addresses ([MS-PNRP] 2.2); IPv4 endpoints travel
/// in the IPv4-mapped form `::ffff:a.b.c.d`.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Upper and lower 64 bits, network order.
    public var high: UInt64, low: UInt64

    /// Builds an address from its two 64-bit halves.
    public init(high: UInt64, low: UInt64) { (self.high, self.low) = (high, low) }

    /// Builds an address from 16 bytes in network order; nil for any other length.
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 16 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        self.init(high: h, low: l)
    }

    /// The IPv4-mapped address `::ffff:a.b.c.d`.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.init(high: 0, low: 0x0000_FFFF_0000_0000 | UInt64(a) << 24 | UInt64(b) << 16 | UInt64(c) << 8 | UInt64(d))
    }

    /// `::1`.
    public static let loopback = IPv6Address(high: 0, low: 1)
    /// `::`.
    public static let unspecified = IPv6Address(high: 0, low: 0)

    /// True for `::ffff:a.b.c.d`.
    public var isIPv4Mapped: Bool { high == 0 && (low >> 32) == 0xFFFF }
    /// True for fe80::/10.
    public var isLinkLocal: Bool { (high >> 54) == (0xFE80 >> 6) }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        write(to: &out)
        return out
    }

    /// Appends the 16 bytes in network order.
    public func write(to buffer: inout [UInt8]) {
        for s in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: high >> UInt64(s))) }
        for s in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: low >> UInt64(s))) }
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// Dotted quad for IPv4-mapped addresses, otherwise eight colon-separated hex groups
    /// (RFC 5952 zero compression).
    public var description: String {
        if isIPv4Mapped {
            let v = UInt32(truncatingIfNeeded: low)
            return "::ffff:\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        let groups: [UInt16] = (0..<8).map { i in
            let w = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: w >> UInt64(48 - 16 * (i % 4)))
        }
        // Longest run (>= 2) of zero groups is written as "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen { (bestStart, bestLen) = (i, j - i) }
                i = j
            } else { i += 1 }
        }
        func hex(_ r: Range<Int>) -> String { r.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestLen < 2 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
    }
}

/// An IPV6_ENDPOINT ([MS-PNRP] 2.2.3.6): a UDP port and an IPv6 address. On the wire: port (2, big-endian)
/// then address (16).
public struct IPv6Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address.
    public var address: IPv6Address
    /// The UDP port.
    public var port: UInt16

    /// Builds an endpoint.
    public init(address: IPv6Address, port: UInt16) { (self.address, self.port) = (address, port) }

    /// Encoded size in bytes.
    public static let byteCount = 18

    /// Appends port (big-endian) then address.
    public func write(to buffer: inout [UInt8]) {
        buffer.append(UInt8(port >> 8)); buffer.append(UInt8(port & 0xFF))
        address.write(to: &buffer)
    }

    public static func < (a: IPv6Endpoint, b: IPv6Endpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }

    /// `[address]:port`.
    public var description: String { "[\(address)]:\(port)" }
}

/// An IPV6_APP_ENDPOINT ([MS-PNRP] 2.2.3.1.3): where an application listens, carried in a CPA's PAYLOAD.
/// On the wire: address (16), port (2, big-endian; see `docs/deviations.md`, item W5), protocol (2, little-endian).
public struct IPv6AppEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The address.
    public var address: IPv6Address
    /// The port.
    public var port: UInt16
    /// IANA protocol number (6 TCP, 17 UDP).
    public var ipProtocol: UInt16

    /// Builds an application endpoint.
    public init(address: IPv6Address, port: UInt16, ipProtocol: UInt16) {
        (self.address, self.port, self.ipProtocol) = (address, port, ipProtocol)
    }

    /// Encoded size in bytes.
    public static let byteCount = 20

    /// `[address]:port/protocol`.
    public var description: String { "[\(address)]:\(port)/\(ipProtocol == 6 ? "tcp" : ipProtocol == 17 ? "udp" : String(ipProtocol))" }
}
