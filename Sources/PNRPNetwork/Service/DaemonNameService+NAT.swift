import PNRP

/// A `pnrp node --nat-traversal` tells the applications that publish through it about the NAT in front of
/// both, and lends them stream relay allocations from its relay, through its control socket
/// (`reachability` and `stream-relay`, `ControlProtocol`).
extension DaemonNameService: NATAwareNameService {
    /// The node's verdict; nil when it runs without NAT traversal or cannot be asked.
    public func globalReachability() async -> Reachability? {
        try? await ControlClient(socketPath: socketPath, group: group).reachability().reachability
    }

    /// Where peers see the node; nil before the first answer, without NAT traversal, or when it cannot be asked.
    public func globalObservedEndpoint() async -> IPv6Endpoint? {
        try? await ControlClient(socketPath: socketPath, group: group).reachability().observedEndpoint
    }

    /// An allocation from the node's relay. Fails with `HostError.streamRelay` saying why there is none (so that a
    /// caller waits and asks again on `.reachabilityUnknown` and `.noRelay`, as with an embedded node), or with
    /// the control error when the node cannot be asked.
    public func allocateStreamRelay(timeout: Duration) async throws -> StreamAllocation {
        let seconds = min(60, max(1, Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18))
        let view: StreamRelayView
        do {
            view = try await ControlClient(socketPath: socketPath, group: group).streamRelay(timeoutSeconds: seconds)
        } catch {
            if let failure = StreamRelayView.failure(code: error.code) { throw HostError.streamRelay(failure) }
            throw error
        }
        guard let allocation = view.allocation(now: HostClock.now()) else {
            throw ControlError(.internal, "the node's stream relay answer does not read (endpoint \(view.endpoint)); is it the same pnrp version?")
        }
        return allocation
    }
}
