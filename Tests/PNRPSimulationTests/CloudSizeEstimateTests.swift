import Foundation
import PNRP
import NetworkLab
import Testing

@testable import PNRPSimulation

/// The cloud size estimate ([MS-PNRP] 3.2.6.2.1.1, `docs/deviations.md` N21) is within a factor 1.5 of
/// the truth, from 10 nodes up.
@Suite("Cloud size estimate", .onComputeThread)
struct CloudSizeEstimateTests {
    /// Leaf sets of `sampled` of `count` random IDs, built from the sorted IDs as a converged cloud has them.
    static func leafSets(count: Int, sampled: Int, seed: UInt64) -> [LeafSet] {
        var random = RandomSource(seed: seed)
        var ids = (0..<count).map { _ in PNRPID(random.next(), random.next(), random.next(), random.next()) }
        ids.sort()
        let step = Swift.max(1, count / sampled)
        return stride(from: 0, to: count, by: step).map { i in
            var set = LeafSet(center: ids[i])
            for k in 1...Swift.min(count - 1, 2 * LeafSet.sideCapacity + 2) {
                set.insert(ids[(i + k) % count])
                set.insert(ids[(i - k + count) % count])
            }
            return set
        }
    }

    @Test("averaged over nodes, the estimate is within 10 % of the size of a converged cloud",
          arguments: [10, 100, 1000, 10_000, 100_000])
    func meanOfConvergedLeafSets(_ count: Int) throws {
        let sets = Self.leafSets(count: count, sampled: 2000, seed: UInt64(count))
        let estimates = sets.compactMap { CloudSizeEstimate.ids(from: $0) }
        #expect(estimates.count == sets.count)
        let mean = estimates.reduce(0, +) / Double(estimates.count)
        #expect(abs(mean / Double(count) - 1) < 0.1, "mean estimate \(mean) for \(count) IDs")
        // Most single nodes are within a factor 1.5, nearly all within 2 (ten gaps: about 35 % spread).
        let within = { (f: Double) in Double(estimates.filter { $0 <= Double(count) * f && $0 >= Double(count) / f }.count) / Double(estimates.count) }
        #expect(within(1.5) >= 0.7, "\(within(1.5)) of nodes within a factor 1.5")
        #expect(within(2) >= 0.93, "\(within(2)) of nodes within a factor 2")
    }

    @Test("a small cloud is counted exactly by a node whose leaf set holds it all, and closely by the others")
    func smallClouds() {
        var outside = 0, judged = 0
        for seed: UInt64 in 1...20 {
            for count in 2...10 {
                for set in Self.leafSets(count: count, sampled: count, seed: seed) {
                    let estimate = CloudSizeEstimate.ids(from: set) ?? 0
                    let context = "\(count) IDs: \(set.upper.count) above, \(set.lower.count) below, estimate \(estimate)"
                    if set.upper.count < LeafSet.sideCapacity && set.lower.count < LeafSet.sideCapacity {
                        #expect(estimate == Double(count), "\(context)")
                    } else {
                        // A full side past a nearly empty other half: an estimate, rarely off by more than 1.5.
                        #expect(estimate <= Double(count) * 2 && estimate >= Double(count) / 2, "\(context)")
                        if estimate > Double(count) * 1.5 || estimate < Double(count) / 1.5 { outside += 1 }
                        judged += 1
                    }
                }
            }
        }
        #expect(Double(outside) <= 0.02 * Double(judged), "\(outside) of \(judged) estimates off by more than a factor 1.5")
        #expect(CloudSizeEstimate.ids(from: LeafSet(center: .zero)) == nil)
        // Several local IDs: the per-ID estimate divided by their number.
        let sets = Self.leafSets(count: 8, sampled: 8, seed: 9)
        #expect(CloudSizeEstimate.nodes(from: Array(sets.prefix(2))) == 4)
    }

