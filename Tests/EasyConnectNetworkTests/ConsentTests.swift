import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// The consent question, Helpers arriving together or too late, and a stranger racing the real Helper.
@Suite("Easy Connect consent and competing Helpers on loopback sockets", .serialized, .timeLimit(.minutes(3)))
struct ConsentTests {
    @Test("The User declines: the Helper is refused with the reason; the invitation keeps waiting")
    func declined() async throws {
        let scratch = try Scratch("decline")
        defer { scratch.remove() }
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
            let consent = try #require(await user.wait { $0.consentID })
            try await user.session.perform(.decline(consent))
            let outcome = try #require(await helper.outcome())
            #expect(outcome.kind == .refused)
            #expect(outcome.message == "the person you are trying to help declined the connection")
            #expect(helper.summary == ["nameService", "status(attempting to connect)", "status(waiting for acceptance)", "disconnected(refused)"])
            // A declined Helper is not a wrong password, and the invitation still waits.
            try await Task.sleep(for: .milliseconds(200))
            #expect(user.summary == ["nameService", "invitation", "status(waiting for a helper)", "consentRequest(Hector)"])
            await #expect(throws: EasyConnectError.self) { try await user.session.perform(.accept(consent)) }
            await user.session.end()
            #expect(await user.outcome()?.kind == .ended)
        }
    }

    @Test("Nobody answers: after the consent timeout the Helper hears that the person isn't responding; the User's question is withdrawn")
    func consentTimeout() async throws {
        let scratch = try Scratch("consent-timeout")
        defer { scratch.remove() }
        var short = ConnectionConfiguration()
        short.consentTimeout = .seconds(1)
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u"), connection: short), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let (outcome, took) = try await timed {
                let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
                return await helper.outcome(15)
            }
            #expect(outcome?.kind == .timedOut, "\(String(describing: outcome))")
            #expect(outcome?.message == "the person you are trying to help isn't responding")
            #expect(took >= 1 && took < 60, "the Helper learnt it from the User, not from its own 2 min 15 s timer: \(took) s")
            let consent = try #require(await user.wait { $0.consentID })
            #expect(await user.wait { if case .consentCancelled(let id) = $0 { id } else { nil } } == consent)
            await #expect(throws: EasyConnectError.self) { try await user.session.perform(.accept(consent)) }
            #expect(!user.events.contains { if case .attemptFailed = $0 { true } else { false } })
            await user.session.end()
            #expect(await user.outcome()?.kind == .ended)
        }
    }

    @Test("Two Helpers with the password: the User is asked about one at a time; accepting the first refuses the second as busy")
    func twoHelpersAtOnce() async throws {
        let scratch = try Scratch("two")
        defer { scratch.remove() }
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let first = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h1"), name: "First"), nameService: cloud.helperHost))
            #expect(await user.wait { if case .consentRequest(_, let p) = $0 { p.displayName } else { nil } } == "First")
            let second = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h2"), name: "Second"), nameService: cloud.helperHost))
            #expect(await second.wait { $0 == .status(.waitingForAcceptance) ? true : nil } == true, "\(second.summary)")
            try await Task.sleep(for: .milliseconds(200))
            #expect(user.events.filter { $0.consentID != nil }.count == 1, "one question at a time: \(user.summary)")
            try await user.session.perform(.accept(nil))
            #expect(await first.wait { $0.isConnected ? true : nil } == true)
            let refused = try #require(await second.outcome())
            #expect(refused.kind == .refused)
            #expect(refused.message == "the person you are trying to help has accepted another helper")
            try await user.session.perform(.chat("only you"))
            #expect(await first.wait { if case .chat(let t) = $0 { t } else { nil } } == "only you")
            await first.session.end()
            #expect(await user.outcome()?.kind == .ended)
        }
    }

    @Test("A Helper arriving once a session runs: the invitation is gone from the cloud (not found); through a stale cache it finds the listener closed, and is told why")
    func helperAfterSessionStarted() async throws {
        let scratch = try Scratch("late")
        defer { scratch.remove() }
        try await withLoopbackCloud { cloud in
            let stale = StaleNameService(cloud.helperHost)
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            _ = try await findInvitation(password, in: stale)
            let first = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h1")), nameService: cloud.helperHost))
            _ = try #require(await user.wait { $0.consentID })
            try await user.session.perform(.accept(nil))
            #expect(await first.wait { $0.isConnected ? true : nil } == true)

            let late = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h2"), name: "Late"), nameService: cloud.helperHost))
            let lateOutcome = try #require(await late.outcome(30))
            #expect(lateOutcome.kind == .notFound, "\(lateOutcome)")
            let staleHelper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h3"), name: "Stale"), nameService: stale))
            let staleOutcome = try #require(await staleHelper.outcome(30))
            #expect(staleOutcome.kind == .refused, "\(staleOutcome)")
            #expect(staleOutcome.message.contains("no longer"), "\(staleOutcome.message)")
            #expect(!staleOutcome.message.contains("errno"), "\(staleOutcome.message)")
            // The session is untouched.
            try await first.session.perform(.chat("still here"))
            #expect(await user.wait { if case .chat(let t) = $0 { t } else { nil } } == "still here")
            #expect(!user.events.contains { if case .consentRequest(_, let p) = $0 { p.displayName != "Hector" } else { false } })
            await user.session.end()
            #expect(await first.outcome()?.kind == .ended)
        }
    }

    @Test("A stranger with a wrong password at the same moment as the real Helper: the stranger is refused, the real pair connects")
    func racingStranger() async throws {
        let scratch = try Scratch("stranger")
        defer { scratch.remove() }
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let grouped = try #require(await user.wait { $0.password })
            let password = try EasyConnectPassword(parsing: grouped)
            async let realSession = EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost)
            async let strangerSession = EasyConnectSession.help(password: try Sessions.wrongTail(grouped), options: Sessions.help(downloads: try scratch.directory("s"), name: "Mallory"), nameService: cloud.helperHost)
            let real = EventRecorder(try await realSession)
            let stranger = EventRecorder(try await strangerSession)
            let strangerOutcome = try #require(await stranger.outcome())
            #expect(strangerOutcome.kind == .wrongPassword, "\(strangerOutcome)")
            let consent = try #require(await user.wait { if case .consentRequest(let id, let p) = $0 { (id, p.displayName) } else { nil } })
            #expect(consent.1 == "Hector")
            try await user.session.perform(.accept(consent.0))
            #expect(await real.wait { $0.isConnected ? true : nil } == true, "\(real.summary)")
            #expect(user.events.contains(.attemptFailed(remaining: 2)))
            #expect(user.events.filter { $0.consentID != nil }.count == 1)
            await real.session.end()
            #expect(await user.outcome()?.kind == .ended)
        }
    }
}
