@testable import PNRP
import PropertyBased
import NetworkLab
import Testing

/// Property tests: every valid value of every message type encodes to a datagram that obeys the framing
/// rules of [MS-PNRP] 2.2 and decodes back to the same value. Each case is built from a generated seed.
@Suite(.onComputeThread) struct WireRoundTripTests {
    /// Checks the framing invariants on `bytes` and the round trip.
    static func roundTrip(_ message: PNRPMessage) throws {
        let bytes = try message.encoded()
        #expect(bytes.count >= 20)
        #expect(Array(bytes.prefix(8)) == [0x00, 0x10, 0x00, 0x0C, 0x51, 0x04, 0x00, message.type.rawValue])
        #expect(try PNRPMessage(decoding: bytes) == message)
        // Decoding from a slice that does not start at index 0 gives the same answer.
        let padded = [0xEE, 0xEE] + bytes
        #expect(try PNRPMessage(decoding: padded[2...]) == message)
        #expect(try PNRPMessage(decoding: bytes).encoded() == bytes)
    }

    static func check(_ make: @escaping @Sendable (inout SplitMix64) -> PNRPMessage.Body) async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var g = SplitMix64(seed: seed)
            try roundTrip(PNRPMessage(messageID: UInt32(truncatingIfNeeded: g.next()), body: make(&g)))
        }
    }

    @Test func solicit() async { await Self.check { .solicit(RandomWire.solicit(&$0)) } }
    @Test func advertise() async { await Self.check { .advertise(RandomWire.advertise(&$0)) } }
    @Test func request() async { await Self.check { .request(RandomWire.request(&$0)) } }
    @Test func flood() async { await Self.check { .flood(RandomWire.flood(&$0)) } }
    @Test func inquire() async { await Self.check { .inquire(RandomWire.inquire(&$0)) } }
    @Test func authority() async { await Self.check { .authority(RandomWire.authorityFragment(&$0)) } }
    @Test func ack() async { await Self.check { .ack(RandomWire.ack(&$0)) } }
    @Test func lookup() async { await Self.check { .lookup(RandomWire.lookup(&$0)) } }

    @Test func authorityBuffer() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var g = SplitMix64(seed: seed)
            let buffer = RandomWire.authorityBuffer(&g)
            let bytes = try buffer.encoded()
            #expect(try AuthorityBuffer(decoding: bytes) == buffer)
            // Every element but VALIDATE_CPA is padded: without a CPA the buffer length is a multiple of 4.
            if buffer.validateCPA == nil { #expect(bytes.count % 4 == 0) }
        }
    }

    /// Element walk: every FieldID of an encoded message starts at a multiple of 4, and Length never counts
    /// the padding ([MS-PNRP] 2.2).
    @Test func fieldsAreAligned() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var g = SplitMix64(seed: seed)
            let message = RandomWire.message(&g)
            guard message.type != .authority else { return }
            let bytes = try message.encoded()
            var offset = 12
            var lengths: [Int] = []
            while offset + 4 <= bytes.count {
                #expect(offset % 4 == 0)
                let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
                lengths.append(length)
                offset += (length + 3) / 4 * 4
            }
            // The walk lands exactly on the end, or on the end of an unpadded last element.
            #expect(offset - bytes.count >= 0 && offset - bytes.count <= 3)
            #expect(lengths.allSatisfy { $0 >= 4 })
        }
    }
}
