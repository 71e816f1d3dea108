import PNRP
import PNRPNetwork
import Testing

/// The anti-amplification guard between two nodes that have not validated each other.
@Suite("Source guard")
struct SourceGuardTests {
    let peer = IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 9), port: 3540)
    let now = NodeInstant(nanoseconds: 1_000_000_000_000)

    @Test("A reply no larger than the datagram it answers goes out even while bigger replies are held")
    func smallReplyPassesHeldQueue() {
        var guardian = SourceGuard(probeIDSeed: 7)
        // A 60-byte request asks for a 400-byte answer: held, and a probe goes out instead.
        #expect(guardian.admit([UInt8](repeating: 0, count: 60), from: peer, now: now) == .deliver)
        guard case .held(let probe?) = guardian.reply([UInt8](repeating: 1, count: 400), to: peer, now: now) else {
            Issue.record("the oversized reply was not held with a probe")
            return
        }
        #expect(probe.count == 56)
        // The peer, in the same position, probes us: our 36-byte answer must not wait behind the held reply,
        // or the two nodes hold each other's probe answers and never validate each other.
        #expect(guardian.admit([UInt8](repeating: 0, count: 56), from: peer, now: now) == .deliver)
        #expect(guardian.reply([UInt8](repeating: 2, count: 36), to: peer, now: now) == .send)
        // The credit of one datagram is spent once: a second answer to it waits.
        #expect(guardian.reply([UInt8](repeating: 3, count: 36), to: peer, now: now) != .send)
    }
}
