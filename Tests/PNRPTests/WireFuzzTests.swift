@testable import PNRP
import NetworkLab
import Testing

/// Feeds random and mutated datagrams to every decoder. A decoder may only succeed or throw `WireError`
/// (typed throws make any other error impossible); a trap would kill the test process. Whatever decodes must
/// re-encode without trapping, and re-decode to the same value when it re-encodes.
@Suite(.onComputeThread) struct WireFuzzTests {
    static let iterations = 100_000

    /// Applies one random mutation: bit flips, byte overwrites, truncation, extension, or a tweak of a
    /// 16-bit field at a 4-byte boundary (where FieldIDs and Lengths live) or anywhere.
    static func mutate(_ input: [UInt8], _ g: inout SplitMix64) -> [UInt8] {
        var b = input
        switch Int.random(in: 0..<8, using: &g) {
        case 0, 1:
            for _ in 0..<Int.random(in: 1...4, using: &g) where !b.isEmpty {
                b[Int.random(in: 0..<b.count, using: &g)] ^= 1 << UInt8.random(in: 0...7, using: &g)
            }
        case 2:
            if !b.isEmpty { b[Int.random(in: 0..<b.count, using: &g)] = UInt8.random(in: 0...255, using: &g) }
        case 3:
            b.removeLast(Int.random(in: 0...min(b.count, 40), using: &g))
        case 4:
            b += RandomWire.bytes(Int.random(in: 1...40, using: &g), &g)
        case 5, 6:
            // Length or FieldID field of some element: small deltas and extreme values.
            let slots = b.count / 4
            guard slots > 0 else { break }
            let at = Int.random(in: 0..<slots, using: &g) * 4 + (Bool.random(using: &g) ? 2 : 0)
            guard at + 1 < b.count else { break }
            let old = Int(b[at]) << 8 | Int(b[at + 1])
            let new: Int = switch Int.random(in: 0..<5, using: &g) {
            case 0: old + Int.random(in: -8...8, using: &g)
            case 1: 0
            case 2: 0xFFFF
            case 3: Int(FieldID.allCases.randomElement(using: &g)?.rawValue ?? 0)
            default: Int.random(in: 0...0xFFFF, using: &g)
            }
            b[at] = UInt8(truncatingIfNeeded: new >> 8)
            b[at + 1] = UInt8(truncatingIfNeeded: new)
        default:
            // Array head fields: NumEntries / ArrayLength right after an array element's prefix.
            if let at = (0..<max(0, b.count - 8)).filter({ $0 % 4 == 0 && [0x60, 0x9E, 0x85].contains(b[$0 + 1]) && b[$0] == 0 }).randomElement(using: &g) {
                let field = at + 4 + 2 * Int.random(in: 0...3, using: &g)
                if field + 1 < b.count { b[field + 1] = b[field + 1] &+ UInt8.random(in: 1...3, using: &g) }
            }
        }
        return b
    }

    /// Decodes `bytes`; on success re-encodes and re-decodes. Returns the refusal's kind, or nil on success.
    static func exerciseMessage(_ bytes: [UInt8]) -> String? {
        let message: PNRPMessage
        do { message = try PNRPMessage(decoding: bytes) } catch { return error.kind }  // `error` is a WireError
        do {
            #expect(try PNRPMessage(decoding: message.encoded()) == message)
        } catch {
            Issue.record("decoded message does not re-encode: \(error)")
        }
        return nil
    }

    /// Decodes `bytes` as an AUTHORITY_BUFFER; on success re-encodes and re-decodes.
    static func exerciseBuffer(_ bytes: [UInt8]) -> String? {
        let buffer: AuthorityBuffer
        do { buffer = try AuthorityBuffer(decoding: bytes) } catch { return error.kind }
        do {
            #expect(try AuthorityBuffer(decoding: buffer.encoded()) == buffer)
        } catch {
            Issue.record("decoded buffer does not re-encode: \(error)")
        }
        return nil
    }

    @Test func messages() {
        var g = SplitMix64(seed: 0x5EED_0001)
        var corpus: [[UInt8]] = []
        for _ in 0..<400 {
            if let bytes = try? RandomWire.message(&g).encoded(), bytes.count < 4_000 { corpus.append(bytes) }
        }
        var accepted = 0
        var refusals: [String: Int] = [:]
        for i in 0..<Self.iterations {
            let input: [UInt8]
            switch i % 10 {
            case 0: input = RandomWire.bytes(Int.random(in: 0...200, using: &g), &g)  // pure noise
            case 1:  // a valid header followed by noise
                input = hex("0010 000C 51 04 00") + [MessageType.allCases.randomElement(using: &g)?.rawValue ?? 1]
                    + RandomWire.bytes(Int.random(in: 4...200, using: &g), &g)
            default:
                var b = corpus.randomElement(using: &g) ?? []
                for _ in 0..<Int.random(in: 1...3, using: &g) { b = Self.mutate(b, &g) }
                input = b
            }
            if let kind = Self.exerciseMessage(input) { refusals[kind, default: 0] += 1 } else { accepted += 1 }
        }
        // Some mutations (padding bytes, reserved bits, values) keep messages valid, and the mutations reach
        // every kind of refusal a decoder can give.
        #expect(accepted > 1_000)
        #expect(Set(refusals.keys) == ["truncated", "badHeader", "unknownMessageType", "unexpectedField", "missingField", "badLength", "badValue", "trailingBytes"])
    }

    @Test func authorityBuffers() {
        var g = SplitMix64(seed: 0x5EED_0002)
        var corpus: [[UInt8]] = []
        for _ in 0..<200 {
            if let bytes = try? RandomWire.authorityBuffer(&g).encoded() { corpus.append(bytes) }
        }
        var accepted = 0
        var refusals: [String: Int] = [:]
        for i in 0..<Self.iterations {
            let input: [UInt8]
            if i % 10 == 0 {
                input = hex("0040 0006 0000 0000") + RandomWire.bytes(Int.random(in: 0...120, using: &g), &g)
            } else {
                var b = corpus.randomElement(using: &g) ?? []
                for _ in 0..<Int.random(in: 1...3, using: &g) { b = Self.mutate(b, &g) }
                input = b
            }
            if let kind = Self.exerciseBuffer(input) { refusals[kind, default: 0] += 1 } else { accepted += 1 }
        }
        #expect(accepted > 1_000)
        #expect(Set(refusals.keys) == ["truncated", "unexpectedField", "missingField", "badLength", "badValue", "trailingBytes"])
    }

    /// Random fragment streams never trap the reassembler, and it never holds more than its budget.
    @Test func reassembler() {
        var g = SplitMix64(seed: 0x5EED_0003)
        var r = AuthorityReassembler(limits: .init(maximumEntries: 8, maximumTotalBytes: 50_000, timeout: 1_000))
        let sources = (0..<3).map { IPv6Endpoint(address: .loopback, port: 5000 + UInt16($0)) }
        for step in 0..<20_000 {
            var f = RandomWire.authorityFragment(&g)
            if Int.random(in: 0..<4, using: &g) == 0 { f.fragment = RandomWire.bytes(Int.random(in: 0...1300, using: &g), &g) }
            if Int.random(in: 0..<8, using: &g) == 0 { f.offset = UInt16.random(in: 0 ... .max, using: &g) }
            _ = try? r.receive(f, messageID: UInt32.random(in: 0...5, using: &g), from: sources.randomElement(using: &g) ?? sources[0], now: UInt64(step))
            #expect(r.totalBytes <= 50_000 && r.count <= 8)
        }
    }
}
