/// The scope of a cloud ([MS-PNRP] 1.3.3): global, or one site or link identified by its IPv6 zone
/// (the interface index for a link, RFC 4007 section 6).
public enum CloudScope: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The global cloud.
    case global
    /// A site-local cloud in zone `zone`.
    case siteLocal(zone: UInt32)
    /// A link-local cloud on interface `zone`.
    case linkLocal(zone: UInt32)

    /// The SSDP search target of [MS-PNRP] 3.1.4.2.2 for this scope.
    public var ssdpSearchTarget: String {
        "urn:Microsoft Windows Peer Name Resolution Protocol: V4:IPV6:" + scopeWord
    }

    private var scopeWord: String {
        switch self {
        case .global: "Global"
        case .siteLocal: "SiteLocal"
        case .linkLocal: "LinkLocal"
        }
    }

    /// `Global_`, `SiteLocal_<zone>` or `LinkLocal_<zone>`.
    public var description: String {
        switch self {
        case .global: "Global_"
        case .siteLocal(let z): "SiteLocal_\(z)"
        case .linkLocal(let z): "LinkLocal_\(z)"
        }
    }

    private var order: (Int, UInt32) {
        switch self {
        case .global: (0, 0)
        case .siteLocal(let z): (1, z)
        case .linkLocal(let z): (2, z)
        }
    }

    public static func < (a: CloudScope, b: CloudScope) -> Bool { a.order < b.order }
}

/// Why a Cloud Table operation failed ([MS-PNRP] 3.1.4.1, 3.1.4.5).
public enum CloudError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The cloud is not open.
    case notOpen(CloudScope)
    /// The endpoint already belongs to another open cloud.
    case endpointInUse(IPv6Endpoint, by: CloudScope)

    public var description: String {
        switch self {
        case .notOpen(let c): "cloud \(c) is not open; open it first"
        case .endpointInUse(let e, let c): "endpoint \(e) is already used by cloud \(c); give each cloud its own address or port"
        }
    }
}

/// An effect of one cloud's node, tagged with its cloud.
public struct CloudEffect: Hashable, Sendable {
    /// The cloud that produced it.
    public var cloud: CloudScope
    /// The datagram or event.
    public var effect: NodeEffect
}

/// The Cloud Table of [MS-PNRP] 3.1.1: one `PNRPNode` — its own cache, registrations and timers — per open
/// cloud, with the Open Count of 3.1.4.1 and the Cloud Cleanup Timer of 3.1.6.1. Communication never
/// crosses clouds: a datagram belongs to the cloud whose local endpoint it arrived at (3.1.5.2).
public struct CloudTable: Sendable {
    /// Delay between the last close and the deletion of a cloud's state ([MS-PNRP] 3.1.2: 15 minutes).
    public var cleanupDelay = NodeDuration.minutes(15)

    struct Entry: Sendable {
        var node: PNRPNode
        var openCount: Int
        var cleanupAt: NodeInstant?
    }

    private var entries: [CloudScope: Entry] = [:]

    /// An empty table.
    public init() {}

    /// Open clouds, in scope order.
    public var clouds: [CloudScope] { entries.keys.sorted() }

    /// The node of `cloud`, if open.
    public func node(_ cloud: CloudScope) -> PNRPNode? { entries[cloud]?.node }

    /// Opens `cloud` ([MS-PNRP] 3.1.4.1): an open cloud's Open Count is incremented; a new one gets a node
    /// listening on `configuration.localEndpoint`, which no other cloud may use. Returns true for a new cloud.
    @discardableResult
    public mutating func open(_ cloud: CloudScope, configuration: NodeConfiguration, now: NodeInstant) throws(CloudError) -> Bool {
        if var e = entries[cloud] {
            e.openCount += 1
            e.cleanupAt = nil
            entries[cloud] = e
            return false
        }
        if let (other, _) = entries.first(where: { $0.value.node.localEndpoint == configuration.localEndpoint }) {
            throw .endpointInUse(configuration.localEndpoint, by: other)
        }
        entries[cloud] = Entry(node: PNRPNode(configuration: configuration, now: now), openCount: 1, cleanupAt: nil)
        return true
    }

    /// Closes `cloud` once ([MS-PNRP] 3.1.4.5). When the Open Count reaches zero the Cloud Cleanup Timer
    /// starts; the state is deleted when it expires unless the cloud is opened again.
    public mutating func close(_ cloud: CloudScope, now: NodeInstant) throws(CloudError) {
        guard var e = entries[cloud], e.openCount > 0 else { throw .notOpen(cloud) }
        e.openCount -= 1
        if e.openCount == 0 { e.cleanupAt = now + cleanupDelay }
        entries[cloud] = e
    }

    /// Runs `body` on the node of `cloud`.
    public mutating func withNode<R>(_ cloud: CloudScope, _ body: (inout PNRPNode) throws -> R) throws -> R {
        guard entries[cloud] != nil else { throw CloudError.notOpen(cloud) }
        return try body(&entries[cloud]!.node)
    }

    /// Hands a datagram to the cloud listening on `local`; returns false when no open cloud does.
    @discardableResult
    public mutating func handle(datagram: [UInt8], from source: IPv6Endpoint, arrivedAt local: IPv6Endpoint, now: NodeInstant) -> Bool {
        guard let cloud = entries.first(where: { $0.value.node.localEndpoint == local })?.key else { return false }
        entries[cloud]!.node.handle(datagram: datagram, from: source, now: now)
        return true
    }

    /// Runs every cloud's due timers and deletes clouds whose cleanup timer expired ([MS-PNRP] 3.1.6.1).
    public mutating func poll(now: NodeInstant) {
        for cloud in clouds {
            if let at = entries[cloud]?.cleanupAt, at <= now {
                entries.removeValue(forKey: cloud)
                continue
            }
            if let d = entries[cloud]?.node.nextDeadline, d <= now { entries[cloud]!.node.poll(now: now) }
        }
    }

    /// The earliest deadline of any cloud.
    public var nextDeadline: NodeInstant? {
        entries.values.flatMap { [$0.node.nextDeadline, $0.cleanupAt].compactMap { $0 } }.min()
    }

    /// Removes and returns every cloud's effects, in scope order.
    public mutating func takeEffects() -> [CloudEffect] {
        var out: [CloudEffect] = []
        for cloud in clouds {
            for effect in entries[cloud]!.node.takeEffects() { out.append(CloudEffect(cloud: cloud, effect: effect)) }
        }
        return out
    }
}
