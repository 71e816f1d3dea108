/// A summary of a distribution: a few percentiles, the maximum and the number of values.
///
/// The unit is the recorder's: milliseconds for `LatencyRecorder`, the counted quantity (hops, say)
/// for `CountHistogram`. An empty recorder gives all zeros and `count` 0.
public struct Percentiles: Sendable, Equatable {
    /// The median.
    public var p50: Double
    /// The 90th percentile.
    public var p90: Double
    /// The 99th percentile.
    public var p99: Double
    /// The 99.9th percentile.
    public var p999: Double
    /// The largest value recorded.
    public var max: Double
    /// How many values were recorded.
    public var count: Int

    /// Wraps the figures.
    public init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double, count: Int) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.count = count
    }

    /// All zeros: what an empty recorder reports.
    public static let empty = Percentiles(p50: 0, p90: 0, p99: 0, p999: 0, max: 0, count: 0)
}
