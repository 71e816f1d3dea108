import Foundation
import PNRP
import NetworkLab
import Testing

@testable import PNRPSimulation

/// Every number and duration of a scenario file has a range that reading checks, and reading reports
/// every problem of a file, not only the first.
@Suite("Scenario ranges", .onComputeThread)
struct ScenarioRangeTests {
    func problems(_ text: String) -> [ScenarioError] { Scenario.problems(yaml: text, file: "t.yaml") }

    @Test("an absurd resolution rate is refused with its range instead of running forever")
    func absurdRateIsRefused() {
        let found = problems("name: a\nnodes: 10\nworkload:\n  resolutionsPerSecond: 1e308\n")
        #expect(found == [.outOfRange(.init(file: "t.yaml", line: 4, column: 25), path: "workload.resolutionsPerSecond",
                                      expected: "a number from 0 to 100000", found: "1e308")])
        #expect(throws: ScenarioError.self) { try Scenario(yaml: "name: a\nnodes: 10\nworkload:\n  resolutionsPerSecond: 1e308\n") }
    }

    /// One value too large (or too small) for each numeric key, and the range its message must name.
    static let outOfRange: [(yaml: String, path: String, expected: String)] = [
        ("duration: 0s", "duration", "a duration from 1ms to 168h"),
        ("duration: 99999999h", "duration", "a duration from 1ms to 168h"),
        ("duration: 169h", "duration", "a duration from 1ms to 168h"),
        ("join: {interval: 2m}", "join.interval", "a duration from 0s to 1m"),
        ("join: {settle: 25h}", "join.settle", "a duration from 0s to 24h"),
        ("network: {latency: {model: constant, value: 11s}}", "network.latency.value", "a duration from 0s to 10s"),
        ("network: {latency: {model: uniform, min: 1ms, max: 1h}}", "network.latency.max", "a duration from 0s to 10s"),
        ("network: {latency: {model: coordinates, base: 1ms, scale: 20s, jitter: 1ms}}", "network.latency.scale", "a duration from 0s to 10s"),
        ("network: {loss: 1}", "network.loss", "a number from 0 up to (not including) 1"),
        ("network: {nat: 2}", "network.nat", "a number from 0 to 1"),
        ("network: {linkLocalGroupSize: 2000000}", "network.linkLocalGroupSize", "0 (no groups) or a whole number from 2 to 1000000"),
        ("churn: {session: {model: exponential, mean: 9999h}, downtime: {model: constant, value: 1m}}", "churn.session.mean", "a duration from 1ms to 720h"),
        ("churn: {session: {model: constant, value: 1m}, downtime: {model: pareto, shape: 1e9, scale: 1m}}", "churn.downtime.shape", "a number from 0.00001 to 1000"),
        ("churn: {session: {model: weibull, shape: 0.5, scale: 0s}, downtime: {model: constant, value: 1m}}", "churn.session.scale", "a duration from 1ms to 720h"),
        ("workload: {resolutionsPerSecond: 200000}", "workload.resolutionsPerSecond", "a number from 0 to 100000"),
        ("workload: {resolutions: 100000001}", "workload.resolutions", "a whole number of resolutions from 0 to 100,000,000"),
        ("workload: {securedFraction: 1.5}", "workload.securedFraction", "a number from 0 to 1"),
        ("attackers: {fraction: 1}", "attackers.fraction", "a number from 0 up to (not including) 1"),
        ("report: {interval: 0s}", "report.interval", "a duration from 1ms to 168h"),
        ("seed: -1", "seed", "a whole number from 0 to 18446744073709551615"),
    ]

    @Test("every numeric key has a range, named in the message", arguments: 0..<outOfRange.count)
    func everyNumericKeyHasARange(_ index: Int) {
        let (yaml, path, expected) = Self.outOfRange[index]
        let found = problems("name: a\nnodes: 10\n" + yaml + "\n")
        #expect(found.count == 1, "\(found)")
        guard case .outOfRange(_, let p, let e, _)? = found.first else {
            Issue.record("expected outOfRange for \(yaml), got \(found)")
            return
        }
        #expect(p == path && e == expected, "\(yaml): \(found)")
    }

    @Test("a duration too long to hold is out of range, not \"no duration\"")
    func hugeDurationIsOutOfRange() {
        let e = problems("name: a\nnodes: 10\nduration: 99999999h\n").first
        #expect(e?.description == "t.yaml:3:11: duration: expected a duration from 1ms to 168h, found 99999999h")
        #expect(DurationText.read("99999999h") == .tooLong)
        #expect(DurationText.read("15s") == .value(.seconds(15)))
        #expect(DurationText.read("15 parsecs") == .notADuration)
        #expect(DurationText.read("-5m") == .notADuration)
    }

    @Test("rules relating keys: the join phase, the number of resolutions and of report rows are bounded")
    func crossKeyRules() {
        // 1,000,000 joins a minute apart would last almost two years of virtual time.
        let join = problems("name: a\nnodes: 1000000\njoin: {interval: 1s}\n")
        #expect(join.map(\.keyPath) == ["join.interval"], "\(join)")
        #expect(join.first?.description.contains("with 1000000 nodes") == true, "\(join)")
        let rate = problems("name: a\nnodes: 10\nduration: 168h\nworkload: {resolutionsPerSecond: 1000}\n")
        #expect(rate.map(\.keyPath) == ["workload.resolutionsPerSecond"], "\(rate)")
        #expect(rate.first?.location?.line == 4)
        let rows = problems("name: a\nnodes: 10\nduration: 168h\nreport: {interval: 1s}\n")
        #expect(rows.map(\.keyPath) == ["report.interval"], "\(rows)")
        // A fixed count of resolutions makes the rate irrelevant.
        #expect(problems("name: a\nnodes: 10\nduration: 168h\nworkload: {resolutionsPerSecond: 1000, resolutions: 10}\n").isEmpty)
    }

    @Test("reading reports every problem of a file, in document order")
    func everyProblemIsReported() throws {
        let text = """
            name: a b
            nodes: 1
            colour: red
            duration: 10
            network:
              loss: 2
              latency: {model: gaussian}
            churn:
              session: {model: exponential, mean: 0s}
            workload: {resolutionsPerSecond: 1e308, securedFraction: half}
            report: {interval: 0ms}
            """
        let found = problems(text)
        #expect(found.map(\.keyPath) == [
            "colour", "name", "nodes", "duration", "network.latency.model", "network.loss", "churn.session.mean", "churn.downtime",
            "workload.resolutionsPerSecond", "workload.securedFraction", "report.interval",
        ], "\(found.map(\.description).joined(separator: "\n"))")
        // The first is what `init(yaml:)` throws.
        #expect(throws: found[0]) { try Scenario(yaml: text, file: "t.yaml") }
        // Files too.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pnrp-sim-ranges-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("t.yaml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(Scenario.problems(path: file).count == found.count)
        guard case .failure(let all) = Scenario.loadReportingAll(path: file) else {
            Issue.record("the file loaded")
            return
        }
        #expect(all.problems.count == found.count)
        #expect(Scenario.problems(path: dir.appendingPathComponent("missing.yaml").path).count == 1)
    }

    @Test("the shipped scenario files stay within every range")
    func shippedFilesAreValid() throws {
        let directory = ScenarioFileTests.scenarioDirectory
        for file in ScenarioFileTests.shippedFiles {
            #expect(Scenario.problems(path: directory.appendingPathComponent(file).path).isEmpty, "\(file)")
        }
    }
}
