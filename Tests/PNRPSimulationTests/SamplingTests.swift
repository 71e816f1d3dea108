import Foundation
import PNRP
import PNRPSimulation
import NetworkLab
import Testing

// Statistical checks of the duration samplers against their parameters.
//
// Every check draws n = 200,000 values from a fixed seed, so each test is deterministic; the tolerances
// say how far an honest sampler could land from the truth, so that a pass is evidence of correctness and
// not of a lucky seed:
//
// • Mean: the sample mean has standard error σ/√n (σ the analytic standard deviation). We allow 4 standard
//   errors: a correct sampler lands outside with probability ≈ 6·10⁻⁵ (normal approximation). Checked
//   only where σ is finite (the Pareto case uses α = 3 > 2).
// • Median: the sample median is asymptotically normal with standard error 1/(2·f(m)·√n), f the density at
//   the true median m. Again 4 standard errors.
// • Shape: the Kolmogorov–Smirnov statistic D = sup|Fₙ(x) − F(x)| against the analytic CDF must stay below
//   the 0.1 % critical value 1.95/√n (≈ 0.00436 for n = 200,000).
//
// The parameters keep the 1 ms / 30 day clamp out of the way: the probability mass it moves is below
// 3·10⁻⁵ in every model (far under the KS threshold), and it moves that mass by at most 1 ms at the
// bottom, which shifts any mean by less than 10⁻⁶ of its standard error.

private let n = 200_000

/// One distribution under test, with its analytic CDF, density, mean, standard deviation and median in
/// seconds.
struct Model: Sendable, CustomTestStringConvertible {
    enum Kind: Sendable { case exponential(mean: Double), weibull(k: Double, lambda: Double), pareto(alpha: Double, xm: Double) }
    let kind: Kind
    let seed: UInt64

    var testDescription: String {
        switch kind {
        case .exponential(let mean): "exponential(mean: \(mean) s)"
        case .weibull(let k, let lambda): "weibull(k: \(k), λ: \(lambda) s)"
        case .pareto(let alpha, let xm): "pareto(α: \(alpha), xₘ: \(xm) s)"
        }
    }

    var distribution: DurationDistribution {
        func d(_ seconds: Double) -> NodeDuration { NodeDuration(nanoseconds: UInt64(seconds * 1e9)) }
        switch kind {
        case .exponential(let mean): return .exponential(mean: d(mean))
        case .weibull(let k, let lambda): return .weibull(shape: k, scale: d(lambda))
        case .pareto(let alpha, let xm): return .pareto(shape: alpha, scale: d(xm))
        }
    }

    func cdf(_ x: Double) -> Double {
        switch kind {
        case .exponential(let mean): return x <= 0 ? 0 : 1 - exp(-x / mean)
        case .weibull(let k, let lambda): return x <= 0 ? 0 : 1 - exp(-pow(x / lambda, k))
        case .pareto(let alpha, let xm): return x < xm ? 0 : 1 - pow(xm / x, alpha)
        }
    }

    func density(_ x: Double) -> Double {
        switch kind {
        case .exponential(let mean): return exp(-x / mean) / mean
        case .weibull(let k, let lambda): return k / lambda * pow(x / lambda, k - 1) * exp(-pow(x / lambda, k))
        case .pareto(let alpha, let xm): return alpha * pow(xm, alpha) / pow(x, alpha + 1)
        }
    }

    var median: Double {
        switch kind {
        case .exponential(let mean): return mean * log(2)
        case .weibull(let k, let lambda): return lambda * pow(log(2), 1 / k)
        case .pareto(let alpha, let xm): return xm * pow(2, 1 / alpha)
        }
    }

    /// Mean and standard deviation, nil when the variance is infinite.
    var moments: (mean: Double, sd: Double)? {
        switch kind {
        case .exponential(let mean):
            return (mean, mean)
        case .weibull(let k, let lambda):
            let g1 = tgamma(1 + 1 / k), g2 = tgamma(1 + 2 / k)
            return (lambda * g1, lambda * (g2 - g1 * g1).squareRoot())
        case .pareto(let alpha, let xm):
            guard alpha > 2 else { return nil }
            return (alpha * xm / (alpha - 1), xm * (alpha / ((alpha - 1) * (alpha - 1) * (alpha - 2))).squareRoot())
        }
    }

    /// `n` draws in seconds, sorted.
    func sortedSamples() -> [Double] {
        var random = RandomSource(seed: seed)
        let d = distribution
        return (0..<n).map { _ in Double(d.sample(using: &random).nanoseconds) / 1e9 }.sorted()
    }

    static let all: [Model] = [
        Model(kind: .exponential(mean: 60), seed: 0x5EED_0001),
        Model(kind: .weibull(k: 1.5, lambda: 600), seed: 0x5EED_0002),
        Model(kind: .weibull(k: 0.7, lambda: 3600), seed: 0x5EED_0003),
        Model(kind: .pareto(alpha: 3, xm: 10), seed: 0x5EED_0004),
        Model(kind: .pareto(alpha: 1.2, xm: 60), seed: 0x5EED_0005),
    ]
}

