/// SplitMix64 (Steele, Lea and Flood): the generator that seeds xoshiro256** (`RandomSource`), and its
/// finaliser, which the node uses to mix keyed words (N25 spread order, N32 cookie buckets).
enum SplitMix64 {
    /// The increment of the SplitMix64 sequence.
    static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's finaliser: every output bit depends on every input bit.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
