/// The node's smoothed round-trip time and its variation, from the answers to its requests, and the
/// retransmission timeout they give (the estimator of RFC 6298 section 2, in integer nanoseconds so that a
/// simulation stays byte-identical on every machine).
///
/// The LOOKUPs of an application's resolution use it (`docs/deviations.md`, item N29): [MS-PNRP] 3.1.6.3 waits a fixed Message
/// Retransmission Timer, and a hop to a node that left cost the whole Retry Count of it.
struct RoundTripEstimate: Sendable, Hashable {
    /// Smoothed round-trip time; nil before the first sample.
    private(set) var smoothed: NodeDuration?
    /// Mean deviation of the samples.
    private(set) var variation = NodeDuration.zero

    /// Folds in the round-trip time of a request answered at its first transmission (Karn's rule: an answer
    /// to a retransmitted request could belong to either transmission).
    mutating func add(_ sample: NodeDuration) {
        guard let srtt = smoothed else {
            smoothed = sample
            variation = NodeDuration(nanoseconds: sample.nanoseconds / 2)
            return
        }
        let difference = srtt.nanoseconds > sample.nanoseconds ? srtt.nanoseconds - sample.nanoseconds : sample.nanoseconds - srtt.nanoseconds
        // RTTVAR ← 3/4 RTTVAR + 1/4 |SRTT − R|; SRTT ← 7/8 SRTT + 1/8 R.
        variation = NodeDuration(nanoseconds: variation.nanoseconds / 4 * 3 + difference / 4)
        smoothed = NodeDuration(nanoseconds: srtt.nanoseconds / 8 * 7 + sample.nanoseconds / 8)
    }

    /// SRTT + 4 × RTTVAR within `minimum`...`maximum`; `maximum` before the first sample.
    func retransmissionTimeout(minimum: NodeDuration, maximum: NodeDuration) -> NodeDuration {
        guard let srtt = smoothed else { return maximum }
        let rto = NodeDuration(nanoseconds: srtt.nanoseconds &+ variation.nanoseconds &* 4)
        return Swift.min(maximum, Swift.max(minimum, rto))
    }
}
