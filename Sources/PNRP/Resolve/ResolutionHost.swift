/// What a `Resolution` needs from the node that runs it: the cache to read, the endpoint the node publishes,
/// and the effects of what answers and silences teach ([MS-PNRP] 3.1.5.6.1, 3.1.6.3): entries to learn,
/// entries to drop, nodes to check. `PNRPNode` is the host; a resolution keeps no reference to it.
protocol ResolutionHost {
    /// The node's route entry cache.
    var cache: RouteEntryCache { get }
    /// The endpoint the node publishes in its own route entries (never a next hop).
    var advertisedEndpoint: IPv6Endpoint { get }
    /// Drops the entry of `id` when `endpoint` is the one its requests go to.
    mutating func evict(_ id: PNRPID, at endpoint: IPv6Endpoint, reason: PNRPNode.EvictionReason)
    /// A route entry an answer offered ([MS-PNRP] 3.1.5.6.1: added to the cache if it qualifies).
    mutating func learn(_ entry: RouteEntry, from source: IPv6Endpoint, now: NodeInstant)
    /// A hop that did not answer: checked with one INQUIRE before it is dropped (`docs/deviations.md`, N13).
    mutating func checkLiveness(of endpoint: IPv6Endpoint, id: PNRPID, now: NodeInstant)
}

extension PNRPNode: ResolutionHost {
    mutating func learn(_ entry: RouteEntry, from source: IPv6Endpoint, now: NodeInstant) {
        consider(entry, learnedFrom: source, now: now)
    }
}
