import NIOCore
import PNRP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Conversions between the core's addresses (IPv6, IPv4 as IPv4-mapped IPv6, [MS-PNRP] 2.2.3.6) and
/// socket addresses. A link-local address carries its zone (the interface index, RFC 4007) only in the
/// socket address: the core's `IPv6Endpoint` holds the 16 address bytes the wire carries, and the cloud a
/// datagram belongs to supplies the zone.
extension IPv6Endpoint {
    /// The endpoint of a received datagram's source, or nil for a family PNRP does not use.
    public init?(_ socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let v4):
            let raw = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            let address = IPv6Address(
                ipv4: UInt8(raw >> 24), UInt8((raw >> 16) & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8(raw & 0xFF))
            self.init(address: address, port: UInt16(bigEndian: v4.address.sin_port))
        case .v6(let v6):
            var storage = v6.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            guard let address = IPv6Address(bytes: bytes) else { return nil }
            self.init(address: address, port: UInt16(bigEndian: v6.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }

    /// The socket address to send to: IPv4 for an IPv4-mapped address, otherwise IPv6 with `zone` as the
    /// scope id when the address is link-scoped (fe80::/10, ff02::/16).
    public func socketAddress(zone: UInt32 = 0) -> SocketAddress {
        if address.isIPv4Mapped {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = UInt32(truncatingIfNeeded: address.low).bigEndian
            return SocketAddress(sin, host: "")
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        let bytes = address.bytes
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { raw in
            for i in 0..<16 { raw[i] = bytes[i] }
        }
        sin6.sin6_scope_id = address.isLinkLocal || address.high >> 48 == 0xFF02 ? zone : 0
        return SocketAddress(sin6, host: "")
    }
}

/// Parses the `host:port` forms people type: `127.0.0.2:3540`, `[::1]:3540`, `[fe80::1%eth0]:3540`,
/// or a bare address with `defaultPort`.
public struct EndpointText: Sendable, Hashable, CustomStringConvertible {
    /// The endpoint.
    public var endpoint: IPv6Endpoint
    /// The zone (interface index) of a link-local address, 0 otherwise.
    public var zone: UInt32

    /// Parses `text`; throws `EndpointTextError` saying what is wrong.
    public init(_ text: String, defaultPort: UInt16 = 3540) throws(EndpointTextError) {
        var host = text
        var port = defaultPort
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .malformed(text, "missing ']' after the IPv6 address") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()), p > 0 else {
                    throw .malformed(text, "expected ':PORT' (1-65535) after ']'")
                }
                port = p
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let p = UInt16(text[text.index(after: colon)...]), p > 0 else {
                throw .malformed(text, "the port after ':' must be 1-65535")
            }
            port = p
        }
        var zone: UInt32 = 0
        if let percent = host.firstIndex(of: "%") {
            let zoneText = String(host[host.index(after: percent)...])
            host = String(host[..<percent])
            if let z = UInt32(zoneText) {
                zone = z
            } else {
                let index = if_nametoindex(zoneText)
                guard index != 0 else { throw .malformed(text, "no interface named '\(zoneText)'") }
                zone = index
            }
        }
        guard let address = Self.parseAddress(host) else {
            throw .malformed(text, "'\(host)' is not an IPv4 or IPv6 address (host names are not looked up)")
        }
        self.endpoint = IPv6Endpoint(address: address, port: port)
        self.zone = zone
    }

    /// Numeric IPv4 or IPv6 text to an address (IPv4 as IPv4-mapped).
    public static func parseAddress(_ host: String) -> IPv6Address? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            let raw = UInt32(bigEndian: v4.s_addr)
            return IPv6Address(ipv4: UInt8(raw >> 24), UInt8((raw >> 16) & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8(raw & 0xFF))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return IPv6Address(bytes: withUnsafeBytes(of: &v6) { Array($0) })
        }
        return nil
    }

    /// `host:port` with brackets around IPv6 and the zone when set.
    public var description: String { Self.format(endpoint, zone: zone) }

    /// Formats an endpoint the way people write it: `127.0.0.2:3540` or `[::1]:3540`.
    public static func format(_ endpoint: IPv6Endpoint, zone: UInt32 = 0) -> String {
        let a = endpoint.address
        if a.isIPv4Mapped {
            let v = UInt32(truncatingIfNeeded: a.low)
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF):\(endpoint.port)"
        }
        return "[\(a)\(zone != 0 && a.isLinkLocal ? "%\(zone)" : "")]:\(endpoint.port)"
    }
}

/// A `host:port` text that could not be read.
public enum EndpointTextError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text and what is wrong with it.
    case malformed(String, String)

    public var description: String {
        switch self {
        case .malformed(let t, let why): "cannot read endpoint '\(t)': \(why); write e.g. 127.0.0.2:3540 or [::1]:3540"
        }
    }
}
