/// Where protocol code gets random bytes: the system CSPRNG on real networks, a seeded deterministic stream in tests.
///
/// Protocol code takes an `inout some EntropySource` instead of calling a generator itself, so that a run can be
/// replayed byte for byte from a seed.
public protocol EntropySource {
    /// Returns `count` random bytes; an empty array when `count` is zero or negative.
    mutating func bytes(_ count: Int) -> [UInt8]
}

extension EntropySource {
    /// Returns a uniformly distributed integer in `0..<upperBound`, without modulo bias.
    ///
    /// Draws the fewest whole bytes that cover `upperBound - 1`, masks them down to the smallest power of two that is
    /// at least `upperBound`, and rejects draws at or above the bound (each draw is kept with probability above 1/2).
    /// Any bound from 1 to `Int.max` works; bounds of 256 or less use one byte per draw, which is what drawing
    /// password characters needs. A bound below 2 has one possible answer and returns 0 without drawing.
    ///
    /// A source that keeps returning rejected values (a broken one: for an honest source the chance is below
    /// 2^-256) stops being retried after 256 draws and the last draw is reduced modulo the bound, so the call always
    /// returns.
    public mutating func uniform(_ upperBound: Int) -> Int {
        guard upperBound > 1 else { return 0 }
        let bound = UInt64(upperBound)
        let bits = 64 - (bound - 1).leadingZeroBitCount
        let byteCount = (bits + 7) / 8
        let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
        var value: UInt64 = 0
        for _ in 0..<256 {
            let draw = bytes(byteCount)
            value = draw.prefix(byteCount).reduce(0) { $0 << 8 | UInt64($1) } & mask
            if value < bound { return Int(value) }
        }
        return Int(value % bound)
    }
}
