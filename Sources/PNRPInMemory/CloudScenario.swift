import PNRP
import PeerCrypto

/// A reproducible experiment on an `InMemoryCloud`: nodes join one by one through the protocol, each
/// registers one name, the cloud settles, then random resolutions are measured.
public struct CloudScenario: Sendable {
    /// Nodes in the cloud.
    public var nodeCount: Int
    /// Share of names that are secured (0...1).
    public var securedFraction: Double
    /// Virtual time between two joins.
    public var joinInterval: NodeDuration
    /// Virtual time the cloud runs after the last join, before resolutions start.
    public var settleTime: NodeDuration
    /// The cloud's settings (seed, loss, latency).
    public var cloud: InMemoryCloudConfiguration

    /// A scenario; defaults: half the names secured, a join every 200 ms, 5 minutes to settle.
    public init(nodeCount: Int, securedFraction: Double = 0.5, joinInterval: NodeDuration = .milliseconds(200), settleTime: NodeDuration = .minutes(5), cloud: InMemoryCloudConfiguration) {
        self.nodeCount = nodeCount
        self.securedFraction = securedFraction
        self.joinInterval = joinInterval
        self.settleTime = settleTime
        self.cloud = cloud
    }
}

/// One registered name of a scenario.
public struct ScenarioName: Sendable {
    /// The name.
    public var name: PeerName
    /// The node that registered it.
    public var node: Int
    /// Its PNRP ID.
    public var id: PNRPID
}

/// The outcome of resolutions in a scenario.
public struct ResolutionReport: Sendable {
    /// Resolutions attempted.
    public var attempted = 0
    /// Resolutions that returned the registered ID with a verified CPA.
    public var succeeded = 0
    /// Failures by reason.
    public var failures: [String: Int] = [:]
    /// Answers naming a different ID than registered (must stay 0).
    public var wrongAnswers = 0
    /// Hop counts of successes: histogram index = hops.
    public var hopHistogram: [Int] = []

    /// Success ratio.
    public var successRate: Double { attempted == 0 ? 0 : Double(succeeded) / Double(attempted) }
    /// Mean hops of successful resolutions.
    public var meanHops: Double {
        let n = hopHistogram.reduce(0, +)
        guard n > 0 else { return 0 }
        return Double(hopHistogram.enumerated().reduce(0) { $0 + $1.offset * $1.element }) / Double(n)
    }
    /// Largest hop count seen.
    public var maximumHops: Int { hopHistogram.lastIndex { $0 > 0 } ?? 0 }

    mutating func record(hops: Int) {
        while hopHistogram.count <= hops { hopHistogram.append(0) }
        hopHistogram[hops] += 1
    }
}

/// Runs a `CloudScenario`.
public struct ScenarioRunner {
    /// The cloud being driven.
    public var cloud: InMemoryCloud
    /// The names registered, one per node.
    public private(set) var names: [ScenarioName] = []
    /// The scenario.
    public let scenario: CloudScenario
    private var random: RandomSource

    /// Prepares an empty cloud for `scenario`.
    public init(scenario: CloudScenario) {
        self.scenario = scenario
        self.cloud = InMemoryCloud(configuration: scenario.cloud)
        self.random = RandomSource(seed: scenario.cloud.seed ^ 0x5EED_0F_C10D)
    }

    /// Adds every node: each synchronises with a random earlier node, registers its name, and the cloud
    /// runs `joinInterval` between joins. `progress` is called after each join.
    public mutating func join(progress: (Int) -> Void = { _ in }) {
        for i in 0..<scenario.nodeCount {
            let bootstrap = i == 0 ? [] : [Int(random.next() % UInt64(i))]
            let index = cloud.addNode(bootstrap: bootstrap)
            // Give the synchronisation conversation time to fill the cache before registering.
            cloud.run(for: .milliseconds(150))
            let secured = Double(random.next() >> 11) * 0x1p-53 < scenario.securedFraction
            let key = try! Ed25519PrivateKey(seed: random.bytes(32))  // 32 bytes by construction
            let authority: Authority = secured ? .of(publicKey: key.publicKey.bytes) : .unsecured
            let name = try! PeerName(authority: authority, classifier: "node-\(index)")  // valid by construction
            let id = try! cloud.withNode(index) { node, now in try node.register(name: name, key: key, now: now) }
            names.append(ScenarioName(name: name, node: index, id: id))
            cloud.run(for: scenario.joinInterval)
            progress(i + 1)
        }
    }

    /// Lets the cloud run for the scenario's settle time (maintenance fills the caches).
    public mutating func settle() { cloud.run(for: scenario.settleTime) }

    /// Resolves `count` random names from random other nodes, `concurrency` at a time (one after another
    /// by default).
    public mutating func resolveRandomNames(count: Int, concurrency: Int = 1, progress: (Int) -> Void = { _ in }) -> ResolutionReport {
        var report = ResolutionReport()
        guard names.count > 1 else { return report }
        var done = 0
        while done < count {
            let batch = Swift.min(Swift.max(1, concurrency), count - done)
            var targets: [ScenarioName] = []
            var requests: [(from: Int, name: PeerName)] = []
            for _ in 0..<batch {
                let target = names[Int(random.next() % UInt64(names.count))]
                var from = Int(random.next() % UInt64(cloud.nodes.count))
                if from == target.node { from = (from + 1) % cloud.nodes.count }
                targets.append(target)
                requests.append((from, target.name))
            }
            for (target, outcome) in zip(targets, cloud.resolveConcurrently(requests)) {
                report.attempted += 1
                switch outcome {
                case .success(let r):
                    if r.id == target.id {
                        report.succeeded += 1
                        report.record(hops: r.hops)
                    } else {
                        report.wrongAnswers += 1
                    }
                case .failure(let f):
                    report.failures[f.description, default: 0] += 1
                }
            }
            done += batch
            progress(done)
        }
        return report
    }
}
