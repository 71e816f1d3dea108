import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

/// Many-node clouds in virtual time: every node is the real state machine, every datagram is encoded,
/// carried and decoded.
@Suite(.onComputeThread) struct CloudTests {
    static func scenario(nodes: Int, seed: UInt64, loss: Double = 0, settle: NodeDuration = .minutes(5)) -> CloudScenario {
        var s = CloudScenario(nodeCount: nodes, settleTime: settle, cloud: InMemoryCloudConfiguration(seed: seed, lossRate: loss))
        s.cloud.node.maintenanceDepth = Int(log10(Double(nodes)).rounded(.up)) + 1
        return s
    }

    @Test("1,000 nodes, 10,000 resolutions, no loss: every one succeeds within 2·log10(N)+2 hops on average")
    func thousandNodesNoLoss() {
        var runner = ScenarioRunner(scenario: Self.scenario(nodes: 1000, seed: 1000))
        runner.join()
        runner.settle()
        #expect(runner.names.filter { $0.name.isSecured }.count > 400)
        let report = runner.resolveRandomNames(count: 10_000)
        let bound = 2 * log10(1000.0) + 2
        print("1000 nodes, no loss: \(report.succeeded)/\(report.attempted), mean hops \(report.meanHops), max \(report.maximumHops), histogram \(report.hopHistogram)")
        #expect(report.attempted == 10_000)
        #expect(report.succeeded == 10_000, "failures: \(report.failures)")
        #expect(report.wrongAnswers == 0)
        #expect(report.meanHops <= bound)
        #expect(runner.cloud.traffic.lost == 0)
    }

    @Test("1,000 nodes with 5 % datagram loss: at least 99.5 % of resolutions succeed")
    func thousandNodesFivePercentLoss() {
        var runner = ScenarioRunner(scenario: Self.scenario(nodes: 1000, seed: 2000, loss: 0.05))
        runner.join()
        runner.settle()
        let report = runner.resolveRandomNames(count: 5_000)
        print("1000 nodes, 5% loss: \(report.succeeded)/\(report.attempted), mean hops \(report.meanHops), lost datagrams \(runner.cloud.traffic.lost)")
        #expect(runner.cloud.traffic.lost > 0)
        #expect(report.wrongAnswers == 0)
        #expect(report.successRate >= 0.995, "failures: \(report.failures)")
    }

    @Test("an idle 100-node cloud stays within its traffic budget and still resolves afterwards")
    func idleTrafficBudget() {
        var scenario = Self.scenario(nodes: 100, seed: 100, settle: .seconds(0))
        scenario.securedFraction = 1
        var runner = ScenarioRunner(scenario: scenario)
        runner.join()
        let formed = runner.runUntilFormed()
        #expect(formed != nil, "not every registration was announced")
        let windows = runner.measureIdleTraffic(windows: [.minutes(10), .minutes(10)])
        let first = windows[0].bytesPerNodePerSecond, second = windows[1].bytesPerNodePerSecond
        print("100 idle nodes: \(first) B/s per node in minutes 0-10, \(second) in minutes 10-20")
        #expect(first <= 12)
        #expect(second <= 2)
        let report = runner.resolveRandomNames(count: 100)
        #expect(report.succeeded == 100, "failures: \(report.failures)")
        #expect(report.wrongAnswers == 0)
    }

    @Test("the same seed gives the same trace; another seed another")
    func determinism() {
        func run(_ seed: UInt64) -> (UInt64, Int, Double) {
            var runner = ScenarioRunner(scenario: Self.scenario(nodes: 60, seed: seed, settle: .minutes(1)))
            runner.join()
            runner.settle()
            let r = runner.resolveRandomNames(count: 100)
            return (runner.cloud.traceHash, runner.cloud.traffic.totalBytes, r.meanHops)
        }
        let a = run(42), b = run(42), c = run(43)
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
        #expect(a.2 == b.2)
        #expect(a.0 != c.0)
    }

