import PNRP
import PropertyBased
import NetworkLab
import Testing

/// A deliberately plain model of 256-bit ring arithmetic on 32 big-endian bytes, used as the reference that
/// `PNRPID`'s word-based code is checked against.
enum RingReference {
    static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var carry = 0
        for i in (0..<32).reversed() {
            let s = Int(a[i]) + Int(b[i]) + carry
            out[i] = UInt8(s & 0xFF)
            carry = s >> 8
        }
        return out
    }

    static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for i in (0..<32).reversed() {
            var d = Int(a[i]) - Int(b[i]) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 256 }
            out[i] = UInt8(d)
        }
        return out
    }

    static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

    /// The shorter way round: min(a - b, b - a).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        let x = subtract(a, b), y = subtract(b, a)
        return less(y, x) ? y : x
    }

    static func bits(_ a: [UInt8]) -> [Bool] {
        a.flatMap { byte in (0..<8).map { byte & (0x80 >> UInt8($0)) != 0 } }
    }

    static func fromBits(_ bits: [Bool]) -> [UInt8] {
        stride(from: 0, to: 256, by: 8).map { start in
            (0..<8).reduce(UInt8(0)) { $0 << 1 | (bits[start + $1] ? 1 : 0) }
        }
    }

    static func shiftRight(_ a: [UInt8], _ n: Int) -> [UInt8] {
        let b = bits(a)
        return fromBits((0..<256).map { $0 >= n ? b[$0 - n] : false })
    }

    static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let x = bits(a), y = bits(b)
        return (0..<256).first { x[$0] != y[$0] } ?? 256
    }

    static func flipBit(_ a: [UInt8], fromTop i: Int) -> [UInt8] {
        var out = a
        out[i / 8] ^= 0x80 >> UInt8(i % 8)
        return out
    }

    static func hex(_ a: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(a.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }
}

/// Generators that favour the words where carries, borrows and the half-ring boundary live.
enum RingGen {
    static let word = zip(Gen.int(in: 0...9), Gen.uint64()).map { kind, random -> UInt64 in
        switch kind {
        case 0: 0
        case 1: 1
        case 2: .max
        case 3: 1 << 63
        case 4: (1 << 63) - 1
        default: random
        }
    }
    static let id = zip(word, word, word, word).map { w in PNRPID(w.0, w.1, w.2, w.3) }
    static let bytes = Gen.uint8().array(of: 32)
    static let shift = Gen.int(in: 0...300)
    static let bitIndex = Gen.int(in: 0...255)
}

private let half = PNRPID.powerOfTwo(255)

@Suite("Ring maths: PNRPID properties", .onComputeThread)
struct RingMathPropertyTests {

    // MARK: Byte form and order

    @Test func bytesRoundTrip() async {
        await propertyCheck(count: 300, input: RingGen.id) { a in
            #expect(a.bytes.count == 32)
            #expect(PNRPID(bytes: a.bytes) == a)
            #expect(PNRPID(bytes: a.bytes[...]) == a)
            var buffer: [UInt8] = [0xEE]
            a.write(to: &buffer)
            #expect(buffer == [0xEE] + a.bytes)
            #expect(a.description == RingReference.hex(a.bytes))
            #expect(PNRPID(p2pID: a.p2pID, serviceLocation: a.serviceLocation) == a)
        }
        await propertyCheck(count: 300, input: RingGen.bytes) { b in
            #expect(PNRPID(bytes: b)?.bytes == b)
        }
    }

    @Test func bytesOfTheWrongLengthAreRefused() async {
        await propertyCheck(input: Gen.uint8().array(of: 0...64)) { b in
            #expect((PNRPID(bytes: b) == nil) == (b.count != 32))
        }
    }

    @Test func comparisonIsByteWiseLexicographicOrder() async {
        await propertyCheck(count: 500, input: RingGen.id, RingGen.id) { a, b in
            #expect((a < b) == RingReference.less(a.bytes, b.bytes))
            #expect((a == b) == (a.bytes == b.bytes))
            #expect((a < b) || (b < a) || (a == b))
            #expect(!((a < b) && (b < a)))
        }
    }

    // MARK: Addition and subtraction

