import Foundation
import PNRP
import NetworkLab
import Testing

@testable import PNRPSimulation

/// What a run reports must not mislead: no rate of nothing, no dip the cloud never had, no cut legend,
/// progress all along.
@Suite("Simulation reports", .onComputeThread)
struct SimulationReportTests {
    static func small(nodes: Int = 60, duration: NodeDuration = .seconds(50), interval: NodeDuration = .seconds(20)) -> Scenario {
        Scenario(
            name: "report", seed: 5, nodes: nodes, join: JoinPlan(interval: .milliseconds(50), settle: .seconds(20)),
            duration: duration, workload: WorkloadPlan(resolutionsPerSecond: 10, securedFraction: 0.5),
            report: ReportPlan(interval: interval))
    }

    @Test("with nothing started, rates, means and percentiles are null, not 0")
    func nothingStartedIsNull() throws {
        let r = SimulationResult(scenario: Self.small())
        #expect(r.successRate == nil && r.securedSuccessRate == nil && r.linkLocalSuccessRate == nil && r.firstNameSuccessRate == nil)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.summaryJSON().utf8)) as? [String: Any])
        for key in ["successRate", "securedSuccessRate", "linkLocalSuccessRate", "linkLocalMeanHops", "firstNameSuccessRate"] {
            #expect(json[key] is NSNull, "\(key) = \(String(describing: json[key]))")
        }
        let hops = try #require(json["hops"] as? [String: Any])
        #expect(hops["mean"] is NSNull && hops["p99"] is NSNull)
        let latency = try #require(json["latencyMilliseconds"] as? [String: Any])
        #expect(latency["p50"] is NSNull)
    }

    @Test("a run without secured names reports no secured success rate")
    func noSecuredNames() throws {
        var s = Self.small(nodes: 30, duration: .seconds(10), interval: .seconds(10))
        s.workload.securedFraction = 0
        var run = SimulationRun(scenario: s)
        let r = run.run()
        #expect(r.started > 0 && r.securedStarted == 0)
        #expect(r.securedSuccessRate == nil)
        #expect(r.summaryJSON().contains("\"securedSuccessRate\":null"))
    }

    @Test("the last, shorter interval is scaled by its length; stragglers after the end plot no dip")
    func lastPartialInterval() throws {
        var run = SimulationRun(scenario: Self.small())
        let r = run.run()
        let times = r.rows.compactMap { $0["time_s"] }
        #expect(times == [20, 40, 50], "\(times)")
        let bytes = r.rows.compactMap { $0["bytes_per_node_s"] }
        let success = r.rows.compactMap { $0["success_rate"] }
        let started = r.rows.compactMap { $0["resolutions_started"] }
        #expect(bytes.count == 3 && success.count == 3)
        if bytes.count == 3 {
            // Traffic per second over 10 s, not over a full 20 s interval: no halving.
            #expect(bytes[2] > 0.6 * bytes[1], "bytes per node per second: \(bytes)")
            #expect(success[2] >= 0.95, "success: \(success)")
            // Half the length, about half the resolutions.
            #expect(started[2] > 0.25 * started[1] && started[2] < 0.75 * started[1], "started: \(started)")
        }
        // The summary still counts the resolutions that finished after the end.
        #expect(r.unanswered == 0)
    }

    @Test("the traffic plot's legend is whole and inside the picture")
    func trafficLegend() throws {
        var run = SimulationRun(scenario: Self.small(nodes: 20, duration: .seconds(20), interval: .seconds(10)))
        let plots = run.run().plots()
        let traffic = try #require(plots.first { $0.0 == "traffic.svg" }?.1)
        let name = "bytes per node per second"
        // The legend is the last group of the picture: a coloured line, then the series' name.
        let legend = try #require(traffic.components(separatedBy: "<g font-size=\"12\" fill=\"#333\">").last)
        #expect(legend.contains("stroke-width=\"3\""), "no legend: \(legend)")
        #expect(legend.contains(">\(name)</text>") && !legend.contains("…"), "legend cut: \(legend)")
        // The legend text starts far enough from the right edge for its characters (12 px font: at most 7 px each).
        let tag = try #require(legend.components(separatedBy: "<text x=\"").last)
        let x = try #require(Double(tag.prefix { $0 != "\"" }))
        #expect(x + Double(name.count) * 7 <= Double(SVGPlot.width), "legend at x \(x)")
        #expect(plots.map(\.0) == SimulationResult.plotFileNames)
    }

    @Test("progress is reported while the cloud settles and all through the measured phase")
    func progressAllAlong() {
        var s = Self.small(nodes: 20, duration: .seconds(30), interval: .seconds(30))
        s.join.settle = .seconds(60)
        var settling: [Double] = [], running: [Double] = []
        var run = SimulationRun(scenario: s)
        _ = run.run { phase, fraction in
            if phase == "settling" { settling.append(fraction) }
            if phase == "running" { running.append(fraction) }
        }
        #expect(settling.filter { $0 > 0 && $0 < 1 }.count >= 10, "settling: \(settling)")
        #expect(running.filter { $0 > 0 && $0 < 1 }.count >= 50, "running: \(running.count) calls")
        #expect(settling == settling.sorted() && running == running.sorted())
    }
}
