import PNRP

/// Rebuilds the state of a xoshiro256** generator from some of its 64-bit outputs and predicts the others: the
/// attack an off-path host could run on Message IDs and nonces drawn from xoshiro256**.
///
/// Each output is `rotl(s1 · 5, 7) · 9`, which gives back `s1` exactly; the state update is linear over GF(2),
/// so the `s1` of a few known steps are linear equations in the 256 bits of the state at the first step. Six
/// outputs give 384 equations, enough to solve for all 256 bits by Gaussian elimination.
struct XoshiroPredictor {
    /// 256 coefficients over GF(2): bit j stands for bit j of the state (s0 bits 0...63, then s1, s2, s3).
    struct Bits: Equatable {
        /// The 256 coefficients, 64 to a word.
        var w: [UInt64] = [0, 0, 0, 0]
        /// The form of state bit `j` alone.
        static func unit(_ j: Int) -> Bits {
            var b = Bits()
            b.w[j / 64] = 1 << UInt64(j % 64)
            return b
        }
        /// Whether state bit `j` takes part.
        func has(_ j: Int) -> Bool { w[j / 64] >> UInt64(j % 64) & 1 == 1 }
        /// The sum of two forms over GF(2).
        static func ^ (a: Bits, b: Bits) -> Bits { Bits(w: [a.w[0] ^ b.w[0], a.w[1] ^ b.w[1], a.w[2] ^ b.w[2], a.w[3] ^ b.w[3]]) }
    }

    /// A 64-bit word as 64 linear forms, bit 0 first.
    typealias Word = [Bits]

    /// `a ^ b`, bit by bit.
    static func xor(_ a: Word, _ b: Word) -> Word { zip(a, b).map { $0 ^ $1 } }
    /// `a << k`.
    static func shiftedLeft(_ a: Word, _ k: Int) -> Word { (0..<64).map { $0 >= k ? a[$0 - k] : Bits() } }
    /// `a` rotated left by `k`.
    static func rotatedLeft(_ a: Word, _ k: Int) -> Word { (0..<64).map { a[($0 - k + 64) % 64] } }

    /// One xoshiro256** state update, on linear forms.
    static func step(_ s: inout [Word]) {
        let t = shiftedLeft(s[1], 17)
        s[2] = xor(s[2], s[0])
        s[3] = xor(s[3], s[1])
        s[1] = xor(s[1], s[2])
        s[0] = xor(s[0], s[3])
        s[2] = xor(s[2], t)
        s[3] = rotatedLeft(s[3], 45)
    }

    /// The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
    static func inverse(_ a: UInt64) -> UInt64 {
        var x = a
        for _ in 0..<6 { x = x &* (2 &- a &* x) }
        return x
    }

    /// The `s1` that produced `output`.
    static func s1(of output: UInt64) -> UInt64 {
        let y = output &* inverse(9)
        return (y >> 7 | y << 57) &* inverse(5)
    }

    /// The output of concrete state `s`, which then steps.
    static func next(_ s: inout [UInt64]) -> UInt64 {
        let result = ((s[1] &* 5) << 7 | (s[1] &* 5) >> 57) &* 9
        let t = s[1] << 17
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]
        s[2] ^= t
        s[3] = s[3] << 45 | s[3] >> 19
        return result
    }

    /// The state at step 0 of a xoshiro256** generator whose output at step `position` was `value`, for every
    /// pair of `observed`; nil when no state gives them all (the outputs are not xoshiro256**'s) or they do
    /// not pin one down.
    static func state(from observed: [(position: Int, value: UInt64)]) -> [UInt64]? {
        var symbolic: [Word] = (0..<4).map { w in (0..<64).map { Bits.unit(w * 64 + $0) } }
        var rows: [(Bits, Bool)] = []
        var position = 0
        for (p, value) in observed.sorted(by: { $0.position < $1.position }) {
            while position < p {
                step(&symbolic)
                position += 1
            }
            let s1 = s1(of: value)
            for i in 0..<64 { rows.append((symbolic[1][i], s1 >> UInt64(i) & 1 == 1)) }
        }
        var solution = [Bool](repeating: false, count: 256)
        var next = 0
        var pivots: [(column: Int, row: Int)] = []
        for column in 0..<256 {
            guard let p = (next..<rows.count).first(where: { rows[$0].0.has(column) }) else { return nil }
            rows.swapAt(next, p)
            for r in 0..<rows.count where r != next && rows[r].0.has(column) {
                rows[r] = (rows[r].0 ^ rows[next].0, rows[r].1 != rows[next].1)
            }
            pivots.append((column, next))
            next += 1
        }
        // Equations left over must hold (0 = 0): otherwise no xoshiro256** state gives these outputs.
        for r in next..<rows.count where rows[r].1 { return nil }
        for (column, row) in pivots { solution[column] = rows[row].1 }
        return (0..<4).map { w in (0..<64).reduce(UInt64(0)) { $0 | (solution[w * 64 + $1] ? 1 << UInt64($1) : 0) } }
    }

    /// Predicts the outputs at `positions` from `observed` (see `state(from:)`); nil when no state fits.
    static func predict(_ positions: [Int], from observed: [(position: Int, value: UInt64)]) -> [UInt64]? {
        guard var s = state(from: observed) else { return nil }
        var out: [Int: UInt64] = [:]
        for p in 0...(positions.max() ?? 0) { out[p] = next(&s) }
        return positions.map { out[$0]! }
    }
}