    @Test func addAndSubtractMatchTheByteReference() async {
        await propertyCheck(count: 1000, input: RingGen.id, RingGen.id) { a, b in
            #expect(a.adding(b).bytes == RingReference.add(a.bytes, b.bytes))
            #expect(a.subtracting(b).bytes == RingReference.subtract(a.bytes, b.bytes))
        }
    }

    @Test func addThenSubtractIsIdentity() async {
        await propertyCheck(count: 500, input: RingGen.id, RingGen.id) { a, b in
            #expect(a.adding(b).subtracting(b) == a)
            #expect(a.subtracting(b).adding(b) == a)
            #expect(a.adding(b) == b.adding(a))
            #expect(a.subtracting(b) == a.adding(b.negated))
            #expect(a.subtracting(b) == b.subtracting(a).negated)
        }
    }

    @Test func additionIsAssociative() async {
        await propertyCheck(count: 300, input: RingGen.id, RingGen.id, RingGen.id) { a, b, c in
            #expect(a.adding(b).adding(c) == a.adding(b.adding(c)))
        }
    }

    @Test func selfSubtractionAndNegation() async {
        await propertyCheck(count: 300, input: RingGen.id) { a in
            #expect(a.subtracting(a) == .zero)
            #expect(a.adding(a.negated) == .zero)
            #expect(a.negated.negated == a)
            #expect(a.adding(.zero) == a)
        }
    }

    @Test func wrapAroundAtTheEnds() {
        let one = PNRPID(0, 0, 0, 1)
        #expect(PNRPID.max.adding(one) == .zero)
        #expect(PNRPID.zero.subtracting(one) == .max)
        #expect(one.negated == .max)
        #expect(half.adding(half) == .zero)
        #expect(PNRPID(0, 0, 0, .max).adding(one) == PNRPID(0, 0, 1, 0))
        #expect(PNRPID(0, .max, .max, .max).adding(one) == PNRPID(1, 0, 0, 0))
        #expect(PNRPID(1, 0, 0, 0).subtracting(one) == PNRPID(0, .max, .max, .max))
        #expect(PNRPID(0, 1, 0, 0).subtracting(PNRPID(0, 0, 0, 1)) == PNRPID(0, 0, .max, .max))
    }

    // MARK: Distance

    @Test func distanceIsSymmetricZeroOnlyForEqualAndAtMostHalfTheRing() async {
        await propertyCheck(count: 1000, input: RingGen.id, RingGen.id) { a, b in
            let d = a.distance(to: b)
            #expect(d == b.distance(to: a))
            #expect((d == .zero) == (a == b))
            #expect(d <= half)
            #expect(d.bytes == RingReference.distance(a.bytes, b.bytes))
            #expect(a.distance(to: a) == .zero)
        }
    }

