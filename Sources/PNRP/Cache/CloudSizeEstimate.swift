/// How many PNRP IDs a cloud holds, judged from one leaf set ([MS-PNRP] 3.2.6.2.1.1, `docs/deviations.md` N21).
///
/// The spec's estimate, 2·2^256 / (B − A) for the nearest members A below and B above, is right on average
/// for the span but not for its inverse: with N IDs spread at random, B − A is the sum of two gaps, and the
/// mean of 2·2^256 / (B − A) is 2N, with a variance so large that averages over a thousand nodes still
/// wander (1,979 for a 1,000-node cloud). This estimate uses every member on both sides instead:
///
/// - both sides full (five members each): the span S from the fifth member below to the fifth above
///   holds ten gaps, and 1 + 9·2^256 / S has the cloud's size as its mean (the inverse of a sum of ten
///   exponential gaps has mean 1/9 of the density), with a relative spread of about 1/√8 ≈ 35 %;
/// - neither side full: the node knows every ID of the cloud (each half of the circle holds no more IDs
///   than its side), and the size is that count, exact;
/// - one side full (a cloud of a few tens of IDs at most): the other half of the circle holds exactly its
///   members, and the IDs past the fifth on the full side are estimated from the density seen over both
///   sides.
public enum CloudSizeEstimate {
    /// Estimates at or above this are ignored, as [MS-PNRP] 3.2.6.2.1.1 says (the same name registered
    /// many times puts IDs almost on top of one another).
    public static let ceiling = 0x1p32

    /// The estimated number of PNRP IDs in the cloud from `set`, the leaf set of one local ID; nil when
    /// the set is empty (the node knows no other ID) or the estimate reaches `ceiling`.
    public static func ids(from set: LeafSet) -> Double? { measure(set)?.estimate }

    /// What one leaf set says about the cloud: the estimate, the IDs in it that were counted one by one, the
    /// gaps between neighbours the rest was estimated from (0 when everything was counted), and whether the
    /// IDs counted may be the whole cloud (a side not full holds every ID of its half).
    struct Measurement {
        var estimate: Double
        var counted: Double
        var gaps: Int
        var countedMayBeAll: Bool
    }

    /// The estimate of `ids(from:)` with what it was made of; nil when `ids(from:)` is nil.
    static func measure(_ set: LeafSet) -> Measurement? {
        let full = LeafSet.sideCapacity
        let upper = set.upper, lower = set.lower
        guard !upper.isEmpty || !lower.isEmpty else { return nil }
        let half = PNRPID.half.approximateValue
        let measurement: Measurement
        switch (upper.count == full, lower.count == full) {
        case (false, false):
            let count = Double(1 + upper.count + lower.count)
            measurement = Measurement(estimate: count, counted: count, gaps: 0, countedMayBeAll: true)
        case (true, true):
            let span = upper[full - 1].subtracting(set.center).approximateValue
                + set.center.subtracting(lower[full - 1]).approximateValue
            guard span > 0 else { return nil }
            measurement = Measurement(
                estimate: 1 + Double(2 * full - 1) * 2 * half / span, counted: 1, gaps: 2 * full, countedMayBeAll: false)
        case (true, false), (false, true):
            // A small cloud: the side that is not full holds every ID of its half. The IDs past the fifth
            // on the full side are estimated at the density seen over both (the full side's span and the
            // whole other half, less the fifth member, where the span stops).
            let (fullSide, others) = upper.count == full ? (upper, lower.count) : (lower, upper.count)
            let offset = upper.count == full
                ? fullSide[full - 1].subtracting(set.center).approximateValue
                : set.center.subtracting(fullSide[full - 1]).approximateValue
            let gaps = full + others
            let unseen = Swift.max(0, half - offset) * Double(gaps - 1) / (half + offset)
            let counted = Double(1 + others + full)
            measurement = Measurement(estimate: counted + unseen, counted: counted, gaps: gaps, countedMayBeAll: true)
        }
        guard measurement.estimate.isFinite, measurement.estimate < ceiling else { return nil }
        return measurement
    }

    /// The estimated number of nodes in the cloud from the leaf sets of all local IDs: the mean of the
    /// estimates that are not ignored, divided by the number of local IDs ([MS-PNRP] 3.2.6.2.1.1). Nil
    /// when no leaf set gives an estimate.
    public static func nodes(from sets: [LeafSet]) -> Double? {
        var sum = 0.0, count = 0
        for set in sets {  // registration order: the sum is the same in every process
            guard let estimate = ids(from: set) else { continue }
            sum += estimate
            count += 1
        }
        guard count > 0 else { return nil }
        return sum / Double(count) / Double(Swift.max(1, sets.count))
    }

