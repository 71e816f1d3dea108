import PNRP

/// Whether strangers reach the global cloud's node, as the control protocol's `reachability` answer carries it
/// (`docs/deviations.md`, X2): what an application behind the same NAT needs to invite peers through it.
public struct ReachabilityView: Sendable, Hashable, Codable {
    /// `off` (no NAT traversal, or no global cloud), `unknown` (no verdict yet), `reachable` or `behind-nat`.
    public var verdict: String
    /// The endpoint the verdict names: where strangers reach the node, or where a peer saw it behind its NAT.
    public var seen: String?
    /// Behind a NAT: whether peers saw different ports (a NAT that maps each destination to another port).
    public var mappingVaries: Bool?
    /// Where peers see the node, known a round trip into the first check, before its verdict.
    public var observed: String?

    /// The view of `reachability` (nil: NAT traversal off) and `observed`.
    public init(_ reachability: Reachability?, observed: IPv6Endpoint?) {
        switch reachability {
        case nil: verdict = "off"
        case .unknown?: verdict = "unknown"
        case .reachable(let e)?:
            verdict = "reachable"
            seen = EndpointText.format(e)
        case .behindNAT(let e, let varies)?:
            verdict = "behind-nat"
            seen = e.map { EndpointText.format($0) }
            mappingVaries = varies
        }
        self.observed = observed.map { EndpointText.format($0) }
    }

    /// The reachability this view describes: nil for `off`; an unreadable verdict or endpoint reads as
    /// `.unknown` (a newer node's verdict this build does not know).
    public var reachability: Reachability? {
        let endpoint = seen.flatMap { try? EndpointText($0).endpoint }
        switch verdict {
        case "off": return nil
        case "reachable": return endpoint.map { .reachable(observed: $0) } ?? .unknown
        case "behind-nat": return .behindNAT(observed: endpoint, mappingVaries: mappingVaries ?? false)
        default: return .unknown
        }
    }

    /// `observed`, read back.
    public var observedEndpoint: IPv6Endpoint? { observed.flatMap { try? EndpointText($0).endpoint } }
}
