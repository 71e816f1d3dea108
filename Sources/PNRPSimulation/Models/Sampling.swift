import Foundation
import PNRP

// Continuous draws for the simulator, all taken from the project's deterministic generator so that a
// scenario seed fixes every sampled duration.

extension RandomSource {
    /// A uniform draw from [0, 1): the top 53 bits of the next word, so every value is a multiple of 2⁻⁵³
    /// and each of the 2⁵³ values is equally likely.
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// An exponential draw with the given mean, by inverse transform: −mean · ln U with U uniform on
    /// (0, 1] (never 0, so the logarithm is finite). Returns 0 for a mean that is not positive and finite.
    public mutating func exponential(mean: Double) -> Double {
        guard mean > 0, mean.isFinite else { return 0 }
        let u = 1 - unitInterval()  // (0, 1], exact: 1 − k·2⁻⁵³ is representable
        return -mean * log(u)
    }

    /// The time to the next arrival of a Poisson process with the given rate: exponential with mean
    /// 1/rate, rounded to the nanosecond and kept within 1 ns … 30 days so events stay strictly ordered
    /// and finite. A rate that is not positive and finite gives the 30-day ceiling (no arrival in any
    /// realistic run).
    public mutating func poissonGap(ratePerSecond: Double) -> NodeDuration {
        guard ratePerSecond > 0, ratePerSecond.isFinite else { return DurationDistribution.longest }
        let seconds = exponential(mean: 1 / ratePerSecond)
        return DurationDistribution.clamped(nanoseconds: seconds * 1e9, floor: 1)
    }
}

extension DurationDistribution {
    /// The shortest duration `sample(using:)` and `quantile(_:)` return: 1 ms.
    public static let shortest = NodeDuration.milliseconds(1)
    /// The longest duration `sample(using:)` and `quantile(_:)` return: 30 days.
    public static let longest = NodeDuration.hours(24 * 30)

    /// A draw from the distribution, by inverse transform of one uniform value, kept within
    /// `shortest` … `longest`. Uses exactly one word of the generator per draw, whatever the case.
    public func sample(using random: inout RandomSource) -> NodeDuration {
        quantile(random.unitInterval())
    }

    /// The value below which a fraction `p` of the distribution lies (the inverse CDF), kept within
    /// `shortest` … `longest`; `p` is clamped to [0, 1]. With U = 1 − p ∈ (0, 1]:
    /// exponential −μ·ln U, Pareto xₘ / U^(1/α), Weibull λ·(−ln U)^(1/k). Never traps: p = 1 (U = 0)
    /// gives `longest`, and parameters that produce no number (a non-positive shape, say) give `shortest`.
    public func quantile(_ p: Double) -> NodeDuration {
        let u = 1 - Swift.min(Swift.max(p.isNaN ? 0 : p, 0), 1)
        let nanoseconds: Double
        switch self {
        case .constant(let d):
            nanoseconds = Double(d.nanoseconds)
        case .exponential(let mean):
            nanoseconds = -Double(mean.nanoseconds) * log(u)
        case .pareto(let shape, let scale):
            nanoseconds = Double(scale.nanoseconds) / pow(u, 1 / shape)
        case .weibull(let shape, let scale):
            nanoseconds = Double(scale.nanoseconds) * pow(-log(u), 1 / shape)
        }
        return Self.clamped(nanoseconds: nanoseconds, floor: Double(Self.shortest.nanoseconds))
    }

    /// The analytic mean of the distribution as written (before the `shortest` … `longest` clamp, which
    /// moves it negligibly for sensible parameters): μ for the exponential, α·xₘ/(α − 1) for Pareto,
    /// λ·Γ(1 + 1/k) for Weibull. Nil when the mean is infinite (Pareto with α ≤ 1) or undefined (a
    /// shape that is not positive). Saturates at the largest representable duration.
    public var mean: NodeDuration? {
        let nanoseconds: Double
        switch self {
        case .constant(let d):
            return d
        case .exponential(let mean):
            return mean
        case .pareto(let shape, let scale):
            guard shape > 1, shape.isFinite else { return nil }
            nanoseconds = shape * Double(scale.nanoseconds) / (shape - 1)
        case .weibull(let shape, let scale):
            guard shape > 0, shape.isFinite else { return nil }
            nanoseconds = Double(scale.nanoseconds) * tgamma(1 + 1 / shape)
        }
        return Self.saturated(nanoseconds: nanoseconds)
    }

    /// The median, `quantile(0.5)`: μ·ln 2 for the exponential, xₘ·2^(1/α) for Pareto, λ·(ln 2)^(1/k)
    /// for Weibull — kept within `shortest` … `longest` like every sample, so it is also the median of
    /// what `sample(using:)` returns.
    public var median: NodeDuration { quantile(0.5) }

    /// `nanoseconds` rounded and kept within `floor` … `longest`; NaN gives the floor.
    static func clamped(nanoseconds: Double, floor: Double) -> NodeDuration {
        guard !nanoseconds.isNaN else { return NodeDuration(nanoseconds: UInt64(floor)) }
        let bounded = Swift.min(Swift.max(nanoseconds.rounded(), floor), Double(longest.nanoseconds))
        return NodeDuration(nanoseconds: UInt64(bounded))
    }

    /// `nanoseconds` rounded, at most `UInt64.max`; nil for NaN.
    private static func saturated(nanoseconds: Double) -> NodeDuration? {
        guard !nanoseconds.isNaN else { return nil }
        // 2⁶⁴ is the first Double above UInt64.max; anything at or beyond it saturates.
        guard nanoseconds < 0x1p64 else { return NodeDuration(nanoseconds: .max) }
        return NodeDuration(nanoseconds: UInt64(Swift.max(nanoseconds.rounded(), 0)))
    }
}