    /// Where the cloud's true number of IDs lies, nine times in ten, given `set`: the span of the gaps the
    /// estimate counted holds a Gamma-distributed number of IDs, so the truth is between the 5 % and 95 %
    /// quantiles of that distribution times the density seen (from 0.60 to 1.75 times the estimate, less the
    /// node itself, with both sides full; from the IDs it counted up, with one side full, as the cloud may hold
    /// no more). A single point when the leaf set holds the whole cloud; nil when `ids(from:)` is nil. What
    /// `pnrp clouds` shows next to the estimate, so that one node's figure is never read as more exact than
    /// ten gaps allow (`docs/deviations.md` N21).
    public static func likelyIDs(from set: LeafSet) -> ClosedRange<Double>? {
        guard let m = measure(set) else { return nil }
        guard m.gaps > 0 else { return m.estimate...m.estimate }
        let q = gammaQuantiles[Swift.min(Swift.max(m.gaps, 4), 10) - 4]
        let perGap = (m.estimate - m.counted) / Double(m.gaps - 1)
        // When the IDs counted one by one may be the whole cloud (one side full), the range starts there.
        let low = m.countedMayBeAll ? m.counted : m.counted + q.low * perGap
        return low...(m.counted + q.high * perGap)
    }

    /// `likelyIDs(from:)` for the nodes of the cloud: the mean of the bounds over the local IDs whose leaf
    /// set gives an estimate, divided by the number of local IDs, as `nodes(from:)` does. Nil when
    /// `nodes(from:)` is nil.
    public static func likelyNodes(from sets: [LeafSet]) -> ClosedRange<Double>? {
        var low = 0.0, high = 0.0, count = 0
        for set in sets {
            guard let range = likelyIDs(from: set) else { continue }
            low += range.lowerBound
            high += range.upperBound
            count += 1
        }
        guard count > 0 else { return nil }
        let scale = Double(count) * Double(Swift.max(1, sets.count))
        return (low / scale)...(high / scale)
    }

    /// The 5 % and 95 % quantiles of the Gamma distribution of shape k (a sum of k exponential gaps), for
    /// k = 4...10.
    static let gammaQuantiles: [(low: Double, high: Double)] = [
        (1.3663, 7.7537), (1.9701, 9.1535), (2.6130, 10.5130), (3.2853, 11.8424), (3.9808, 13.1481),
        (4.6952, 14.4346), (5.4254, 15.7052),
    ]

    /// [MS-PNRP] 3.2.6.2.1.1 to the letter: 2·2^256 / (B − A) for the nearest members A below and B above
    /// each local ID, averaged and divided by the number of local IDs; nil when no leaf set has members on
    /// both sides. Split detection keeps using it, so that its rate stays what N15 measured; it is not
    /// what a node reports (its mean is twice the size).
    static func specification(from sets: [LeafSet]) -> Double? {
        var sum = 0.0, count = 0
        for set in sets {
            guard let above = set.upper.first, let below = set.lower.first else { continue }
            let span = above.subtracting(set.center).adding(set.center.subtracting(below)).approximateValue
            guard span > 0 else { continue }
            let estimate = 2 * 0x1p256 / span
            if estimate < ceiling {
                sum += estimate
                count += 1
            }
        }
        guard count > 0 else { return nil }
        return sum / Double(count) / Double(Swift.max(1, sets.count))
    }
}

extension PNRPNode {
    /// The cloud size split detection works with: the spec's estimate (`CloudSizeEstimate.specification`).
    var splitDetectionCloudSize: Double? { CloudSizeEstimate.specification(from: cache.leafSets) }

    /// Estimated number of nodes in the cloud ([MS-PNRP] 3.2.6.2.1.1, `docs/deviations.md` N21): see
    /// `CloudSizeEstimate`. Nil when no leaf set has a member yet.
    public var estimatedCloudSize: Double? { CloudSizeEstimate.nodes(from: cache.leafSets) }

    /// Where the number of nodes lies nine times in ten, given the leaf sets (`CloudSizeEstimate.likelyNodes`):
    /// a single point when they hold the whole cloud. Nil when `estimatedCloudSize` is.
    public var likelyCloudSize: ClosedRange<Double>? { CloudSizeEstimate.likelyNodes(from: cache.leafSets) }
}
