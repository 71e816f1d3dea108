import ArgumentParser
import Foundation
import PNRP
import PNRPInMemory

/// `pnrp demo`: a whole cloud in memory, in virtual time.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a PNRP cloud in memory, register names and resolve them, printing each path.",
        discussion: """
            Every node is the real protocol state machine; every message is really encoded, carried with \
            a random 1-20 ms latency in virtual time, and decoded. Nodes join one by one through the \
            synchronisation conversation of [MS-PNRP] 3.1.4.3, each registers one name (a share of them \
            secured by an Ed25519 key), the cloud settles for a few virtual minutes, and then random names \
            are resolved from random nodes.

            Examples:
              pnrp demo
              pnrp demo --nodes 1000 --resolutions 2000 --seed 7
              pnrp demo --loss 0.05 --json

            Exit codes: 0 every resolution succeeded, 1 some failed, 2 a bad value, 64 an unknown option.
            """
    )

    @Option(help: "Nodes in the cloud.")
    var nodes = 300

    @Option(help: "Random resolutions to run after the cloud settles.")
    var resolutions = 200

    @Option(help: "How many of the resolutions to print with their path.")
    var show = 5

    @Option(help: "Seed for every random choice; the same seed gives the same run.")
    var seed: UInt64 = 1

    @Option(help: "Share of datagrams lost, 0 to 1.")
    var loss = 0.0

    @Option(help: "Share of names that are secured, 0 to 1.")
    var secured = 0.5

    @Option(help: "Virtual seconds the cloud runs after the last join.")
    var settleSeconds: UInt64 = 300

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard (0...1).contains(loss) else { throw ValidationError("--loss must be between 0 and 1") }
        guard (0...1).contains(secured) else { throw ValidationError("--secured must be between 0 and 1") }
        guard resolutions >= 0 else { throw ValidationError("--resolutions must not be negative") }
    }

    func run() throws {
        let started = Date()
        var scenario = CloudScenario(
            nodeCount: nodes, securedFraction: secured, settleTime: .seconds(settleSeconds),
            cloud: InMemoryCloudConfiguration(seed: seed, lossRate: loss))
        scenario.cloud.node.maintenanceDepth = max(2, Int(log10(Double(nodes)).rounded(.up)) + 1)
        var runner = ScenarioRunner(scenario: scenario)
        let progress = ProgressLine(enabled: !json)
        runner.join { n in progress.update("joining: \(n)/\(nodes) nodes") }
        progress.update("settling: \(settleSeconds) s of virtual time")
        runner.settle()
        progress.finish()

        if !json {
            print("Cloud of \(nodes) nodes formed in \(runner.cloud.now - NodeInstant.virtualEpoch) of virtual time.")
            let sizes = runner.cloud.nodes.map(\.cache.count)
            let health = CacheHealth(runner.cloud)
            print("Leaf sets: \(String(format: "%.1f", health.meanLeafSetFill * 100)) % full on average; \(health.orphanedIDs) registered IDs known to no other node.")
            print("Cache entries per node: mean \(String(format: "%.1f", Double(sizes.reduce(0, +)) / Double(sizes.count))), min \(sizes.min() ?? 0), max \(sizes.max() ?? 0).")
            print("")
            for k in 0..<min(show, resolutions) { showOne(&runner, k) }
        }
        let report = runner.resolveRandomNames(count: resolutions) { k in progress.update("resolving: \(k)/\(resolutions)") }
        progress.finish()
        let elapsed = Date().timeIntervalSince(started)
        if json {
            print(
                #"{"nodes":\#(nodes),"seed":\#(seed),"loss":\#(loss),"resolutions":\#(report.attempted),"succeeded":\#(report.succeeded),"#
                    + #""successRate":\#(report.successRate),"meanHops":\#(report.meanHops),"maxHops":\#(report.maximumHops),"#
                    + #""wrongAnswers":\#(report.wrongAnswers),"datagrams":\#(runner.cloud.traffic.totalDatagrams),"#
                    + #""bytes":\#(runner.cloud.traffic.totalBytes),"traceHash":"\#(String(runner.cloud.traceHash, radix: 16))","wallSeconds":\#(elapsed)}"#)
        } else {
            print("")
            print("\(report.succeeded)/\(report.attempted) resolutions succeeded (\(String(format: "%.2f", report.successRate * 100)) %), mean \(String(format: "%.2f", report.meanHops)) hops, max \(report.maximumHops).")
            for (reason, n) in report.failures.sorted(by: { $0.key < $1.key }) { print("  failed: \(n) × \(reason)") }
            print("Traffic: \(runner.cloud.traffic.totalDatagrams) datagrams, \(runner.cloud.traffic.totalBytes) bytes; trace hash \(String(runner.cloud.traceHash, radix: 16)).")
            print("Wall time \(String(format: "%.1f", elapsed)) s.")
        }
        if report.succeeded != report.attempted { throw ExitCode(1) }
    }

    /// Resolves the `k`-th example name (spread over the cloud) and prints its path.
    private func showOne(_ runner: inout ScenarioRunner, _ k: Int) {
        let n = runner.names.count
        guard n > 1 else { return }
        let target = runner.names[(k * 7919 + n / 2) % n]
        var from = (target.node + n / 3 + k * 104_729) % n
        if from == target.node { from = (from + 1) % n }
        print("node \(from) resolves \(target.name.isSecured ? "secured" : "unsecured") name \(target.name)")
        switch runner.cloud.resolve(from: from, name: target.name) {
        case .success(let r):
            for (i, hop) in r.path.enumerated() {
                let index = runner.cloud.nodeIndex(at: hop).map { "node \($0)" } ?? "?"
                print("  \(i == r.path.count - 1 ? "publisher" : "hop \(i + 1)   "): \(hop) (\(index))")
            }
            print("  -> \(r.id) at \(r.cpa.serviceAddresses.map(\.description).joined(separator: ", ")), CPA verified, \(r.hops) hops")
        case .failure(let f):
            print("  -> failed: \(f)")
        }
    }
}

/// One rewritten status line on stderr when it is a terminal; plain lines every few seconds otherwise.
final class ProgressLine {
    private let enabled: Bool
    private let isTTY = isatty(STDERR_FILENO) != 0
    private var last = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ text: String) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(last) > (isTTY ? 0.1 : 5) else { return }
        last = now
        FileHandle.standardError.write(Data((isTTY ? "\r\u{1B}[K" + text : text + "\n").utf8))
    }

    func finish() {
        if enabled && isTTY { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        last = .distantPast
    }
}

/// How well the caches of a cloud cover its registrations.
struct CacheHealth {
    /// Mean fraction of the ten leaf-set places that are filled.
    var meanLeafSetFill: Double
    /// Registered IDs that no other node caches.
    var orphanedIDs: Int

    init(_ cloud: InMemoryCloud) {
        var known = Set<PNRPID>()
        var fill = 0.0, sets = 0
        for node in cloud.nodes {
            known.formUnion(node.cache.entries.ids)
            for set in node.cache.leafSets {
                fill += Double(set.upper.count + set.lower.count) / Double(2 * LeafSet.sideCapacity)
                sets += 1
            }
        }
        meanLeafSetFill = sets == 0 ? 0 : fill / Double(sets)
        orphanedIDs = cloud.nodes.flatMap(\.registeredIDs).filter { !known.contains($0) }.count
    }
}
