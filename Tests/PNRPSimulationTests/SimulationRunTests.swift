import Foundation
import PNRP
import PNRPInMemory
import Testing

@testable import PNRPSimulation

@Suite struct SimulationRunTests {
    static func small(_ name: String = "small", nodes: Int = 120, seed: UInt64 = 3) -> Scenario {
        Scenario(
            name: name, seed: seed, nodes: nodes, join: JoinPlan(interval: .milliseconds(100), settle: .seconds(60)),
            duration: .seconds(60), workload: WorkloadPlan(resolutionsPerSecond: 10, securedFraction: 0.5),
            report: ReportPlan(interval: .seconds(20)))
    }

    @Test("the same scenario and seed give byte-identical outputs; another seed differs")
    func determinism() {
        var a = SimulationRun(scenario: Self.small())
        var b = SimulationRun(scenario: Self.small())
        var c = SimulationRun(scenario: Self.small(seed: 4))
        let ra = a.run(), rb = b.run(), rc = c.run()
        #expect(ra.summaryJSON() == rb.summaryJSON())
        #expect(ra.timeSeries.csv() == rb.timeSeries.csv())
        #expect(ra.plots().map(\.1) == rb.plots().map(\.1))
        #expect(ra.traceHash != rc.traceHash)
    }

    @Test("a clean small cloud resolves everything and reports one row per interval")
    func endToEnd() throws {
        var run = SimulationRun(scenario: Self.small())
        let r = run.run()
        #expect(r.started > 400)
        #expect(r.successRate >= 0.999, "failures: \(r.failures)")
        #expect(r.forgedAccepted == 0)
        #expect(r.rows.count >= 3)
        #expect(r.hops.mean > 0.5 && r.hops.mean < 4)
        let csv = r.timeSeries.csv()
        #expect(csv.hasPrefix("time_s,alive_nodes,"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pnrp-sim-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try r.write(to: dir, plots: true)
        for file in ["summary.json", "timeseries.csv", "hops.svg", "latency-cdf.svg", "success.svg", "traffic.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as? [String: Any]
        #expect(summary?["forgedAnswersAccepted"] as? Int == 0)
    }

    @Test("churn takes nodes down and brings them back; resolutions of names whose owner is up keep working")
    func churn() {
        var s = Self.small("churn", nodes: 100)
        s.churn = ChurnPlan(session: .exponential(mean: .seconds(40)), downtime: .exponential(mean: .seconds(20)))
        var run = SimulationRun(scenario: s)
        let r = run.run()
        let alive = r.rows.compactMap { $0["alive_nodes"] }
        #expect(alive.contains { $0 < 100 })
        #expect(r.successRate > 0.4)
        #expect(r.successRate < 1)
    }

    @Test("20 % forging attackers: no forged answer is ever accepted")
    func forgers() {
        var s = Self.small("forge", nodes: 100)
        s.attackers = AttackPlan(fraction: 0.2, behaviour: .forge)
        s.workload.securedFraction = 1
        var run = SimulationRun(scenario: s)
        let r = run.run()
        #expect(r.forgedAccepted == 0)
        // The forgers did reach verifiers, whose checks turned them away.
        #expect(run.cloud.nodes.reduce(0) { $0 + $1.statistics.cpaRejected } > 0)
        #expect(r.securedStarted > 0)
        #expect(r.securedSuccessRate > 0.95, "failures: \(r.failures)")
    }

    @Test("the simulator and the core's test harness agree on a 300-node cloud")
    func agreesWithHarness() {
        // Simulator.
        var s = Self.small("agree", nodes: 300, seed: 11)
        s.workload.resolutionsPerSecond = 20
        s.duration = .seconds(60)
        var run = SimulationRun(scenario: s)
        let sim = run.run()
        // The core's in-memory harness, as the core tests use it.
        var runner = ScenarioRunner(scenario: CloudScenario(nodeCount: 300, joinInterval: .milliseconds(100), settleTime: .seconds(60), cloud: InMemoryCloudConfiguration(seed: 11)))
        runner.join()
        runner.settle()
        let core = runner.resolveRandomNames(count: 1000)
        #expect(sim.successRate >= 0.999 && core.successRate >= 0.999)
        // Mean hops of two samples of ~1,000 resolutions: their standard error is below 0.03 each.
        #expect(abs(sim.hops.mean - core.meanHops) < 0.2, "simulator \(sim.hops.mean), harness \(core.meanHops)")
    }
}
