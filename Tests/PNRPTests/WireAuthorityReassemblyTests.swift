@testable import PNRP
import NetworkLab
import Testing

/// AUTHORITY fragmentation ([MS-PNRP] 3.2.5.10) and reassembly ([MS-PNRP] 3.1.5.6).
@Suite(.onComputeThread) struct WireAuthorityReassemblyTests {
    static let source = IPv6Endpoint(address: IPv6Address(high: 0xFE80 << 48, low: 9), port: 3540)
    static let other = IPv6Endpoint(address: IPv6Address(high: 0xFE80 << 48, low: 9), port: 3541)

    static func buffer(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var g = SplitMix64(seed: seed)
        return RandomWire.bytes(count, &g)
    }

    @Test func fragmentSizes() throws {
        let whole = try AuthorityFragment.fragments(of: Self.buffer(1188), ackedMessageID: 5)
        #expect(whole.count == 1)
        #expect(whole[0].isWholeBuffer)
        let two = try AuthorityFragment.fragments(of: Self.buffer(2000), ackedMessageID: 5)
        #expect(two.map(\.offset) == [0, 1188])
        #expect(two.map(\.fragment.count) == [1188, 812])
        #expect(two.allSatisfy { $0.bufferSize == 2000 && $0.ackedMessageID == 5 })
        let largest = try AuthorityFragment.fragments(of: Self.buffer(37348), ackedMessageID: 5)
        #expect(largest.count == 32)
        #expect(largest.last?.fragment.count == 37348 - 31 * 1188)
        #expect(throws: WireError.self) { try AuthorityFragment.fragments(of: Self.buffer(37349), ackedMessageID: 5) }
        #expect(throws: WireError.self) { try AuthorityFragment.fragments(of: [], ackedMessageID: 5) }
        // Each fragment's datagram is at most 12 + 8 + 8 + 1188 = 1216 bytes.
        for f in largest {
            let datagram = try PNRPMessage(messageID: 77, body: .authority(f)).encoded()
            #expect(datagram.count <= 1216)
        }
    }

