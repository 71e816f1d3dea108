import PNRP
import PeerCrypto

/// An in-memory cloud shared by the name services of its nodes: one `InMemoryNameService` per node index,
/// all acting on one `InMemoryCloud` in virtual time. Every operation runs the cloud (every node, every
/// datagram) as far as it needs: a publication until its registration is announced ([MS-PNRP] 3.2.4.1), a
/// resolution until it is answered, a revocation until its floods are delivered; publications with a
/// lifetime are revoked at their virtual deadline on the way.
///
/// ```swift
/// let cloud = SharedInMemoryCloud(scenario: CloudScenario(nodeCount: 300, cloud: InMemoryCloudConfiguration(seed: 1)))
/// let alice = cloud.service(forNode: 7), bob = cloud.service(forNode: 200)
/// let published = try await alice.publish(NamePublication(name: name, key: key, extendedPayload: invitation))
/// let record = try await bob.resolve(name, within: .seconds(10))
/// ```
///
/// The shared cloud consumes the cloud's `events` (it reads the answers to its resolutions there).
public actor SharedInMemoryCloud {
    /// The cloud, in its current virtual time.
    public private(set) var cloud: InMemoryCloud
    /// The names the scenario's nodes registered while the cloud formed (empty for a cloud given as it is).
    public nonisolated let scenarioNames: [ScenarioName]
    /// Live publications by handle.
    private var publications: [UInt64: (node: Int, id: PNRPID)] = [:]
    /// Publications with a lifetime: when each is revoked.
    private var expiries: [UInt64: NodeInstant] = [:]
    private var nextHandle: UInt64 = 1

    /// Virtual time a publication may take to be announced before `publish` returns anyway.
    public static let announcementLimit = NodeDuration.minutes(2)
    /// Virtual time a revocation is given to reach the leaf set before `revoke` returns.
    public static let revocationTime = NodeDuration.seconds(5)

    /// Shares `cloud` as it is.
    public init(cloud: sending InMemoryCloud) {
        self.cloud = cloud
        self.scenarioNames = []
    }

    /// Forms a cloud as `scenario` says (each node joins through the protocol and registers one name, then
    /// the cloud settles) and shares it.
    public init(scenario: CloudScenario) {
        var runner = ScenarioRunner(scenario: scenario)
        runner.join()
        runner.settle()
        self.scenarioNames = runner.names
        self.cloud = runner.cloud
    }

    /// The name service of node `index` (0 ..< `nodeCount`).
    public nonisolated func service(forNode index: Int) -> InMemoryNameService { InMemoryNameService(cloud: self, node: index) }

    /// Number of nodes in the cloud.
    public var nodeCount: Int { cloud.nodes.count }

    /// Current virtual time.
    public var now: NodeInstant { cloud.now }

    /// Runs `body` on the cloud (to add nodes, crash them, inspect traffic, …).
    public func withCloud<R: Sendable>(_ body: @Sendable (inout InMemoryCloud) throws -> R) rethrows -> R { try body(&cloud) }

    /// Lets `duration` of virtual time pass, revoking publications whose lifetime ends.
    public func advance(by duration: Duration) {
        _ = run(atMost: NodeDuration(virtual: duration)) { _ in false }
    }

    // MARK: - The operations of `InMemoryNameService`

    func publish(_ publication: NamePublication, from node: Int) throws(NameServiceError) -> PublishedName {
        guard cloud.nodes.indices.contains(node) else { throw .noCloud("node \(node) does not exist; the cloud has \(cloud.nodes.count) nodes") }
        guard cloud.isAlive(node) else { throw .unavailable("node \(node) has crashed") }
        if let problem = publication.problem { throw .refused(problem) }
        let id: PNRPID
        do {
            id = try cloud.withNode(node) { n, now in
                try n.register(
                    name: publication.name, key: publication.key, payload: publication.endpoints.isEmpty ? nil : publication.endpoints,
                    friendlyName: publication.comment, extendedPayload: publication.extendedPayload, now: now)
            }
        } catch {
            throw .refused("\(error)")
        }
        let handle = nextHandle
        nextHandle += 1
        publications[handle] = (node, id)
        if let lifetime = publication.lifetime { expiries[handle] = cloud.now + NodeDuration(virtual: lifetime) }
        _ = run(atMost: Self.announcementLimit) { $0.nodes[node].isAnnounced(id) || !$0.nodes[node].registeredIDs.contains(id) }
        return PublishedName(name: publication.name, handle: handle, ids: [id])
    }

    func resolve(_ name: PeerName, from node: Int, within timeout: Duration) throws(NameServiceError) -> NameRecord {
        guard cloud.nodes.indices.contains(node) else { throw .noCloud("node \(node) does not exist; the cloud has \(cloud.nodes.count) nodes") }
        guard cloud.isAlive(node) else { throw .unavailable("node \(node) has crashed") }
        _ = cloud.takeEvents()
        let rid = cloud.withNode(node) { n, now in n.resolve(name: name, now: now) }
        var outcome: Result<ResolveResult, ResolveFailure>?
        _ = run(atMost: NodeDuration(virtual: timeout)) { c in
            for e in c.events where e.node == node {
                switch e.event {
                case .resolved(rid, let r): outcome = .success(r)
                case .resolveFailed(rid, let f): outcome = .failure(f)
                default: continue
                }
                return true
            }
            return false
        }
        _ = cloud.takeEvents()
        switch outcome {
        case .success(let r)?:
            return NameRecord(
                name: name, id: r.id, cloud: "in-memory", endpoints: r.cpa.payload ?? [], extendedPayload: r.extendedPayload, publicKey: r.cpa.publicKey,
                notAfter: r.cpa.notAfter, hops: r.hops)
        case .failure(.notFound)?, .failure(.noValidCPA)?: throw .notFound
        case .failure(.timedOut)?: throw .timedOut
        case .failure(.noNeighbours)?: throw .unavailable("node \(node) knows no other node: it has not joined the cloud")
        case .failure(.cancelled)?: throw .unavailable("node \(node) has too many resolutions in progress")
        case nil:
            cloud.withNode(node) { n, _ in n.cancelResolve(rid) }
            throw .timedOut
        }
    }

    func revoke(_ published: PublishedName) {
        guard revokeNow(published.handle) else { return }
        _ = run(atMost: Self.revocationTime) { _ in false }
    }

    /// Unregisters a publication ([MS-PNRP] 3.2.4.2); false when it was gone already.
    private func revokeNow(_ handle: UInt64) -> Bool {
        expiries.removeValue(forKey: handle)
        guard let (node, id) = publications.removeValue(forKey: handle) else { return false }
        cloud.withNode(node) { n, now in n.unregister(id, now: now) }
        return true
    }

    /// Runs the cloud until `predicate` holds or `limit` of virtual time passes, stopping at each lifetime's
    /// end on the way to revoke that publication. Returns whether the predicate held.
    private func run(atMost limit: NodeDuration, until predicate: (InMemoryCloud) -> Bool) -> Bool {
        let end = cloud.now + limit
        while true {
            revokeExpired()
            if predicate(cloud) { return true }
            guard cloud.now < end else { return false }
            let stop = expiries.values.filter { $0 > cloud.now }.min().map { Swift.min($0, end) } ?? end
            if cloud.run(atMost: stop - cloud.now, until: predicate) {
                revokeExpired()
                return true
            }
        }
    }

    private func revokeExpired() {
        for (handle, deadline) in expiries.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }) where deadline <= cloud.now {
            _ = revokeNow(handle)
        }
    }
}

