import Foundation
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// Resolution under churn: a node back from a pause announces itself again (`docs/deviations.md`, item N28).

@Suite(.onComputeThread) struct ChurnResilienceTests {
    static func settledCloud(nodes: Int, seed: UInt64) -> ScenarioRunner {
        var runner = ScenarioRunner(scenario: CloudScenario(nodeCount: nodes, settleTime: .minutes(3), cloud: InMemoryCloudConfiguration(seed: seed)))
        runner.join()
        runner.settle()
        return runner
    }

    @Test("a node paused for ten minutes, which every other node found silent meanwhile, is resolvable again within 10 s of its return")
    func pausedNodeAnnouncesItselfAgain() throws {
        var runner = Self.settledCloud(nodes: 40, seed: 2801)
        let paused = runner.names[7]
        #expect(runner.cloud.resolve(from: 20, name: paused.name).map(\.id) == .success(paused.id))
        runner.cloud.crash(paused.node)
        // While it is away, resolutions of its name from every other node find it silent: each drops it.
        let others = (0..<runner.cloud.nodes.count).filter { $0 != paused.node }
        _ = runner.cloud.resolveConcurrently(others.map { ($0, paused.name) })
        runner.cloud.run(for: .minutes(10))
        let holders = others.filter { runner.cloud.nodes[$0].cache.contains(paused.id) }
        #expect(holders.isEmpty, "still cached by \(holders)")
        runner.cloud.revive(paused.node)
        runner.cloud.run(for: .seconds(10))
        #expect(runner.cloud.nodes[paused.node].statistics.resumes == 1)
        let outcomes = runner.cloud.resolveConcurrently([(3, paused.name), (25, paused.name), (33, paused.name)], limit: .seconds(30))
        for outcome in outcomes { #expect((try? outcome.get())?.id == paused.id, "\(outcome)") }
        // A node whose timers run on time never takes itself for paused.
        #expect(others.allSatisfy { runner.cloud.nodes[$0].statistics.resumes == 0 })
    }
}
