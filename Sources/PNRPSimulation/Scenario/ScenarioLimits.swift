import Foundation
import PNRP

/// The range of every number and duration of a scenario file (`Simulations/SCHEMA.md`), checked when a
/// file is read and when `pnrp-sim run` options override it. The bounds keep every run finite and every
/// computed time inside `NodeInstant`: a scenario that passes them cannot overflow, and its number of
/// resolutions and report rows is bounded.
public enum ScenarioLimits {
    /// `nodes`.
    public static let nodes = 2...1_000_000
    /// `duration`: the measured phase.
    public static let duration = NodeDuration.milliseconds(1)...NodeDuration.hours(168)
    /// `join.interval`.
    public static let joinInterval = NodeDuration.zero...NodeDuration.seconds(60)
    /// The whole join phase, `nodes × join.interval`.
    public static let longestJoinPhase = NodeDuration.hours(168)
    /// `join.settle`.
    public static let settle = NodeDuration.zero...NodeDuration.hours(24)
    /// Every latency duration (`value`, `min`, `max`, `base`, `scale`, `jitter`).
    public static let latency = NodeDuration.zero...NodeDuration.seconds(10)
    /// Churn durations (`value`, `mean`, `scale` of a distribution): what `DurationDistribution.sample`
    /// can return.
    public static let churnDuration = DurationDistribution.shortest...DurationDistribution.longest
    /// The `shape` of a Pareto or Weibull distribution.
    public static let shape = 0.00001...1000.0
    /// `workload.resolutionsPerSecond`.
    public static let resolutionsPerSecond = 0.0...100_000.0
    /// `workload.resolutions`, and the resolutions `resolutionsPerSecond × duration` asks for.
    public static let resolutions = 0...100_000_000
    /// `report.interval`.
    public static let reportInterval = NodeDuration.milliseconds(1)...NodeDuration.hours(168)
    /// Rows of the time series, `duration / report.interval`.
    public static let maximumReportRows = 100_000
    /// `network.linkLocalGroupSize` (besides 0).
    public static let linkLocalGroupSize = 2...1_000_000

    /// "a duration from 1ms to 168h", for messages.
    static func words(_ range: ClosedRange<NodeDuration>) -> String {
        "a duration from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))"
    }

    /// "a whole number from 2 to 1000000", for messages.
    static func words(_ range: ClosedRange<Int>) -> String { "a whole number from \(range.lowerBound) to \(range.upperBound)" }

    /// "a number from 0 to 100000", for messages.
    static func words(_ range: ClosedRange<Double>) -> String {
        func n(_ x: Double) -> String { NumberText.decimal(x, significantDigits: 6) ?? "\(x)" }
        return "a number from \(n(range.lowerBound)) to \(n(range.upperBound))"
    }
}

/// What a duration text holds: a duration, one too long to represent, or no duration at all.
public enum DurationReading: Equatable, Sendable {
    /// A valid duration.
    case value(NodeDuration)
    /// A number and a unit, but longer than any `NodeDuration` (about 584 years).
    case tooLong
    /// Not a number followed by `ms`, `s`, `m` or `h`.
    case notADuration
}

extension DurationText {
    /// Reads `text` as `parse` does, telling a duration too long to hold from text that is no duration.
    public static func read(_ text: String) -> DurationReading {
        if let d = parse(text) { return .value(d) }
        let t = text.trimmingCharacters(in: .whitespaces)
        for suffix in ["ms", "s", "m", "h"] where t.hasSuffix(suffix) {
            if let value = Double(t.dropLast(suffix.count)), value >= 0, !value.isNaN,
               t.dropLast(suffix.count).allSatisfy({ "0123456789.eE+_".contains($0) }) {
                return .tooLong
            }
        }
        return .notADuration
    }
}
