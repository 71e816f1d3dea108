import EasyConnect
import PNRP
import PNRPNetwork
import Synchronization
import Testing

@testable import EasyConnectNetwork

/// What a User's invitation adds for Helpers behind its NAT (`docs/deviations.md`, E11), from what its node
/// found: nothing without a NAT; the public address with the listener's port and a stream relay behind one,
/// a full cone that strangers reach included (it forwards only to ports its host has sent from, and the
/// listener's never has). The NAT itself is what the node's check reported, given here: the NAT laboratory
/// cannot make a full cone be judged reachable on demand (it needs a probe from a node the User never wrote to).
@Suite("The User's reach: punch endpoints and stream relay by what its node found")
struct UserReachTests {
    static let listener = [
        SessionEndpoint(address: IPv6Address(ipv4: 192, 168, 1, 2), port: 40_151), SessionEndpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 40_151),
    ]
    static let mapped = IPv6Endpoint(address: IPv6Address(ipv4: 10, 168, 0, 101), port: 3540)
    static let relay = IPv6Endpoint(address: IPv6Address(ipv4: 10, 168, 0, 1), port: 3541)

    /// A NAT-aware name service whose node's check found `reachability`, seen at `observed`, and whose relay
    /// grants allocations. Publishing and resolving are not used by `userReach`.
    final class CheckedNameService: NATAwareNameService {
        let reachability: Reachability
        let observed: IPv6Endpoint?
        let allocations = Atomic<Int>(0)

        init(_ reachability: Reachability, observed: IPv6Endpoint?) { (self.reachability, self.observed) = (reachability, observed) }

        var serviceDescription: String { "a node whose check found: \(reachability)" }
        func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName { throw .noCloud("not used here") }
        func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord { throw .notFound }
        func revoke(_ published: PublishedName) async {}
        func globalReachability() async -> Reachability? { reachability }
        func globalObservedEndpoint() async -> IPv6Endpoint? { observed }
        func allocateStreamRelay(timeout: Duration) async throws -> StreamAllocation {
            allocations.add(1, ordering: .relaxed)
            return StreamAllocation(relayEndpoint: UserReachTests.relay, token: Array(repeating: 7, count: 16), expires: NodeInstant(nanoseconds: 0))
        }
    }

    @Test("no NAT (peers see the listener's own address): the invitation lists the listener only, and no relay is asked")
    func noNAT() async {
        let own = IPv6Endpoint(address: Self.listener[0].address, port: 3540)
        let service = CheckedNameService(.reachable(observed: own), observed: own)
        let reach = await EasyConnectSession.userReach(endpoints: Self.listener, nameService: service)
        #expect(reach.punchEndpoints.isEmpty && reach.streamRelay == nil)
        #expect(service.allocations.load(ordering: .relaxed) == 0)
    }

    @Test("behind a full cone that strangers reach: the public address with the listener's port, and a stream relay to carry the punch offer")
    func fullCone() async {
        let service = CheckedNameService(.reachable(observed: Self.mapped), observed: Self.mapped)
        let reach = await EasyConnectSession.userReach(endpoints: Self.listener, nameService: service)
        #expect(reach.punchEndpoints == [SessionEndpoint(address: Self.mapped.address, port: 40_151)])
        #expect(reach.streamRelay?.endpoint == SessionEndpoint(address: Self.relay.address, port: Self.relay.port))
    }

    @Test("behind a NAT that strangers do not get through: the public address with the listener's port, and a stream relay")
    func restricted() async {
        let service = CheckedNameService(.behindNAT(observed: Self.mapped, mappingVaries: false), observed: Self.mapped)
        let reach = await EasyConnectSession.userReach(endpoints: Self.listener, nameService: service)
        #expect(reach.punchEndpoints == [SessionEndpoint(address: Self.mapped.address, port: 40_151)])
        #expect(reach.streamRelay != nil)
    }
}
