import PNRP

extension PNRPHost: NATAwareNameService {
    /// The global cloud's reachability (`NATAwareNameService`); nil without NAT traversal.
    public func globalReachability() async -> Reachability? {
        let engine = self.engine
        return try? await eventLoop.submit { () -> Reachability? in
            guard let node = engine.value.table.node(.global), node.configuration.natTraversal else { return nil }
            return node.reachability
        }.get()
    }

    /// The endpoint peers see the global cloud's node at (`NATAwareNameService`).
    public func globalObservedEndpoint() async -> IPv6Endpoint? {
        let engine = self.engine
        return try? await eventLoop.submit { () -> IPv6Endpoint? in
            guard let node = engine.value.table.node(.global), node.configuration.natTraversal else { return nil }
            return node.observedEndpoint
        }.get() ?? nil
    }
}
