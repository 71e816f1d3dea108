import PNRP

/// A record found by `PNRPHost.resolve`: the verified CPA of a publisher, in the terms an application uses.
public struct PeerRecord: Sendable, Hashable {
    /// The cloud it was found in.
    public var cloud: CloudScope
    /// The PNRP ID found.
    public var id: PNRPID
    /// Where the publisher's PNRP node listens (the CPA's service addresses).
    public var nodeEndpoints: [IPv6Endpoint]
    /// The application endpoints the publisher registered (the CPA payload, [MS-PNRP] 2.2.3.1).
    public var endpoints: [IPv6AppEndpoint]
    /// The text published with the name (the CPA's friendly name).
    public var comment: String?
    /// The publisher's public key.
    public var publicKey: [UInt8]
    /// LOOKUP hops the resolution took.
    public var hops: Int
    /// Every node asked, in order, ending with the publisher.
    public var path: [IPv6Endpoint]
    /// When the CPA expires.
    public var notAfter: FileTime
    /// The publisher's extended payload, verified under its CPA's key for this resolution's INQUIRE
    /// ([MS-PNRP] 3.1.5.8, `docs/deviations.md` W10); nil when it publishes none.
    public var extendedPayload: [UInt8]?
}

/// Something that happened in a host, for applications and logs.
public enum HostEvent: Sendable, Hashable {
    /// A cloud's state changed.
    case cloudStateChanged(CloudScope, CloudState)
    /// A registration was announced in a cloud.
    case registered(PNRPID, CloudScope)
    /// A synchronisation with a neighbour finished.
    case synchronized(CloudScope, with: IPv6Endpoint, entries: Int)
    /// A problem worth a user's attention that did not stop the host (for example a corrupt state file).
    case warning(String)
}

/// One open cloud, as `pnrp clouds` shows it.
public struct CloudStatus: Sendable, Hashable, Codable {
    /// `Global_` or `LinkLocal_<zone>`.
    public var name: String
    /// Interface name for a link-local cloud.
    public var interface: String?
    /// The node's endpoint in this cloud.
    public var endpoint: String
    /// `alone`, `synchronizing` or `active`.
    public var state: String
    /// Cached route entries.
    public var cachedEntries: Int
    /// IDs registered here.
    public var registrations: Int
    /// Estimated number of nodes, when the leaf sets allow an estimate.
    public var estimatedSize: Double?
    /// Where the number of nodes lies nine times in ten, given the leaf sets (`PNRPNode.likelyCloudSize`): the
    /// lower bound; equal to `estimatedSize` when the leaf sets hold the whole cloud.
    public var estimatedSizeLow: Double? = nil
    /// The upper bound of that range.
    public var estimatedSizeHigh: Double? = nil
    /// With NAT traversal: whether strangers reach the node (`Reachability`'s description), absent without it.
    public var reachability: String?
    /// With NAT traversal: the endpoint the node publishes when it is not `endpoint` (its relay endpoint, or
    /// the mapping strangers reach it at).
    public var publishedEndpoint: String?
    /// With NAT traversal: nodes this node relays for.
    public var relayedNodes: Int?
    /// With NAT traversal: requests to relay this node turned down because every relay endpoint was taken.
    public var relayRefusals: Int? = nil
    /// With NAT traversal: relays this node used that stopped answering (it then looked for another).
    public var relaysLost: Int? = nil
}

extension CloudStatus {
    /// The size as one node can know it. What a node counts or estimates is PNRP IDs (registered names); the
    /// number of nodes is that divided by the names registered here ([MS-PNRP] 3.2.6.2.1.1), which assumes every
    /// node registers as many, so it is always marked as inferred: `~6 nodes (6 names counted)` when the node's
    /// leaf sets hold the whole cloud, else `~1,003 nodes (likely 640-1,750)` with the range where the truth lies
    /// nine times in ten; nil without an estimate.
    public var sizeDescription: String? {
        guard let size = estimatedSize, size.isFinite, size >= 0 else { return nil }
        guard let low = estimatedSizeLow, let high = estimatedSizeHigh, low.isFinite, high.isFinite, low >= 0, high >= low else {
            return "~\(Self.grouped(size)) nodes"
        }
        if Self.grouped(low) == Self.grouped(high) {
            let names = size * Double(Swift.max(1, registrations))
            return "~\(Self.grouped(size)) nodes (\(Self.grouped(names)) \(names.rounded() == 1 ? "name" : "names") counted)"
        }
        return "~\(Self.grouped(size)) nodes (likely \(Self.grouped(low))-\(Self.grouped(high)))"
    }

    /// `x` rounded, with a comma between groups of three digits.
    static func grouped(_ x: Double) -> String {
        let digits = String(Int(Swift.min(x, 1e18).rounded()))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}

/// One cached route entry, as `pnrp cache` shows it.
public struct CacheEntryView: Sendable, Hashable, Codable {
    /// The cloud.
    public var cloud: String
    /// The PNRP ID in hex.
    public var id: String
    /// `host:port` texts.
    public var endpoints: [String]
    /// Cache level (shared leading digits with the node's own ID).
    public var level: Int
    /// True when a verified CPA stands behind it.
    public var verified: Bool
    /// True when it is in a leaf set.
    public var leaf: Bool
}

/// Why a host operation failed.
public enum HostError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A socket could not be opened.
    case bind(String, String)
    /// The cloud is not open on this host.
    case cloudNotOpen(CloudScope)
    /// No cloud is open (every cloud disabled, or no usable address).
    case noCloud
    /// The registration was refused.
    case registration(RegistrationError)
    /// The resolution failed.
    case resolve(ResolveFailure)
    /// The host has been shut down.
    case shutDown
    /// No stream relay allocation (`PNRPHost.allocateStreamRelay`): why, in words a person can act on.
    case streamRelay(StreamRelayFailure)

    public var description: String {
        switch self {
        case .bind(let a, let why): "cannot listen on \(a): \(why); is another node using that port? pass --port or --address"
        case .cloudNotOpen(let c): "cloud \(c) is not open on this node; see `pnrp clouds`"
        case .noCloud: "no cloud could be opened: enable the global cloud or a link-local interface"
        case .registration(let e): e.description
        case .resolve(let e): e.description
        case .shutDown: "the node is shutting down"
        case .streamRelay(let f): f.description
        }
    }
}
