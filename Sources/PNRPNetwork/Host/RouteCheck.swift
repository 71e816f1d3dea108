import NIOCore
import PNRP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether the system has a route to a destination, asked before a datagram is written to it.
///
/// A datagram socket whose `sendmsg` fails with ENETUNREACH is closed by SwiftNIO (only EMSGSIZE and
/// EHOSTUNREACH count as recoverable), and everything queued on it is lost. Endpoints come from peers: a node
/// behind a NAT names its private address (`192.168.1.2`) until it knows better, and a host with no default
/// route — a server on one subnet, a test network — has no route there. The driver asks the system once per
/// address (a `connect` of a scratch UDP socket: the same route lookup, no datagram sent) and remembers the
/// answer for `lifetime`; datagrams to an address without a route are dropped and counted as undeliverable
/// (`docs/deviations.md`, D3).
struct RouteCheck {
    /// How long an answer is remembered.
    static let lifetime = NodeDuration.seconds(30)
    /// Addresses remembered at most; the expired ones are forgotten first, then all.
    static let maximumEntries = 4096

    /// A destination as the system routes it: a link-local address is a different destination on each
    /// interface (its zone), where one may have a route and another none.
    private struct Destination: Hashable {
        var address: IPv6Address
        var zone: UInt32
    }

    private var verdicts: [Destination: (routable: Bool, until: NodeInstant)] = [:]
    /// Lookups made (for tests).
    private(set) var lookups = 0

    /// Whether `address` (the destination's socket address, `socketAddress`, gives the zone) can be sent to now.
    mutating func routable(_ address: IPv6Address, _ socketAddress: SocketAddress, now: NodeInstant) -> Bool {
        var zone: UInt32 = 0
        if case .v6(let v6) = socketAddress { zone = v6.address.sin6_scope_id }
        let key = Destination(address: address, zone: zone)
        if let v = verdicts[key], v.until > now { return v.routable }
        if verdicts.count >= Self.maximumEntries {
            verdicts = verdicts.filter { $0.value.until > now }
            if verdicts.count >= Self.maximumEntries { verdicts.removeAll(keepingCapacity: true) }
        }
        lookups += 1
        let routable = Self.hasRoute(to: socketAddress)
        verdicts[key] = (routable, now + Self.lifetime)
        return routable
    }

    /// Asks the system (in the calling thread's network namespace) for a route to `address`: false only when
    /// it says there is none (ENETUNREACH, EHOSTUNREACH); true when it has one or cannot tell.
    static func hasRoute(to address: SocketAddress) -> Bool {
        let family: Int32
        switch address {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        case .unixDomainSocket: return false
        }
        #if canImport(Glibc)
            let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
            let type = SOCK_DGRAM
        #endif
        let fd = socket(family, type, 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        let result = address.withSockAddr { pointer, length in connect(fd, pointer, socklen_t(length)) }
        return result == 0 || (errno != ENETUNREACH && errno != EHOSTUNREACH)
    }
}
