import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// What a hostile client saw on one connection to the User's listener.
struct HostileResult: Sendable {
    var greeting: [UInt8]?
    var closedByUser: Bool
    var refusal: Refusal?
}

/// Connects to `endpoint`, reads the greeting, sends `bytes`, optionally closes its side, then reads
/// until the User closes (at most `seconds`).
func hostile(_ endpoint: SessionEndpoint, send bytes: [UInt8], thenFinish: Bool = false, seconds: Double = 6) async throws -> HostileResult {
    let raw = try RawConnection(host: endpoint.ipv4Text, port: endpoint.port)
    return await onThread {
        let greeting = raw.readRecords(1, seconds: 5).first
        raw.write(bytes)
        if thenFinish { shutdown(raw.fd, Int32(SHUT_WR)) }
        let (closed, rest) = raw.readUntilClosed(seconds: seconds)
        raw.finish()
        var refusal: Refusal?
        if rest.count >= 4 {
            let length = Int(rest[0]) << 24 | Int(rest[1]) << 16 | Int(rest[2]) << 8 | Int(rest[3])
            if rest.count >= 4 + length, case .refusal(let r)? = try? HandshakeMessage(decoding: Array(rest[4..<(4 + length)])) { refusal = r }
        }
        return HostileResult(greeting: greeting, closedByUser: closed, refusal: refusal)
    }
}

