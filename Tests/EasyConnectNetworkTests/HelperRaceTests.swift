import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// The Helper's happy-eyeballs race when the invitation lists addresses it cannot use.
@Suite("Easy Connect Helper race over unusable endpoints", .serialized, .timeLimit(.minutes(3)))
struct HelperRaceTests {
    static func helpOptions(_ scratch: Scratch, _ name: String, connectTimeout: Int64 = 2) throws -> HelpOptions {
        var quick = ConnectionConfiguration()
        quick.handshakeTimeout = .seconds(3)
        var o = Sessions.help(downloads: try scratch.directory(name), connection: quick)
        o.connectTimeout = .seconds(connectTimeout)
        return o
    }

    /// The Helper engine's race state: candidates alive and connects still pending.
    static func race(_ session: EasyConnectSession) async throws -> (candidates: Int, racing: Int) {
        let engine = session.engine
        return try await session.loop.submit { () -> (Int, Int) in
            guard engine.value.role == .helper else { return (-1, -1) }
            return (engine.value.candidates.count, engine.value.racing)
        }.get()
    }

    @Test("Refused, silent, foreign and black-holed addresses before the real one: the Helper connects at once, and the other attempts all end")
    func realEndpointLast() async throws {
        let scratch = try Scratch("race")
        defer { scratch.remove() }
        let dead = try await DeadEnds.start()
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let extra = [dead.refused!, dead.silent!, dead.otherInvitation!, dead.blackHole!]
            let view = RewritingNameService(cloud.helperHost, password: password) { extra + $0 }
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: try Self.helpOptions(scratch, "h", connectTimeout: 6), nameService: view))
            _ = try #require(await user.wait { $0.consentID }, "\(helper.summary)")
            // The User is being asked while the black hole's connect still hangs: the Helper did not wait for it.
            let atConsent = try await Self.race(helper.session)
            #expect(atConsent.racing == 1, "\(atConsent)")
            try await user.session.perform(.accept(nil))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true, "\(helper.summary)")
            let settled = await eventually(15) {
                guard let r = try? await Self.race(helper.session) else { return false }
                return r.candidates == 1 && r.racing == 0
            }
            #expect(settled, "the losing attempts did not all end")
            try await user.session.perform(.chat("through the right door"))
            #expect(await helper.wait { if case .chat(let t) = $0 { t } else { nil } } == "through the right door")
            #expect(!user.events.contains { if case .attemptFailed = $0 { true } else { false } })
            await helper.session.end()
            #expect(await user.outcome()?.kind == .ended)
        }
        await dead.stop()
    }

    @Test("Only unusable addresses: the race ends on its own, with every reason, and the User loses no attempt")
    func noUsableEndpoint() async throws {
        let scratch = try Scratch("race-lost")
        defer { scratch.remove() }
        let dead = try await DeadEnds.start()
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let extra = [dead.refused!, dead.silent!, dead.otherInvitation!, dead.blackHole!]
            let view = RewritingNameService(cloud.helperHost, password: password) { _ in extra }
            let (outcome, took) = try await timed {
                let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: try Self.helpOptions(scratch, "h"), nameService: view))
                return await helper.outcome(30)
            }
            let o = try #require(outcome)
            #expect(o.kind == .connectionLost, "\(o)")
            #expect(took < 30, "\(took) s")
            print("race over unusable endpoints ended after \(String(format: "%.2f", took)) s: \(o.message)")
            #expect(o.message.contains("127.0.0.9:\(dead.refused.port) refused the connection"), "\(o.message)")
            #expect(o.message.contains("127.0.0.12:\(dead.blackHole.port) did not answer within 2 s"), "\(o.message)")
            #expect(o.message.contains("another invitation"), "\(o.message)")
            #expect(o.message.contains("handshake"), "\(o.message)")
            #expect(!user.events.contains { if case .attemptFailed = $0 { true } else { false } })
            await user.session.end()
            _ = await user.outcome()
        }
        await dead.stop()
    }
}
