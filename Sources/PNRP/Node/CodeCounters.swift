/// Counters keyed by a one-byte code: a `MessageType` or a `ResolveReason` raw value.
///
/// Reads and writes like a `[UInt8: Int]` (`counters[code]`, `counters[code, default: 0] += n`, iteration
/// over `(key, value)` pairs) but keeps codes 0...11 — every message type and resolve reason — inline, so a
/// node's counters need no heap storage. Any other code (a peer may send any resolve reason) goes to a
/// dictionary that stays empty in practice. Iteration is in ascending code order.
public struct CodeCounters: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// Codes below this are stored inline.
    public static let inlineCodes: UInt8 = 12

    private var inline: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Bit `c` set when inline code `c` has a value.
    private var present: UInt16 = 0
    /// Values of codes not stored inline.
    private var others: [UInt8: Int] = [:]

    /// No counters.
    public init() {}

    /// Counters with the given values.
    public init(dictionaryLiteral elements: (UInt8, Int)...) {
        for (code, value) in elements { self[code] = value }
    }

    /// The value for `code`, or nil when it was never set; setting nil removes it.
    public subscript(code: UInt8) -> Int? {
        get {
            guard code < Self.inlineCodes else { return others[code] }
            guard present & (1 << code) != 0 else { return nil }
            return withUnsafeBytes(of: inline) { $0.load(fromByteOffset: Int(code) * MemoryLayout<Int>.stride, as: Int.self) }
        }
        set {
            guard code < Self.inlineCodes else {
                others[code] = newValue
                return
            }
            if let newValue {
                present |= 1 << code
                withUnsafeMutableBytes(of: &inline) { $0.storeBytes(of: newValue, toByteOffset: Int(code) * MemoryLayout<Int>.stride, as: Int.self) }
            } else {
                present &= ~(1 << code)
                withUnsafeMutableBytes(of: &inline) { $0.storeBytes(of: 0, toByteOffset: Int(code) * MemoryLayout<Int>.stride, as: Int.self) }
            }
        }
    }

    /// The value for `code`, or `defaultValue` when it was never set.
    public subscript(code: UInt8, default defaultValue: @autoclosure () -> Int) -> Int {
        get { self[code] ?? defaultValue() }
        set { self[code] = newValue }
    }

    /// Number of codes with a value.
    public var count: Int { present.nonzeroBitCount + others.count }

    /// True when no code has a value.
    public var isEmpty: Bool { count == 0 }

    /// The codes with a value and their values, in ascending code order.
    public func makeIterator() -> IndexingIterator<[(key: UInt8, value: Int)]> {
        var out: [(key: UInt8, value: Int)] = []
        for code in 0..<Self.inlineCodes { if let v = self[code] { out.append((code, v)) } }
        for (code, v) in others.sorted(by: { $0.key < $1.key }) { out.append((code, v)) }
        return out.makeIterator()
    }

    /// True when both hold the same codes with the same values.
    public static func == (a: CodeCounters, b: CodeCounters) -> Bool {
        guard a.present == b.present, a.others == b.others else { return false }
        for code in 0..<inlineCodes where a[code] != b[code] { return false }
        return true
    }

    /// Hashes the codes and values.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(present)
        for code in 0..<Self.inlineCodes { hasher.combine(self[code] ?? 0) }
        hasher.combine(others)
    }
}