/// The name service of one node of a `SharedInMemoryCloud`: publishes from that node and resolves from it,
/// through the unmodified protocol core in virtual time. Usable by tests of a higher layer with hundreds of
/// nodes; every call runs the shared cloud as far as it needs.
public struct InMemoryNameService: PeerNameService {
    /// The shared cloud.
    public let cloud: SharedInMemoryCloud
    /// The node this service publishes and resolves from.
    public let node: Int

    /// The service of `node` in `cloud`.
    public init(cloud: SharedInMemoryCloud, node: Int) { (self.cloud, self.node) = (cloud, node) }

    /// "in-memory cloud node N".
    public var serviceDescription: String { "in-memory cloud node \(node)" }

    /// Registers the publication on this node ([MS-PNRP] 3.2.4.1) and runs the cloud until it is announced;
    /// with a lifetime, it is revoked when that much virtual time has passed.
    public func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName {
        try await cloud.publish(publication, from: node)
    }

    /// Resolves from this node ([MS-PNRP] 3.2.4.3), running the cloud for at most `timeout` of virtual time.
    /// The in-memory cloud is one cloud (`cloud` of the record: `in-memory`).
    public func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord {
        try await cloud.resolve(name, from: node, within: timeout)
    }

    /// Unregisters the publication on the node that made it ([MS-PNRP] 3.2.4.2) and lets its floods arrive.
    public func revoke(_ published: PublishedName) async {
        await cloud.revoke(published)
    }
}

extension NodeDuration {
    /// A Swift `Duration` of virtual time: negative is zero, too long saturates.
    init(virtual duration: Duration) {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else {
            self.init(nanoseconds: 0)
            return
        }
        let (whole, o1) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, o2) = whole.addingReportingOverflow(UInt64(max(0, attoseconds / 1_000_000_000)))
        self.init(nanoseconds: o1 || o2 ? .max : total)
    }
}