    @Test func inOrderAndOutOfOrder() throws {
        let bytes = Self.buffer(5000)
        let fragments = try AuthorityFragment.fragments(of: bytes, ackedMessageID: 9)
        for order in [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]] {
            var r = AuthorityReassembler()
            var result: [UInt8]?
            for (n, i) in order.enumerated() {
                result = try r.receive(fragments[i], messageID: 100, from: Self.source, now: 1_000)
                #expect((result == nil) == (n < order.count - 1))
            }
            #expect(result == bytes)
            #expect(r.count == 0)
            #expect(r.totalBytes == 0)
        }
    }

    @Test func unfragmentedBufferReturnsAtOnce() throws {
        var r = AuthorityReassembler()
        let bytes = Self.buffer(300)
        let f = try AuthorityFragment.fragments(of: bytes, ackedMessageID: 1)
        #expect(try r.receive(f[0], messageID: 1, from: Self.source, now: 0) == bytes)
        #expect(r.count == 0)
    }

    @Test func duplicates() throws {
        let fragments = try AuthorityFragment.fragments(of: Self.buffer(3000), ackedMessageID: 9)
        var r = AuthorityReassembler()
        #expect(try r.receive(fragments[0], messageID: 1, from: Self.source, now: 0) == nil)
        #expect(try r.receive(fragments[0], messageID: 1, from: Self.source, now: 0) == nil)  // identical: ignored
        #expect(r.count == 1)
        var changed = fragments[1]
        #expect(try r.receive(changed, messageID: 1, from: Self.source, now: 0) == nil)
        changed.fragment[0] ^= 0xFF
        #expect(throws: AuthorityReassemblyError.conflictingDuplicate(offset: 1188)) {
            try r.receive(changed, messageID: 1, from: Self.source, now: 0)
        }
        #expect(r.count == 0)
    }

    @Test func overrunKillsTheEntry() throws {
        let fragments = try AuthorityFragment.fragments(of: Self.buffer(3000), ackedMessageID: 9)
        var r = AuthorityReassembler()
        _ = try r.receive(fragments[0], messageID: 1, from: Self.source, now: 0)
        let overrun = AuthorityFragment(ackedMessageID: 9, bufferSize: 3000, offset: 2376, fragment: Self.buffer(700))
        #expect(throws: AuthorityReassemblyError.overrun(offset: 2376, length: 700, size: 3000)) {
            try r.receive(overrun, messageID: 1, from: Self.source, now: 0)
        }
        #expect(r.count == 0)
        // The remaining fragments now start a new entry that can never complete with the lost first one.
        #expect(try r.receive(fragments[1], messageID: 1, from: Self.source, now: 0) == nil)
        #expect(try r.receive(fragments[2], messageID: 1, from: Self.source, now: 0) == nil)
    }

    @Test func inconsistentSizeKillsTheEntry() throws {
        let fragments = try AuthorityFragment.fragments(of: Self.buffer(3000), ackedMessageID: 9)
        var r = AuthorityReassembler()
        _ = try r.receive(fragments[0], messageID: 1, from: Self.source, now: 0)
        var other = fragments[1]
        other.bufferSize = 3001
        #expect(throws: AuthorityReassemblyError.sizeMismatch(expected: 3000, received: 3001)) {
            try r.receive(other, messageID: 1, from: Self.source, now: 0)
        }
        #expect(r.count == 0)
        #expect(r.totalBytes == 0)
        // A different Acked Message ID also kills it.
        _ = try r.receive(fragments[0], messageID: 1, from: Self.source, now: 0)
        var acked = fragments[1]
        acked.ackedMessageID = 10
        #expect(throws: AuthorityReassemblyError.ackedMessageIDMismatch(expected: 9, received: 10)) {
            try r.receive(acked, messageID: 1, from: Self.source, now: 0)
        }
        // So does a short fragment that is not the last.
        _ = try r.receive(fragments[0], messageID: 1, from: Self.source, now: 0)
        var short = fragments[1]
        short.fragment.removeLast()
        #expect(throws: AuthorityReassemblyError.wrongFragmentLength(offset: 1188, length: 1187, expected: 1188)) {
            try r.receive(short, messageID: 1, from: Self.source, now: 0)
        }
        #expect(r.count == 0)
        // Malformed fragments are dropped without touching the entry.
        _ = try r.receive(fragments[0], messageID: 1, from: Self.source, now: 0)
        let misaligned = AuthorityFragment(ackedMessageID: 9, bufferSize: 3000, offset: 1000, fragment: [1])
        #expect(throws: AuthorityReassemblyError.malformed("Offset 1000 is not a multiple of 1188")) {
            try r.receive(misaligned, messageID: 1, from: Self.source, now: 0)
        }
        #expect(r.count == 1)
    }

    @Test func keyedByMessageIDAndSource() throws {
        let a = Self.buffer(2000, seed: 1), b = Self.buffer(2000, seed: 2)
        let fa = try AuthorityFragment.fragments(of: a, ackedMessageID: 9)
        let fb = try AuthorityFragment.fragments(of: b, ackedMessageID: 9)
        var r = AuthorityReassembler()
        #expect(try r.receive(fa[0], messageID: 1, from: Self.source, now: 0) == nil)
        #expect(try r.receive(fb[0], messageID: 1, from: Self.other, now: 0) == nil)
        #expect(try r.receive(fb[1], messageID: 2, from: Self.source, now: 0) == nil)
        #expect(r.count == 3)
        #expect(try r.receive(fa[1], messageID: 1, from: Self.source, now: 0) == a)
        #expect(try r.receive(fb[1], messageID: 1, from: Self.other, now: 0) == b)
        #expect(r.count == 1)
        #expect(r.discard(messageID: 9, from: Self.source) == 1)  // by Acked Message ID
        #expect(r.count == 0)
    }

    @Test func evictionBoundsMemory() throws {
        var r = AuthorityReassembler(limits: .init(maximumEntries: 3, maximumTotalBytes: 10_000, timeout: 1_000_000_000))
        let f = try AuthorityFragment.fragments(of: Self.buffer(3000), ackedMessageID: 9)
        for id: UInt32 in 1...3 { _ = try r.receive(f[0], messageID: id, from: Self.source, now: UInt64(id)) }
        #expect(r.count == 3)
        #expect(r.totalBytes == 9000)
        // A fourth entry evicts the oldest (message 1).
        _ = try r.receive(f[0], messageID: 4, from: Self.source, now: 4)
        #expect(r.count == 3)
        #expect(!r.contains(.init(messageID: 1, source: Self.source)))
        #expect(r.contains(.init(messageID: 2, source: Self.source)))
        // A large buffer evicts as many as the byte budget needs.
        let big = try AuthorityFragment.fragments(of: Self.buffer(9000), ackedMessageID: 9)
        _ = try r.receive(big[0], messageID: 5, from: Self.source, now: 5)
        #expect(r.count == 1)
        #expect(r.totalBytes == 9000)
        // A buffer larger than the whole budget is refused outright.
        let huge = try AuthorityFragment.fragments(of: Self.buffer(12_000), ackedMessageID: 9)
        #expect(throws: AuthorityReassemblyError.overBudget(size: 12_000, limit: 10_000)) {
            try r.receive(huge[0], messageID: 6, from: Self.source, now: 6)
        }
        #expect(r.count == 1)
    }

    @Test func expiry() throws {
        let second: UInt64 = 1_000_000_000
        var r = AuthorityReassembler(limits: .init(timeout: 10 * second))
        let f = try AuthorityFragment.fragments(of: Self.buffer(2000), ackedMessageID: 9)
        _ = try r.receive(f[0], messageID: 1, from: Self.source, now: 100 * second)
        #expect(r.nextDeadline == 110 * second)
        #expect(r.expire(now: 109 * second) == 0)
        #expect(try r.receive(f[1], messageID: 1, from: Self.source, now: 109 * second) != nil)
        _ = try r.receive(f[0], messageID: 2, from: Self.source, now: 200 * second)
        // The second fragment arrives too late: the entry has expired and it starts a new one.
        #expect(try r.receive(f[1], messageID: 2, from: Self.source, now: 210 * second) == nil)
        #expect(r.count == 1)
        #expect(r.expire(now: 220 * second) == 1)
        #expect(r.count == 0)
        #expect(r.nextDeadline == nil)
    }

    @Test func bufferThroughDatagrams() throws {
        var g = SplitMix64(seed: 11)
        var buffer = RandomWire.authorityBuffer(&g)
        buffer.certificateChain = RandomWire.bytes(3000, &g)
        let datagrams = try buffer.fragments(ackedMessageID: 0x1234).map { try PNRPMessage(messageID: 0xBEEF, body: .authority($0)).encoded() }
        #expect(datagrams.count >= 3)
        var r = AuthorityReassembler()
        var complete: [UInt8]?
        for datagram in datagrams.reversed() {
            let message = try PNRPMessage(decoding: datagram)
            guard case .authority(let fragment) = message.body else { Issue.record("not AUTHORITY"); return }
            complete = try r.receive(fragment, messageID: message.messageID, from: Self.source, now: 0) ?? complete
        }
        let bytes = try #require(complete)
        #expect(try AuthorityBuffer(decoding: bytes) == buffer)
    }
}
