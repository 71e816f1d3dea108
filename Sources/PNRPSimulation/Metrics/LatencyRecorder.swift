import Histogram
import PNRP

/// Records durations (resolution latencies, say) in an HDR histogram and reports them in milliseconds.
///
/// Values are kept in microseconds with 3 significant decimal digits (every recorded value is known to
/// within 0.1 %) from 1 µs up to 1 hour; a longer duration counts as 1 hour, a shorter one (0 ns …
/// 999 ns) as 0. Memory stays constant however many values are recorded, and percentiles come from the
/// histogram's buckets, never from the values themselves.
public struct LatencyRecorder: Sendable, Equatable {
    /// The largest value the histogram holds, in microseconds: 1 hour.
    public static let highestMicroseconds: UInt64 = 3_600_000_000

    private var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: LatencyRecorder.highestMicroseconds,
        numberOfSignificantValueDigits: .three)
    /// How many recorded values were longer than 1 hour and counted as 1 hour.
    public private(set) var clampedCount = 0

    /// An empty recorder.
    public init() {}

    /// Adds one duration.
    public mutating func record(_ d: NodeDuration) {
        var micros = d.nanoseconds / 1000
        if micros > Self.highestMicroseconds {
            micros = Self.highestMicroseconds
            clampedCount += 1
        }
        histogram.record(micros)
    }

    /// Adds every value `other` recorded (the histograms of several nodes or runs, say).
    public mutating func merge(_ other: LatencyRecorder) {
        histogram.add(other.histogram)
        clampedCount += other.clampedCount
    }

    /// How many durations were recorded.
    public var count: Int { Int(histogram.totalCount) }

    /// Median, 90th, 99th and 99.9th percentiles and maximum, in milliseconds. Each percentile is the
    /// upper end of the histogram bucket holding it (capped at the largest recorded value), as HDR
    /// histograms report them.
    public var percentiles: Percentiles {
        guard histogram.totalCount > 0 else { return .empty }
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        return Percentiles(
            p50: ms(histogram.valueAtPercentile(50)), p90: ms(histogram.valueAtPercentile(90)),
            p99: ms(histogram.valueAtPercentile(99)), p999: ms(histogram.valueAtPercentile(99.9)),
            max: ms(histogram.maxRecorded), count: count)
    }

    /// The mean in milliseconds (each value taken at the middle of its bucket); 0 when empty.
    public var mean: Double { histogram.totalCount > 0 ? histogram.mean / 1000 : 0 }

    /// Points of the empirical CDF for a plot: for fractions 1/`points`, 2/`points` … 1, the value at that
    /// percentile (milliseconds) and the exact share of recorded values at or below it. Values that
    /// repeat (several fractions in one bucket) appear once, so there are at most `points` points,
    /// increasing in both coordinates. Empty when nothing was recorded or `points` < 1.
    public func cdf(points: Int) -> [(value: Double, fraction: Double)] {
        guard histogram.totalCount > 0, points >= 1 else { return [] }
        var out: [(value: Double, fraction: Double)] = []
        var last: UInt64?
        for i in 1...points {
            let micros = histogram.valueAtPercentile(100 * Double(i) / Double(points))
            if micros == last { continue }
            last = micros
            let fraction = Swift.min(histogram.percentileAtOrBelowValue(micros) / 100, 1)
            out.append((value: Double(micros) / 1000, fraction: fraction))
        }
        return out
    }
}