/// The sup distance between the empirical CDF of sorted `x` and `cdf`.
private func kolmogorovSmirnov(_ x: [Double], _ cdf: (Double) -> Double) -> Double {
    let count = Double(x.count)
    var d = 0.0
    for (i, value) in x.enumerated() {
        let f = cdf(value)
        d = max(d, f - Double(i) / count, Double(i + 1) / count - f)
    }
    return d
}

private func sampleMedian(_ sorted: [Double]) -> Double {
    sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

private let ksCritical = 1.95 / Double(n).squareRoot()

@Suite(.onComputeThread) struct SamplingTests {
    @Test(arguments: Model.all.filter { $0.moments != nil })
    func sampleMeanIsWithinFourStandardErrors(_ model: Model) throws {
        let moments = try #require(model.moments)
        let x = model.sortedSamples()
        let mean = x.reduce(0, +) / Double(x.count)
        let standardError = moments.sd / Double(n).squareRoot()
        #expect(abs(mean - moments.mean) < 4 * standardError, "mean \(mean) vs \(moments.mean) ± \(4 * standardError)")
    }

    @Test(arguments: Model.all)
    func sampleMedianIsWithinFourStandardErrors(_ model: Model) {
        let x = model.sortedSamples()
        let standardError = 1 / (2 * model.density(model.median) * Double(n).squareRoot())
        let median = sampleMedian(x)
        #expect(abs(median - model.median) < 4 * standardError, "median \(median) vs \(model.median) ± \(4 * standardError)")
    }

    @Test(arguments: Model.all)
    func kolmogorovSmirnovBelowTheOneInAThousandCriticalValue(_ model: Model) {
        let d = kolmogorovSmirnov(model.sortedSamples(), model.cdf)
        #expect(d < ksCritical, "D = \(d), critical \(ksCritical)")
    }

    @Test(arguments: Model.all)
    func analyticMeanAndMedianMatchTheParameters(_ model: Model) throws {
        let median = Double(model.distribution.median.nanoseconds) / 1e9
        #expect(abs(median - model.median) <= 1e-9 * model.median + 2e-9)
        let mean = try #require(model.distribution.mean)
        let expected: Double = switch model.kind {
        case .exponential(let mean): mean
        case .weibull(let k, let lambda): lambda * tgamma(1 + 1 / k)
        case .pareto(let alpha, let xm): alpha * xm / (alpha - 1)
        }
        #expect(abs(Double(mean.nanoseconds) / 1e9 - expected) <= 1e-9 * expected + 2e-9)
    }

    @Test func paretoMeanIsInfiniteForShapeAtMostOne() {
        #expect(DurationDistribution.pareto(shape: 1, scale: .seconds(1)).mean == nil)
        #expect(DurationDistribution.pareto(shape: 0.5, scale: .seconds(1)).mean == nil)
        #expect(DurationDistribution.pareto(shape: 2, scale: .seconds(1)).mean == .seconds(2))
        #expect(DurationDistribution.weibull(shape: 1, scale: .seconds(5)).mean == .seconds(5))  // Γ(2) = 1
        #expect(DurationDistribution.constant(.seconds(7)).mean == .seconds(7))
        #expect(DurationDistribution.constant(.seconds(7)).median == .seconds(7))
    }

    @Test func sameSeedGivesTheSameSequence() {
        let distributions: [DurationDistribution] = [
            .constant(.seconds(3)), .exponential(mean: .minutes(10)), .pareto(shape: 1.5, scale: .seconds(30)),
            .weibull(shape: 0.8, scale: .minutes(20)),
        ]
        func draw(_ seed: UInt64) -> [UInt64] {
            var random = RandomSource(seed: seed)
            var out: [UInt64] = []
            for _ in 0..<1000 {
                for d in distributions { out.append(d.sample(using: &random).nanoseconds) }
                out.append(random.poissonGap(ratePerSecond: 3).nanoseconds)
                out.append(random.exponential(mean: 2).bitPattern)
                out.append(random.unitInterval().bitPattern)
            }
            return out
        }
        #expect(draw(42) == draw(42))
        #expect(draw(42) != draw(43))
    }

    @Test func eachSampleUsesOneWordOfTheGenerator() {
        // The simulator can then predict how a change of distribution shifts later draws: not at all.
        for d: DurationDistribution in [.constant(.seconds(1)), .exponential(mean: .seconds(1)), .pareto(shape: 2, scale: .seconds(1)), .weibull(shape: 2, scale: .seconds(1))] {
            var a = RandomSource(seed: 9), b = RandomSource(seed: 9)
            _ = d.sample(using: &a)
            _ = b.next()
            #expect(a.next() == b.next())
        }
    }

    @Test func unitIntervalHas53BitsAndIsUniform() {
        var random = RandomSource(seed: 7)
        var sum = 0.0, below = 0
        for _ in 0..<n {
            let u = random.unitInterval()
            #expect(u >= 0 && u < 1)
            let scaled = u * 0x1p53
            #expect(scaled == scaled.rounded())
            sum += u
            if u < 0.25 { below += 1 }
        }
        // Uniform: σ = 1/√12; a quarter below 0.25 with binomial σ = √(n·¼·¾).
        #expect(abs(sum / Double(n) - 0.5) < 4 * (1 / 12.0).squareRoot() / Double(n).squareRoot())
        #expect(abs(Double(below) - Double(n) / 4) < 4 * (Double(n) * 0.25 * 0.75).squareRoot())
    }

    @Test func exponentialDrawsHaveTheRequestedMean() {
        var random = RandomSource(seed: 11)
        let draws = (0..<n).map { _ in random.exponential(mean: 2.5) }
        #expect(draws.allSatisfy { $0 >= 0 && $0.isFinite })
        let mean = draws.reduce(0, +) / Double(n)
        #expect(abs(mean - 2.5) < 4 * 2.5 / Double(n).squareRoot())
        #expect(random.exponential(mean: 0) == 0)
        #expect(random.exponential(mean: -1) == 0)
        #expect(random.exponential(mean: .nan) == 0)
    }

    @Test func poissonGapsAverageOneOverTheRate() {
        // 50 arrivals a second: gaps exponential with mean 20 ms (σ = 20 ms), checked to 4 standard errors
        // and for shape with the KS statistic.
        var random = RandomSource(seed: 13)
        let gaps = (0..<n).map { _ in Double(random.poissonGap(ratePerSecond: 50).nanoseconds) / 1e9 }
        #expect(gaps.allSatisfy { $0 > 0 })
        let mean = gaps.reduce(0, +) / Double(n)
        #expect(abs(mean - 0.02) < 4 * 0.02 / Double(n).squareRoot())
        let d = kolmogorovSmirnov(gaps.sorted()) { 1 - exp(-$0 * 50) }
        #expect(d < ksCritical)
    }

    @Test func poissonGapWithoutARateNeverComes() {
        var random = RandomSource(seed: 1)
        #expect(random.poissonGap(ratePerSecond: 0) == DurationDistribution.longest)
        #expect(random.poissonGap(ratePerSecond: -3) == DurationDistribution.longest)
        #expect(random.poissonGap(ratePerSecond: .infinity) == DurationDistribution.longest)
        #expect(random.poissonGap(ratePerSecond: 1e12) >= NodeDuration(nanoseconds: 1))
    }

    @Test func samplesAreClampedBetweenOneMillisecondAndThirtyDays() {
        #expect(DurationDistribution.longest == .hours(720))
        var random = RandomSource(seed: 5)
        let tiny = DurationDistribution.exponential(mean: NodeDuration(nanoseconds: 1000))
        let huge = DurationDistribution.pareto(shape: 0.01, scale: .hours(1))
        for _ in 0..<10_000 {
            #expect(tiny.sample(using: &random) == .milliseconds(1))
            let h = huge.sample(using: &random)
            #expect(h >= .hours(1) && h <= .hours(720))
        }
        #expect(DurationDistribution.constant(.zero).sample(using: &random) == .milliseconds(1))
        #expect(DurationDistribution.constant(.hours(24 * 365)).sample(using: &random) == .hours(720))
    }

    @Test func quantileNeverTrapsAtTheEndsOrWithBadParameters() {
        let distributions: [DurationDistribution] = [
            .constant(.seconds(1)), .exponential(mean: .seconds(1)), .exponential(mean: .zero),
            .pareto(shape: 2, scale: .seconds(1)), .pareto(shape: 0, scale: .seconds(1)), .pareto(shape: -1, scale: .seconds(1)),
            .pareto(shape: .nan, scale: .seconds(1)), .pareto(shape: 2, scale: .zero),
            .weibull(shape: 2, scale: .seconds(1)), .weibull(shape: 0, scale: .seconds(1)), .weibull(shape: -2, scale: .seconds(1)),
            .weibull(shape: .infinity, scale: .seconds(1)), .weibull(shape: 1, scale: NodeDuration(nanoseconds: .max)),
        ]
        for d in distributions {
            for p in [0, 0x1p-53, 0.5, 1 - 0x1p-53, 1, -1, 2, .nan, .infinity] {
                let q = d.quantile(p)
                #expect(q >= DurationDistribution.shortest && q <= DurationDistribution.longest, "\(d) at \(p): \(q)")
            }
            _ = d.mean
            _ = d.median
        }
        // U = 0 (p = 1) is the far tail: the ceiling, not a trap.
        #expect(DurationDistribution.exponential(mean: .seconds(1)).quantile(1) == DurationDistribution.longest)
        #expect(DurationDistribution.pareto(shape: 2, scale: .seconds(1)).quantile(1) == DurationDistribution.longest)
        #expect(DurationDistribution.weibull(shape: 2, scale: .seconds(1)).quantile(1) == DurationDistribution.longest)
        // p = 0 is the bottom: the Pareto minimum, the floor otherwise.
        #expect(DurationDistribution.pareto(shape: 2, scale: .seconds(1)).quantile(0) == .seconds(1))
        #expect(DurationDistribution.exponential(mean: .seconds(1)).quantile(0) == .milliseconds(1))
    }
}
