/// A 256-bit PNRP ID: the P2P ID in the upper 128 bits and the service location in the lower 128
/// ([MS-PNRP] 1.3.1, 3.1.4.4).
///
/// IDs live on a circle of 2^256 points. Comparison (`<`) is plain unsigned order; closeness is the
/// circular distance, the shorter way round.
/// On the wire an ID is 32 bytes, most significant byte first (see `docs/deviations.md`, item W3).
public struct PNRPID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The four 64-bit words, most significant first.
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Builds an ID from four 64-bit words, most significant first.
    public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// PNRP ID = P2P ID (upper 128 bits) followed by the service location (lower 128 bits).
    public init(p2pID: P2PID, serviceLocation: ServiceLocation) {
        self.init(p2pID.high, p2pID.low, serviceLocation.high, serviceLocation.low)
    }

    /// Builds an ID from 32 bytes, most significant first. Returns nil for any other length.
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, b) in bytes.enumerated() { words[i / 8] = words[i / 8] << 8 | UInt64(b) }
        self.init(words[0], words[1], words[2], words[3])
    }

    /// The all-zero ID.
    public static let zero = PNRPID(0, 0, 0, 0)
    /// The largest ID, 2^256 - 1.
    public static let max = PNRPID(.max, .max, .max, .max)
    /// 2^255: half the circle, the largest circular distance.
    public static let half = PNRPID(1 << 63, 0, 0, 0)

    /// The upper 128 bits.
    public var p2pID: P2PID { P2PID(high: w0, low: w1) }
    /// The lower 128 bits.
    public var serviceLocation: ServiceLocation { ServiceLocation(high: w2, low: w3) }

    /// The 32 bytes, most significant first.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        write(to: &out)
        return out
    }

    /// Appends the 32 bytes, most significant first, to `buffer`.
    public func write(to buffer: inout [UInt8]) {
        Self.appendBigEndian(w0, to: &buffer)
        Self.appendBigEndian(w1, to: &buffer)
        Self.appendBigEndian(w2, to: &buffer)
        Self.appendBigEndian(w3, to: &buffer)
    }

    @inline(__always)
    private static func appendBigEndian(_ w: UInt64, to buffer: inout [UInt8]) {
        for s in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) }
    }

    /// 64 lowercase hex digits.
    public var description: String { hexString(words: [w0, w1, w2, w3]) }

    public static func < (a: PNRPID, b: PNRPID) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }

    /// `self + other` modulo 2^256.
    public func adding(_ o: PNRPID) -> PNRPID {
        let (r3, c3) = w3.addingReportingOverflow(o.w3)
        var (r2, c2) = w2.addingReportingOverflow(o.w2)
        var c2b = false
        if c3 { (r2, c2b) = r2.addingReportingOverflow(1) }
        var (r1, c1) = w1.addingReportingOverflow(o.w1)
        var c1b = false
        if c2 || c2b { (r1, c1b) = r1.addingReportingOverflow(1) }
        var r0 = w0 &+ o.w0
        if c1 || c1b { r0 = r0 &+ 1 }
        return PNRPID(r0, r1, r2, r3)
    }

    /// `self - other` modulo 2^256.
    public func subtracting(_ o: PNRPID) -> PNRPID {
        let (r3, b3) = w3.subtractingReportingOverflow(o.w3)
        var (r2, b2) = w2.subtractingReportingOverflow(o.w2)
        var b2b = false
        if b3 { (r2, b2b) = r2.subtractingReportingOverflow(1) }
        var (r1, b1) = w1.subtractingReportingOverflow(o.w1)
        var b1b = false
        if b2 || b2b { (r1, b1b) = r1.subtractingReportingOverflow(1) }
        var r0 = w0 &- o.w0
        if b1 || b1b { r0 = r0 &- 1 }
        return PNRPID(r0, r1, r2, r3)
    }

    /// Two's complement negation modulo 2^256.
    public var negated: PNRPID { PNRPID.zero.subtracting(self) }

    /// Circular distance: the shorter of the two ways round the ring, `min(a - b, b - a)` mod 2^256.
    /// Symmetric, zero only for equal IDs, at most 2^255.
    public func distance(to o: PNRPID) -> PNRPID {
        let forward = o.subtracting(self)
        let backward = self.subtracting(o)
        return Swift.min(forward, backward)
    }

    /// True when `a` is strictly closer to `self` than `b` is; ties are broken by the smaller ID so that
    /// every node ranks candidates identically.
    @inline(__always)
    public func isCloser(_ a: PNRPID, than b: PNRPID) -> Bool {
        let da = distance(to: a), db = distance(to: b)
        if da != db { return da < db }
        return a < b
    }

    /// Shifts right by `n` bits (0...256).
    public func shiftedRight(_ n: Int) -> PNRPID {
        if n <= 0 { return self }
        if n >= 256 { return .zero }
        var words = [w0, w1, w2, w3]
        let wordShift = n / 64, bitShift = n % 64
        var out: [UInt64] = [0, 0, 0, 0]
        for i in stride(from: 3, through: wordShift, by: -1) {
            let src = i - wordShift
            var v = words[src] >> UInt64(bitShift)
            if bitShift > 0 && src > 0 { v |= words[src - 1] << UInt64(64 - bitShift) }
            out[i] = v
        }
        words = out
        return PNRPID(words[0], words[1], words[2], words[3])
    }

    /// The number of leading bits `self` and `o` share (0...256).
    public func commonPrefixLength(with o: PNRPID) -> Int {
        let x = [w0 ^ o.w0, w1 ^ o.w1, w2 ^ o.w2, w3 ^ o.w3]
        for (i, v) in x.enumerated() where v != 0 { return i * 64 + v.leadingZeroBitCount }
        return 256
    }

    /// Approximate value as a Double (for logarithms and statistics; 53 significant bits).
    public var approximateValue: Double {
        Double(w0) * 0x1p192 + Double(w1) * 0x1p128 + Double(w2) * 0x1p64 + Double(w3)
    }

    /// 2^k as an ID, for k in 0..<256.
    public static func powerOfTwo(_ k: Int) -> PNRPID {
        precondition(k >= 0 && k < 256, "power of two out of range")
        var words: [UInt64] = [0, 0, 0, 0]
        words[3 - k / 64] = 1 << UInt64(k % 64)
        return PNRPID(words[0], words[1], words[2], words[3])
    }
}

func hexString(words: [UInt64]) -> String {
    var s = ""
    s.reserveCapacity(words.count * 16)
    let digits = Array("0123456789abcdef")
    for w in words {
        for shift in stride(from: 60, through: 0, by: -4) { s.append(digits[Int((w >> UInt64(shift)) & 0xF)]) }
    }
    return s
}