    @Test func distanceToAPointReachedByAStepIsTheStep() async {
        await propertyCheck(count: 500, input: RingGen.id, RingGen.id) { a, step in
            // Fold the step below 2^255 by clearing its top bit; the boundary itself is tried separately.
            let small = step < half ? step : step.subtracting(half)
            #expect(small < half)
            #expect(a.distance(to: a.adding(small)) == small)
            #expect(a.distance(to: a.subtracting(small)) == small)
            #expect(a.distance(to: a.adding(half)) == half)
            // Beyond half the ring, the short way is the other way round.
            if step > half { #expect(a.distance(to: a.adding(step)) == step.negated) }
        }
    }

    @Test func distanceBoundaries() {
        let one = PNRPID(0, 0, 0, 1)
        #expect(PNRPID.zero.distance(to: .max) == one)
        #expect(PNRPID.zero.distance(to: half) == half)
        #expect(PNRPID.zero.distance(to: half.adding(one)) == half.subtracting(one))
        #expect(PNRPID.zero.distance(to: half.subtracting(one)) == half.subtracting(one))
    }

    // MARK: Closeness

    /// The order `isCloser` must induce: by circular distance, then by ID. Because the key contains the ID
    /// itself it is injective, so agreeing with it on every pair makes `isCloser` a strict total order.
    private static func closenessKey(_ target: PNRPID, _ x: PNRPID) -> [UInt8] {
        RingReference.distance(target.bytes, x.bytes) + x.bytes
    }

    @Test func isCloserIsTheStrictTotalOrderByDistanceThenID() async {
        let candidates = zip(RingGen.id, RingGen.id.array(of: 1...6), Gen.bool)
        await propertyCheck(count: 300, input: RingGen.id, candidates) { target, input in
            var xs = input.1
            // Mirror images around the target are at equal distance: the tie-breaking case.
            xs += xs.map { target.adding(target).subtracting($0) }
            xs.append(input.0)
            if input.2 { xs.append(target) }
            for a in xs {
                #expect(!target.isCloser(a, than: a))
                for b in xs {
                    let expected = RingReference.less(Self.closenessKey(target, a), Self.closenessKey(target, b))
                    #expect(target.isCloser(a, than: b) == expected)
                    if a != b { #expect(target.isCloser(a, than: b) != target.isCloser(b, than: a)) }
                    if target.distance(to: a) < target.distance(to: b) { #expect(target.isCloser(a, than: b)) }
                }
            }
            // Sorting with it puts the target (if present) first and never reorders by anything but the key.
            let sorted = xs.sorted { target.isCloser($0, than: $1) }
            #expect(sorted.map { Self.closenessKey(target, $0) } == xs.map { Self.closenessKey(target, $0) }.sorted { RingReference.less($0, $1) })
            if input.2 { #expect(sorted.first == target) }
        }
    }

    @Test func tiesGoToTheSmallerID() async {
        await propertyCheck(count: 300, input: RingGen.id, RingGen.id) { target, a in
            let mirror = target.adding(target).subtracting(a)
            #expect(target.distance(to: a) == target.distance(to: mirror))
            if a != mirror {
                #expect(target.isCloser(Swift.min(a, mirror), than: Swift.max(a, mirror)))
                #expect(!target.isCloser(Swift.max(a, mirror), than: Swift.min(a, mirror)))
            }
        }
    }

    // MARK: Shifts, prefixes, powers of two

    @Test func shiftedRightMatchesTheBitReference() async {
        await propertyCheck(count: 500, input: RingGen.id, RingGen.shift) { a, n in
            let expected = n >= 256 ? [UInt8](repeating: 0, count: 32) : RingReference.shiftRight(a.bytes, n)
            #expect(a.shiftedRight(n).bytes == expected)
        }
    }

    @Test func shiftedRightEdges() async {
        await propertyCheck(count: 200, input: RingGen.id) { a in
            #expect(a.shiftedRight(0) == a)
            #expect(a.shiftedRight(256) == .zero)
            #expect(a.shiftedRight(64) == PNRPID(0, a.w0, a.w1, a.w2))
            #expect(a.shiftedRight(128) == PNRPID(0, 0, a.w0, a.w1))
            #expect(a.shiftedRight(255) == (a < half ? .zero : PNRPID(0, 0, 0, 1)))
        }
    }

    @Test func commonPrefixLengthMatchesTheBitReference() async {
        await propertyCheck(count: 500, input: RingGen.id, RingGen.id) { a, b in
            let n = a.commonPrefixLength(with: b)
            #expect(n == RingReference.commonPrefixLength(a.bytes, b.bytes))
            #expect(n == b.commonPrefixLength(with: a))
            #expect(a.commonPrefixLength(with: a) == 256)
        }
    }

    @Test func flippingOneBitLeavesExactlyThePrefixAboveIt() async {
        await propertyCheck(count: 500, input: RingGen.id, RingGen.bitIndex) { a, i in
            let b = PNRPID(bytes: RingReference.flipBit(a.bytes, fromTop: i))!
            #expect(a.commonPrefixLength(with: b) == i)
            // Flipping bit i from the top moves the ID by exactly 2^(255 - i).
            #expect(a.distance(to: b) == PNRPID.powerOfTwo(255 - i))
            #expect(a.subtracting(b) == PNRPID.powerOfTwo(255 - i) || b.subtracting(a) == PNRPID.powerOfTwo(255 - i))
        }
    }

    @Test func powersOfTwo() async {
        await propertyCheck(count: 256, input: RingGen.bitIndex) { k in
            let p = PNRPID.powerOfTwo(k)
            #expect(RingReference.bits(p.bytes).enumerated().filter(\.element).map(\.offset) == [255 - k])
            #expect(p.approximateValue == Double(sign: .plus, exponent: k, significand: 1))
            #expect(PNRPID.powerOfTwo(255).shiftedRight(255 - k) == p)
            #expect(p.adding(p) == (k == 255 ? .zero : PNRPID.powerOfTwo(k + 1)))
        }
    }
}
