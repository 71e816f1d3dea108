/// A fast deterministic generator for the models around the nodes: xoshiro256** seeded through SplitMix64.
///
/// The simulator and the in-memory cloud draw latencies, losses, churn, workloads and node seeds from it,
/// and tests and benchmarks their data; one seed gives one sequence. It is predictable: each output gives
/// away a quarter of the state and a few consecutive outputs all of it. So no node draws from it: a node's
/// Message IDs, nonces and choices come from `NodeRandom` (ChaCha20), which is several times slower but
/// cannot be predicted from what it has produced (`docs/deviations.md`, item N23).
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the four state words from `seed` with SplitMix64, as the xoshiro authors recommend.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= SplitMix64.increment
            return SplitMix64.mix(x)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            var v = next()
            for _ in 0..<Swift.min(8, count - out.count) { out.append(UInt8(truncatingIfNeeded: v)); v >>= 8 }
        }
        return out
    }

    /// A uniformly random 256-bit ID.
    public mutating func pnrpID() -> PNRPID { PNRPID(next(), next(), next(), next()) }

    /// A generator for a child component, derived so that parent and child sequences do not overlap in practice.
    public mutating func fork() -> RandomSource { RandomSource(seed: next() ^ 0xA5A5_5A5A_DEAD_BEEF) }
}
