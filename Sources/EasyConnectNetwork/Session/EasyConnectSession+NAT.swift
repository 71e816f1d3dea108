import EasyConnect
import NIOCore
import PNRP
import PNRPNetwork

/// Where a User's invitation says a Helper can reach it: the listener's own endpoints and, behind a NAT, the
/// NAT's mapping of the listener's port and a stream relay (`docs/deviations.md`, E11).
struct UserReach: Sendable {
    /// The listener's endpoints.
    var endpoints: [SessionEndpoint]
    /// The NAT's public address with the listener's port.
    var punchEndpoints: [SessionEndpoint] = []
    /// The stream relay the User waits at.
    var streamRelay: StreamRelayRendezvous?
}

extension EasyConnectSession {
    /// How long a User waits for its node's reachability check and relay before inviting without them.
    static let reachabilityWait = Duration.seconds(60)
    /// How long a Helper waits for its node's reachability check (its public address goes in its punch offer).
    static let helperReachabilityWait = Duration.seconds(10)

    /// The reachability of a NAT-aware service once known, polled until `limit`; nil without NAT traversal.
    static func knownReachability(_ nat: any NATAwareNameService, within limit: Duration) async -> Reachability? {
        let end = ContinuousClock.now.advanced(by: limit)
        var reachability = await nat.globalReachability()
        while reachability == .unknown, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(200))
            reachability = await nat.globalReachability()
        }
        return reachability
    }

    /// What a User behind a NAT adds to its invitation: its public address from its node's reachability check,
    /// and, when strangers cannot reach it, a stream relay allocation from its node's relay (asked again while
    /// the node has no relay yet, until `reachabilityWait`). Nothing without a NAT-aware name service (a
    /// `pnrp node` daemon, or NAT traversal off); a relay that cannot be had leaves the punch endpoints alone.
    static func userReach(endpoints: [SessionEndpoint], nameService: (any PeerNameService)?) async -> UserReach {
        var reach = UserReach(endpoints: endpoints)
        guard let nat = nameService as? any NATAwareNameService, let port = endpoints.first?.port else { return reach }
        let end = ContinuousClock.now.advanced(by: reachabilityWait)
        // Peers seeing one of the listener's own addresses means no NAT in between: nothing to add, and no need
        // to wait for the check's verdict.
        var seen = await nat.globalObservedEndpoint()
        while seen == nil, await nat.globalReachability() == .unknown, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(100))
            seen = await nat.globalObservedEndpoint()
        }
        if let seen, endpoints.contains(where: { $0.address == seen.address }) { return reach }
        let reachability = await knownReachability(nat, within: end - ContinuousClock.now)
        // Behind a NAT that maps each destination to another port, the port is a guess that will not match, but
        // the Helper's connects to the address still open the Helper's own NAT to the User's SYNs.
        let observed = await nat.globalObservedEndpoint() ?? seen
        if reachability != nil, let observed, !endpoints.contains(where: { $0.address == observed.address }) {
            reach.punchEndpoints = [SessionEndpoint(address: observed.address, port: port)]
        }
        // Behind a NAT: the relay carries the Helper's punch offer. Behind a full cone that strangers reach too: the
        // NAT forwards only to ports the User's host has sent from, which the session listener's has not, so a
        // Helper gets in only by the punch offer that makes the User connect out (docs/deviations.md E11, X6).
        switch reachability {
        case .behindNAT?: break
        case .reachable(let seen)? where !endpoints.contains(where: { $0.address == seen.address }): break
        default: return reach
        }
        while ContinuousClock.now < end {
            do {
                let allocation = try await nat.allocateStreamRelay(timeout: .seconds(5))
                reach.streamRelay = StreamRelayRendezvous(
                    endpoint: SessionEndpoint(address: allocation.relayEndpoint.address, port: allocation.relayEndpoint.port), token: allocation.token)
                break
            } catch HostError.streamRelay(let failure) where failure == .noRelay || failure == .reachabilityUnknown {
                // The node is still looking for a relay.
                try? await Task.sleep(for: .milliseconds(500))
            } catch {
                break
            }
        }
        return reach
    }

    /// The Helper's ways through the User's NAT, when the invitation lists any: the punch endpoints, the stream
    /// relay, the Helper's own public address (from its name service), and how long direct connections go
    /// first (a while when both sit behind the same public address, so probably on one network; none otherwise).
    static func helperTraversal(for invitation: Invitation, nameService: (any PeerNameService)?) async -> HelperTraversal? {
        guard invitation.crossesNAT else { return nil }
        var publicAddress: IPv6Address?
        if let nat = nameService as? any NATAwareNameService {
            // The first answer of the node's first reachability check is enough: the verdict may take seconds more.
            let end = ContinuousClock.now.advanced(by: helperReachabilityWait)
            publicAddress = await nat.globalObservedEndpoint()?.address
            while publicAddress == nil, await nat.globalReachability() != nil, ContinuousClock.now < end {
                try? await Task.sleep(for: .milliseconds(100))
                publicAddress = await nat.globalObservedEndpoint()?.address
            }
        }
        let sameSite = publicAddress.map { a in invitation.punchEndpoints.contains { $0.address == a } } ?? false
        return HelperTraversal(
            punchEndpoints: invitation.punchEndpoints.map { IPv6Endpoint(address: $0.address, port: $0.port).socketAddress() },
            relay: invitation.streamRelay.map { (IPv6Endpoint(address: $0.endpoint.address, port: $0.endpoint.port).socketAddress(), $0.token) },
            publicAddress: publicAddress, stagger: sameSite ? .milliseconds(300) : .zero)
    }
}
