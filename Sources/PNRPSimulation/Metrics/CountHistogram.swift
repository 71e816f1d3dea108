/// Counts small non-negative integers (hop counts, retries) in exact buckets, one per value from 0 to
/// `largest`. A value above `largest` is counted in the last bucket (read it as "`largest` or more"),
/// a negative one in bucket 0. Percentiles are exact: the smallest value with at least that share of the
/// counts at or below it.
public struct CountHistogram: Sendable, Equatable {
    /// The largest value with a bucket of its own.
    public let largest: Int
    private var counts: [Int]
    private var sum = 0
    /// How many values were recorded.
    public private(set) var count = 0

    /// An empty histogram with buckets 0…`largest` (at least 0); hop counts use the default, 64.
    public init(largest: Int = 64) {
        self.largest = Swift.max(largest, 0)
        counts = Array(repeating: 0, count: self.largest + 1)
    }

    /// Adds one value.
    public mutating func record(_ value: Int) {
        let v = Swift.min(Swift.max(value, 0), largest)
        counts[v] += 1
        sum += v
        count += 1
    }

    /// Adds every value `other` recorded; buckets beyond this histogram's `largest` go to its last one.
    public mutating func merge(_ other: CountHistogram) {
        for (value, n) in other.counts.enumerated() where n > 0 {
            let v = Swift.min(value, largest)
            counts[v] += n
            sum += v * n
            count += n
        }
    }

    /// The mean of the recorded values (after clamping to 0…`largest`); 0 when empty.
    public var mean: Double { count > 0 ? Double(sum) / Double(count) : 0 }

    /// The smallest value `v` such that at least `percent` % of the recorded values are ≤ `v`; 0 when
    /// empty.
    public func value(atPercentile percent: Double) -> Int {
        guard count > 0 else { return 0 }
        let p = Swift.min(Swift.max(percent.isNaN ? 0 : percent, 0), 100)
        // 1-based rank of the value wanted. One ulp off the percentage keeps a share that is an exact
        // multiple of 1/count (50 % of 10) from rounding up to the next rank through float error.
        let rank = Swift.max(1, Int((p.nextDown * Double(count) / 100).rounded(.up)))
        var cumulative = 0
        for (value, n) in counts.enumerated() {
            cumulative += n
            if cumulative >= rank { return value }
        }
        return largest
    }

    /// Median, 90th, 99th, 99.9th percentiles and maximum.
    public var percentiles: Percentiles {
        guard count > 0 else { return .empty }
        let top = counts.lastIndex(where: { $0 > 0 }) ?? 0
        return Percentiles(
            p50: Double(value(atPercentile: 50)), p90: Double(value(atPercentile: 90)),
            p99: Double(value(atPercentile: 99)), p999: Double(value(atPercentile: 99.9)),
            max: Double(top), count: count)
    }

    /// One entry per value from 0 to the largest recorded one (empty buckets included, so a plot has no
    /// gaps); empty when nothing was recorded.
    public var buckets: [(value: Int, count: Int)] {
        guard let top = counts.lastIndex(where: { $0 > 0 }) else { return [] }
        return (0...top).map { (value: $0, count: counts[$0]) }
    }
}