    @Test("a node forging another key's secured name never gets it resolved")
    func forgedSecuredNameNeverResolves() throws {
        var runner = ScenarioRunner(scenario: Self.scenario(nodes: 150, seed: 77, settle: .minutes(2)))
        runner.join()
        runner.settle()
        let victimKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let attackerKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let stolen = try PeerName(authority: .of(publicKey: victimKey.publicKey.bytes), classifier: "bank")
        let lonely = try PeerName(authority: .of(publicKey: victimKey.publicKey.bytes), classifier: "absent-owner")

        // The public API refuses outright.
        #expect(throws: RegistrationError.notAuthority(stolen)) {
            try runner.cloud.withNode(10) { node, now in try node.register(name: stolen, key: attackerKey, now: now) }
        }
        // A modified node publishes anyway: one name also registered by its owner, one only by the forger.
        let real = try runner.cloud.withNode(20) { node, now in try node.register(name: stolen, key: victimKey, now: now) }
        for forger in [10, 30, 40] {
            for name in [stolen, lonely] {
                _ = try runner.cloud.withNode(forger) { node, now in
                    try node.registerWithoutAuthorityCheck(name: name, key: attackerKey, now: now)
                }
            }
        }
        runner.cloud.run(for: .minutes(1))
        var resolvedReal = 0
        for from in stride(from: 0, to: 150, by: 5) where ![10, 20, 30, 40].contains(from) {
            switch runner.cloud.resolve(from: from, name: stolen) {
            case .success(let r):
                #expect(r.id == real)
                #expect(r.cpa.publicKey == victimKey.publicKey.bytes)
                resolvedReal += 1
            case .failure:
                break
            }
            if case .success(let r) = runner.cloud.resolve(from: from, name: lonely) {
                Issue.record("forged name resolved to \(r.id) from node \(from)")
            }
        }
        #expect(resolvedReal > 0)
        let rejected = runner.cloud.nodes.reduce(0) { $0 + $1.statistics.cpaRejected }
        #expect(rejected > 0)
    }

    @Test("a revoked name stops resolving")
    func unregisterRevokes() throws {
        var runner = ScenarioRunner(scenario: Self.scenario(nodes: 80, seed: 5, settle: .minutes(1)))
        runner.join()
        runner.settle()
        let victim = runner.names[40]
        #expect(try runner.cloud.resolve(from: 3, name: victim.name).get().id == victim.id)
        let removed = runner.cloud.withNode(victim.node) { node, now in node.unregister(victim.id, now: now) }
        #expect(removed)
        runner.cloud.run(for: .seconds(30))
        for from in [3, 7, 11, 60] {
            if case .success(let r) = runner.cloud.resolve(from: from, name: victim.name) {
                Issue.record("unregistered name still resolved to \(r.id) from node \(from)")
            }
        }
    }

    @Test("leaf-set validation asks for the CPA signed at registration; with the nonce option every validation is signed afresh")
    func leafSetValidationNonce() throws {
        func run(nonce: Bool) -> (signed: Int, withNonce: Int, fullLeafSets: Int, resolved: Int) {
            let recorder = SigningRecorder()
            var s = Self.scenario(nodes: 40, seed: 9, settle: .minutes(1))
            s.cloud.node.cpaSignatures = recorder
            s.cloud.node.leafSetValidationNonce = nonce
            var runner = ScenarioRunner(scenario: s)
            runner.join()
            runner.settle()
            let before = recorder.nonces
            let full = (0..<40).filter { i in runner.cloud.nodes[i].cache.leafSets.first?.isFull ?? false }.count
            let resolved = [5, 17, 33].filter { (try? runner.cloud.resolve(from: $0, name: runner.names[($0 * 7) % 40].name).get()) != nil }.count
            return (before.count, before.filter { $0 != CPA.zeroNonce }.count, full, resolved)
        }
        let plain = run(nonce: false), fresh = run(nonce: true)
        // One zero-nonce CPA per registration; nothing else was signed while the cloud formed.
        #expect(plain.withNonce == 0)
        #expect(plain.signed == 40)
        #expect(fresh.withNonce > 5 * 40)
        #expect(plain.fullLeafSets == 40 && fresh.fullLeafSets == 40)
        #expect(plain.resolved == 3 && fresh.resolved == 3)
    }
}

/// A signature checker that checks directly and records the nonce of every CPA its nodes sign.
final class SigningRecorder: CPASignatureChecker, @unchecked Sendable {
    private let lock = NSLock()
    private var signed: [[UInt8]] = []
    var nonces: [[UInt8]] { lock.withLock { signed } }
    func isValidSignature(of cpa: CPA) -> Bool { DirectCPASignatureChecker().isValidSignature(of: cpa) }
    func didSign(_ cpa: CPA) { lock.withLock { signed.append(cpa.nonce) } }
}
