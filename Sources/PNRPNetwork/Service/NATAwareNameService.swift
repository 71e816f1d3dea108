import PNRP

/// A name service that can tell an application about the NAT in front of it and lend it a stream relay
/// (`docs/deviations.md`, X2 and X6): what Easy Connect needs to let a Helper through the User's NAT. An
/// embedded `PNRPHost` with `HostConfiguration.natTraversal` is one.
public protocol NATAwareNameService: PeerNameService {
    /// Whether strangers reach the global cloud's node, as its last check found (`.unknown` before the first
    /// check ends); nil without NAT traversal or without a global cloud.
    func globalReachability() async -> Reachability?
    /// The endpoint peers see the global cloud's node at (`PNRPNode.observedEndpoint`): known a round trip into
    /// the first reachability check, before its verdict. Nil until then, without NAT traversal or a global cloud.
    func globalObservedEndpoint() async -> IPv6Endpoint?
    /// Asks the global cloud node's relay for a stream relay allocation (`PNRPHost.allocateStreamRelay`).
    func allocateStreamRelay(timeout: Duration) async throws -> StreamAllocation
}