    @Test("the likely range holds the truth nine times in ten, and the estimate", arguments: [100, 1000, 10_000, 100_000])
    func likelyRange(_ count: Int) throws {
        // At least 4,000 leaf sets: from several clouds when one holds fewer IDs.
        let clouds = Swift.max(1, 4000 / count)
        let sets = (0..<clouds).flatMap { Self.leafSets(count: count, sampled: 4000, seed: UInt64(count * 100 + $0)) }
        var inside = 0
        for set in sets {
            let range = try #require(CloudSizeEstimate.likelyIDs(from: set))
            let estimate = try #require(CloudSizeEstimate.ids(from: set))
            #expect(range.contains(estimate), "\(range) around \(estimate)")
            // Wide enough to be honest, narrow enough to say something: ten gaps give 0.60 to 1.75 times.
            #expect(range.lowerBound >= estimate * 0.55 && range.upperBound <= estimate * 1.8, "\(range) around \(estimate)")
            if range.contains(Double(count)) { inside += 1 }
        }
        let share = Double(inside) / Double(sets.count)
        #expect(share >= 0.86 && share <= 0.95, "the range held \(count) for \(share) of \(sets.count) nodes")
    }

    @Test("in a small cloud the range is the count itself when the leaf set holds the cloud, and holds it nine times in ten otherwise")
    func likelyRangeInSmallClouds() throws {
        var inside = 0, judged = 0
        for seed: UInt64 in 1...40 {
            for count in 2...30 {
                for set in Self.leafSets(count: count, sampled: count, seed: seed) {
                    let range = try #require(CloudSizeEstimate.likelyIDs(from: set))
                    if set.upper.count < LeafSet.sideCapacity && set.lower.count < LeafSet.sideCapacity {
                        #expect(range == Double(count)...Double(count))
                    } else {
                        if range.contains(Double(count)) { inside += 1 }
                        judged += 1
                    }
                }
            }
        }
        let share = Double(inside) / Double(judged)
        #expect(share >= 0.85, "the range held the count for \(share) of \(judged) nodes")
        #expect(CloudSizeEstimate.likelyIDs(from: LeafSet(center: .zero)) == nil)
        // Several local IDs: the bounds divided by their number, as the estimate is.
        let sets = Self.leafSets(count: 8, sampled: 8, seed: 9)
        #expect(CloudSizeEstimate.likelyNodes(from: Array(sets.prefix(2))) == 4...4)
    }

    @Test("every node of a four-node cloud says four (it said ~101, then ~6)")
    func fourNodes() {
        let scenario = Scenario(
            name: "four", seed: 3, nodes: 4, join: JoinPlan(interval: .milliseconds(200), settle: .seconds(30)),
            duration: .seconds(1), workload: WorkloadPlan(resolutionsPerSecond: 0), report: ReportPlan(interval: .seconds(1)))
        var run = SimulationRun(scenario: scenario)
        _ = run.run()
        for node in run.cloud.nodes {
            #expect(node.estimatedCloudSize == 4)
            #expect(node.likelyCloudSize == 4...4)
        }
    }

    /// A cloud formed in the simulator, measured like its time series does (`estimated_cloud_size`).
    // 10,000 nodes and more are measured by scripts/sim-size-estimate.sh (release): in a debug build, in parallel
    // with the other suites, 10,000 took over three minutes of both cores and starved the timing of others.
    // 1,000 nodes joining within a second need more than 10 s for their leaf sets to fill: after 10 s, seeds 1-6
    // gave estimates of 629-696, so whether one seed passed was a matter of its random draws; after 30 s, 700-722.
    @Test("in a simulated cloud, the estimate is within a factor 1.5 of the truth", arguments: [10, 100, 1000])
    func simulatedCloud(_ nodes: Int) throws {
        let scenario = Scenario(
            name: "size", seed: 11, nodes: nodes,
            join: JoinPlan(interval: .milliseconds(nodes >= 1000 ? 1 : 50), settle: .seconds(nodes >= 1000 ? 30 : 10)),
            duration: .seconds(1), workload: WorkloadPlan(resolutionsPerSecond: 0), report: ReportPlan(interval: .seconds(1)))
        var run = SimulationRun(scenario: scenario)
        let r = run.run()
        let row = try #require(r.rows.last)
        let estimate = try #require(row["estimated_cloud_size"]), truth = try #require(row["true_cloud_size"])
        #expect(truth == Double(nodes))
        #expect(estimate <= truth * 1.5 && estimate >= truth / 1.5, "estimated \(estimate) for \(truth) nodes")
        if nodes <= 10 {
            // Every node knows most of the cloud: each is within a factor 1.5.
            for node in run.cloud.nodes {
                let e = node.estimatedCloudSize ?? 0
                #expect(e <= truth * 1.5 && e >= truth / 1.5, "a node estimated \(e) for \(truth)")
            }
        }
    }
}