/// Hostile clients on the User's listener: garbage, truncated and oversized records, invalid PAKE
/// shares, an abandoned PAKE. Each is refused on its own connection; only the abandoned PAKE counts
/// as an attempt; the real Helper connects afterwards.
@Suite("Easy Connect listener against hostile clients", .serialized, .timeLimit(.minutes(3)))
struct HostileClientTests {
    @Test("Garbage, a zero-length record, an oversized length, a truncated handshake (closed or silent), invalid shares and out-of-order messages are refused without counting as attempts; an abandoned PAKE counts once; the real Helper still connects")
    func hostileClients() async throws {
        let scratch = try Scratch("hostile")
        defer { scratch.remove() }
        // Long enough that the eight are still held when the ninth comes on a loaded machine (with 2 s, the whole
        // suite running, the first had timed out already once and the ninth got a greeting).
        var quick = ConnectionConfiguration()
        quick.handshakeTimeout = .seconds(6)
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u"), connection: quick), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let invitation = try await findInvitation(password, in: cloud.helperHost)
            let endpoint = invitation.endpoints[0]
            let expectedGreeting = try HandshakeMessage.greeting(tag: invitation.greetingTag).encoded()
            let sessionID = pseudoRandomBytes(16, seed: 11)
            // A client that opened the invitation proves it; invalid shares are then its protocol violation.
            let proof = HandshakeMessage.invitationProof(invitationID: invitation.id, sessionID: sessionID)

            let cases: [(String, [UInt8], Bool, Refusal.Code?)] = [
                ("random bytes", pseudoRandomBytes(600, seed: 12), false, .protocolViolation),
                ("a record of an unknown type", frame([0x7E] + pseudoRandomBytes(200, seed: 13)), false, .protocolViolation),
                ("a zero-length record", [0, 0, 0, 0], false, .protocolViolation),
                ("a 2 GiB record length", [0x7F, 0xFF, 0xFF, 0xFF] + pseudoRandomBytes(64, seed: 14), false, .protocolViolation),
                ("a helperHello with a share that is no ristretto255 encoding", frame([0x02] + sessionID + proof + [UInt8](repeating: 0xFF, count: 32)), false, .protocolViolation),
                ("a helperHello with the identity element as its share", frame([0x02] + sessionID + proof + [UInt8](repeating: 0, count: 32)), false, .protocolViolation),
                ("a helperHello one byte short", frame([0x02] + sessionID + proof + [UInt8](repeating: 1, count: 31)), false, .protocolViolation),
                ("a helperHello from someone who never opened the invitation (no proof of it)", frame([0x02] + sessionID + [UInt8](repeating: 7, count: 16) + [UInt8](repeating: 1, count: 32)), false, .noSuchInvitation),
                ("a helperFinish before any helperHello", frame([0x04] + [UInt8](repeating: 5, count: 88)), false, .protocolViolation),
                ("a truncated helperHello, then the end of the stream", [0, 0, 0, 65, 0x02] + sessionID, true, nil),
                ("a truncated helperHello, then silence until the handshake times out", [0, 0, 0, 65, 0x02] + sessionID, false, nil),
            ]
            for (what, bytes, finish, code) in cases {
                let (result, took) = try await timed { try await hostile(endpoint, send: bytes, thenFinish: finish) }
                #expect(result.greeting == expectedGreeting, "\(what): greeting \(String(describing: result.greeting))")
                #expect(result.closedByUser, "\(what): the User did not close the connection")
                #expect(result.refusal?.code == code, "\(what): \(String(describing: result.refusal))")
                print("hostile client, \(what): closed after \(String(format: "%.3f", took)) s, refusal \(result.refusal.map { "\($0.code): \($0.reason)" } ?? "none")")
            }
            #expect(!user.events.contains { if case .attemptFailed = $0 { true } else { false } }, "garbage counted as an attempt: \(user.summary)")

            // A client that sends a real PAKE share, receives the User's, and vanishes: one attempt.
            let raw = try RawConnection(host: endpoint.ipv4Text, port: endpoint.port)
            let abandoned = await onThread { () -> Bool in
                var pake = EasyConnectConnection(
                    helperWith: try! EasyConnectPassword(parsing: "BCDF GHJK MNPQ"), invitation: invitation, identity: Sessions.identity("Mallory"), randomSeed: pseudoRandomBytes(32, seed: 15),
                    now: HostClock.now())
                guard let greeting = raw.readRecords(1, seconds: 5).first else { return false }
                pake.receive(frame(greeting), now: HostClock.now())
                guard pake.takeEvents().contains(.greeted), (try? pake.beginHandshake(now: HostClock.now())) != nil else { return false }
                for record in pake.takeOutput() { raw.write(record) }
                guard let userHello = raw.readRecords(1, seconds: 5).first, userHello.first == 0x03 else { return false }
                raw.reset()
                return true
            }
            #expect(abandoned)
            #expect(await user.wait { if case .attemptFailed(let r) = $0 { r } else { nil } } == 2)

            // The real Helper.
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
            _ = try #require(await user.wait { $0.consentID }, "\(user.summary) / \(helper.summary)")
            try await user.session.perform(.accept(nil))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true, "\(helper.summary)")
            #expect(user.events.filter { if case .attemptFailed = $0 { true } else { false } } == [.attemptFailed(remaining: 2)])
            await helper.session.end()
            #expect(await user.outcome()?.kind == .ended)
        }
    }

    @Test("Eight silent connections fill the handshake slots; a ninth is refused as busy with a reason; once they time out the real Helper connects")
    func silentConnectionsFillSlots() async throws {
        let scratch = try Scratch("slots")
        defer { scratch.remove() }
        // Long enough that the eight are still held when the ninth comes on a loaded machine (with 2 s, the whole
        // suite running, the first had timed out already once and the ninth got a greeting).
        var quick = ConnectionConfiguration()
        quick.handshakeTimeout = .seconds(6)
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u"), connection: quick), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let endpoint = try await findInvitation(password, in: cloud.helperHost).endpoints[0]
            var silent: [RawConnection] = []
            for _ in 0..<8 { silent.append(try RawConnection(host: endpoint.ipv4Text, port: endpoint.port)) }
            try await Task.sleep(for: .milliseconds(200))
            let ninth = try await hostile(endpoint, send: [], seconds: 1)
            #expect(ninth.closedByUser)
            #expect(ninth.refusal?.code == .busy, "\(String(describing: ninth.refusal)) \(String(describing: ninth.greeting))")
            // The silent ones are closed by the handshake timeout.
            let all = silent
            let closed = await onThread { all.allSatisfy { $0.readUntilClosed(seconds: 15).closed } }
            #expect(closed)
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
            _ = try #require(await user.wait { $0.consentID }, "\(user.summary) / \(helper.summary)")
            try await user.session.perform(.accept(nil))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true, "\(helper.summary)")
            #expect(!user.events.contains { if case .attemptFailed = $0 { true } else { false } })
            await user.session.end()
            #expect(await helper.outcome()?.kind == .ended)
            for s in silent { s.finish() }
        }
    }
}
