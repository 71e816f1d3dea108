/// Counters keyed by a one-byte code: a `MessageType` or a `ResolveReason` raw value.
///
/// Reads and writes like a `[UInt8: Int]` (`counters[code]`, `counters[code, default: 0] += n`, iteration
/// over `(key, value)` pairs) but keeps the nine codes in use — the message types 1-4, 7-9 and 11 and the
/// resolve reasons 0-3 — inline as 32-bit values, so a node's counters need no heap storage (48 bytes in
/// all). Any other code (a peer may send any resolve reason), and any value outside 0...UInt32.max, goes to
/// a dictionary that stays empty in practice. Iteration is in ascending code order.
public struct CodeCounters: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// Number of codes stored inline.
    static let inlineSlots = 9

    private var inline: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Bit `s` set when inline slot `s` has a value.
    private var present: UInt16 = 0
    /// Values not stored inline: codes without a slot, and values that do not fit in 32 bits. A code is
    /// never both here and inline.
    private var others: [UInt8: Int] = [:]

    /// The inline slot of `code`: codes 0-4 in slots 0-4, 7-9 in slots 5-7, 11 in slot 8.
    @inline(__always)
    private static func slot(of code: UInt8) -> Int? {
        switch code {
        case 0...4: Int(code)
        case 7...9: Int(code) - 2
        case 11: 8
        default: nil
        }
    }

    /// The code stored in inline slot `slot`.
    private static func code(ofSlot slot: Int) -> UInt8 {
        switch slot {
        case 0...4: UInt8(slot)
        case 5...7: UInt8(slot + 2)
        default: 11
        }
    }

    /// No counters.
    public init() {}

    /// Counters with the given values.
    public init(dictionaryLiteral elements: (UInt8, Int)...) {
        for (code, value) in elements { self[code] = value }
    }

    /// The value for `code`, or nil when it was never set; setting nil removes it.
    public subscript(code: UInt8) -> Int? {
        get {
            if let s = Self.slot(of: code), let v = value(inSlot: s) { return v }
            return others.isEmpty ? nil : others[code]
        }
        set {
            let s = Self.slot(of: code)
            if let s, let newValue, let small = UInt32(exactly: newValue) {
                present |= 1 << s
                store(small, inSlot: s)
                if !others.isEmpty { others[code] = nil }
                return
            }
            if let s {
                present &= ~(1 << s)
                store(0, inSlot: s)
            }
            others[code] = newValue
        }
    }

    /// The value in inline slot `s`, or nil when it has none.
    private func value(inSlot s: Int) -> Int? {
        guard present & (1 << s) != 0 else { return nil }
        return Int(withUnsafeBytes(of: inline) { $0.load(fromByteOffset: s * MemoryLayout<UInt32>.stride, as: UInt32.self) })
    }

    /// Writes inline slot `s`.
    private mutating func store(_ value: UInt32, inSlot s: Int) {
        withUnsafeMutableBytes(of: &inline) { $0.storeBytes(of: value, toByteOffset: s * MemoryLayout<UInt32>.stride, as: UInt32.self) }
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
        for s in 0..<Self.inlineSlots { if let v = value(inSlot: s) { out.append((Self.code(ofSlot: s), v)) } }
        if !others.isEmpty {
            out.append(contentsOf: others.map { ($0.key, $0.value) })
            out.sort { $0.key < $1.key }
        }
        return out.makeIterator()
    }

    /// True when both hold the same codes with the same values.
    public static func == (a: CodeCounters, b: CodeCounters) -> Bool {
        guard a.present == b.present, a.others == b.others else { return false }
        for s in 0..<inlineSlots where a.value(inSlot: s) != b.value(inSlot: s) { return false }
        return true
    }

    /// Hashes the codes and values.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(present)
        for s in 0..<Self.inlineSlots { hasher.combine(value(inSlot: s) ?? 0) }
        hasher.combine(others)
    }
}
