import NetworkLab
import PeerCrypto
import Testing

@testable import PNRP

/// A stream relay token serves one pair: once the driver's stream relay spliced it, the relay node stops
/// counting it against its holder's share, so a User who invites again and again behind one NAT mapping is not
/// told "busy" until its used tokens expire (`docs/deviations.md`, X6).
@Suite(.onComputeThread) struct StreamTokenSpentTests {
    typealias M = StreamRelayNodeMessageTests

    @Test("four live tokens per relayed node; a spent one frees its place at once, an unknown or repeated one changes nothing")
    func spentTokensFreeTheirPlace() throws {
        var relay = M.relay(perClient: 4)
        let cookie = try M.takeSlot(&relay, for: M.client)
        var tokens: [[UInt8]] = []
        for id in 0..<4 {
            let result = try M.request(&relay, cookie: cookie, from: M.client, id: UInt32(100 + id))
            #expect(result.answers.map(\.status) == [.granted])
            tokens += result.grants.map(\.token)
        }
        #expect(try M.request(&relay, cookie: cookie, from: M.client, id: 200).answers.map(\.status) == [.busy])
        relay.streamTokenSpent(Array(repeating: 0xEE, count: 16))  // never granted
        #expect(relay.liveStreamTokenCount == 4)
        relay.streamTokenSpent(tokens[0])
        relay.streamTokenSpent(tokens[0])
        #expect(relay.liveStreamTokenCount == 3)
        #expect(try M.request(&relay, cookie: cookie, from: M.client, id: 201).answers.map(\.status) == [.granted])
        #expect(try M.request(&relay, cookie: cookie, from: M.client, id: 202).answers.map(\.status) == [.busy])
    }
}
