/// How far a node has got into its cloud, as the cloud states of the Windows implementation name them
/// (PNRP_CLOUD_STATE): the driver reports it for `pnrp clouds` and metrics.
public enum CloudState: String, Sendable, Hashable, CaseIterable {
    /// Nothing to reach: the cache is empty and no synchronisation is in progress.
    case alone
    /// The cache is empty and a synchronisation conversation is in progress ([MS-PNRP] 3.1.4.3): a
    /// SOLICIT or REQUEST awaits its answer, or an advertised entry is being checked before it is cached.
    case synchronizing
    /// The node knows members of the cloud and can resolve.
    case active
}

extension PNRPNode {
    /// The node's cloud state.
    public var cloudState: CloudState {
        if cache.count > 0 { return .active }
        let joining = !pendingAdds.isEmpty || pending.entries.values.contains { $0.kind == .solicit || $0.kind == .request }
        return joining ? .synchronizing : .alone
    }

    /// Endpoints given to `synchronize(with:)`, used again whenever the cache empties.
    public var seeds: [IPv6Endpoint] { seedEndpoints }
}
