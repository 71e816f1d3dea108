import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// Wrong passwords, wrong leading parts and expired invitations, through real sockets and hosts.
@Suite("Easy Connect passwords on loopback sockets", .serialized, .timeLimit(.minutes(3)))
struct PasswordAttemptTests {
    @Test("Three wrong passwords: the Helpers are told quickly, the User counts down 2, 1, 0, the third Helper and the User see the invitation withdrawn")
    func threeWrongPasswords() async throws {
        let scratch = try Scratch("wrong")
        defer { scratch.remove() }
        // Handshakes may take 2 minutes here: a Helper told within 30 s learnt it from the PAKE, not a timer.
        var patient = ConnectionConfiguration()
        patient.handshakeTimeout = .seconds(120)
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u"), connection: patient), nameService: cloud.userHost))
            let password = try #require(await user.wait { $0.password })
            var durations: [Double] = []
            for attempt in 1...3 {
                let wrong = try Sessions.wrongTail(password, variant: attempt - 1)
                let (outcome, took) = try await timed {
                    let helper = EventRecorder(
                        try await EasyConnectSession.help(password: wrong, options: Sessions.help(downloads: try scratch.directory("h\(attempt)"), connection: patient), nameService: cloud.helperHost))
                    return try #require(await helper.outcome(30), "helper \(attempt): \(helper.summary)")
                }
                durations.append(took)
                if attempt < 3 {
                    #expect(outcome.kind == .wrongPassword, "attempt \(attempt): \(outcome)")
                    #expect(outcome.message == "the password does not match this invitation")
                } else {
                    #expect(outcome.kind == .withdrawn, "attempt \(attempt): \(outcome)")
                    #expect(outcome.message.contains("withdrawn") && outcome.message.contains("ask for a new one"), "\(outcome.message)")
                }
                #expect(took < 30, "attempt \(attempt) took \(took) s")
                #expect(await user.wait(10, nth: attempt) { if case .attemptFailed(let r) = $0 { r } else { nil } } == 3 - attempt)
            }
            print("wrong passwords: help() to outcome took \(durations.map { String(format: "%.3f", $0) }) s")
            let userOutcome = try #require(await user.outcome(5))
            #expect(userOutcome.kind == .withdrawn)
            #expect(
                user.summary == [
                    "nameService", "invitation", "status(waiting for a helper)", "attemptFailed(2)", "attemptFailed(1)", "attemptFailed(0)", "disconnected(withdrawn)",
                ])
            // The invitation is gone from the cloud: even the right password finds nothing now.
            let rendezvous = try Rendezvous.derive(
                from: try EasyConnectPassword(parsing: password), epoch: Sessions.cheapRendezvous.epoch(atUnixSeconds: UInt64(Date().timeIntervalSince1970)),
                parameters: Sessions.cheapRendezvous)
            #expect(await eventually(15) { (try? await (cloud.helperHost as any PeerNameService).resolve(rendezvous.name, within: .seconds(1))) == nil })
            let late = EventRecorder(try await EasyConnectSession.help(password: try EasyConnectPassword(parsing: password), options: Sessions.help(downloads: try scratch.directory("late")), nameService: cloud.helperHost))
            let lateOutcome = try #require(await late.outcome(20))
            #expect(lateOutcome.kind == .notFound, "\(lateOutcome)")
            _ = await user.session.outcome()
        }
    }

    @Test("A wrong leading part finds nothing: not found, with a hint to check the first characters; the User sees no attempt")
    func wrongLeadingPart() async throws {
        let scratch = try Scratch("head")
        defer { scratch.remove() }
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let password = try #require(await user.wait { $0.password })
            let (outcome, took) = try await timed {
                let helper = EventRecorder(try await EasyConnectSession.help(password: try Sessions.wrongHead(password), options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
                return await helper.outcome(30)
            }
            #expect(outcome?.kind == .notFound, "\(String(describing: outcome))")
            #expect(outcome?.message.contains("check the first characters") == true, "\(String(describing: outcome))")
            print("wrong leading part: not found after \(String(format: "%.3f", took)) s")
            #expect(!user.events.contains { if case .attemptFailed = $0 { true } else { false } })
            await user.session.end()
            #expect(await user.outcome()?.kind == .ended)
        }
    }

    @Test("An expired invitation: the User's invitation times out and is revoked; a Helper then finds nothing (not found), or, through a stale cache, an expired invitation")
    func expiredInvitation() async throws {
        let scratch = try Scratch("expired")
        defer { scratch.remove() }
        try await withLoopbackCloud { cloud in
            // A cache that saw the record before it expired.
            let stale = StaleNameService(cloud.helperHost)
            let publisher = RecordingNameService(cloud.userHost, into: stale)
            // Long enough for the invitation to be published first on a loaded machine: an invitation that
            // expires while it is being published never shows its password.
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u"), lifetime: .seconds(5)), nameService: publisher))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let userOutcome = try #require(await user.outcome(10))
            #expect(userOutcome.kind == .timedOut)
            #expect(userOutcome.message == "the invitation expired before a helper connected")
            // The record goes: the invitation's lifetime ended and the User revoked it.
            let rendezvous = try Rendezvous.derive(from: password, epoch: Sessions.cheapRendezvous.epoch(atUnixSeconds: UInt64(Date().timeIntervalSince1970)), parameters: Sessions.cheapRendezvous)
            #expect(await eventually(15) { (try? await (cloud.helperHost as any PeerNameService).resolve(rendezvous.name, within: .seconds(1))) == nil })
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
            let outcome = try #require(await helper.outcome(30))
            #expect(outcome.kind == .notFound, "\(outcome)")
            #expect(outcome.message.contains("expired") && outcome.message.contains("ask for a new one"), "\(outcome.message)")
            // Through the stale cache the invitation is found, opened, and seen to have expired: no connection is tried.
            let staleHelper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("s")), nameService: stale))
            let staleOutcome = try #require(await staleHelper.outcome(30))
            #expect(staleOutcome.kind == .expired, "\(staleOutcome)")
            #expect(staleOutcome.message.contains("expired") && staleOutcome.message.contains("new one"), "\(staleOutcome.message)")
            _ = await user.session.outcome()
        }
    }
}

/// A name service that refuses every publication.
struct RefusingNameService: PeerNameService {
    var serviceDescription: String { "a name service that refuses everything" }
    func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName { throw .noCloud("no cloud is open in this test") }
    func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord { throw .notFound }
    func revoke(_ published: PublishedName) async {}
}

@Suite("Easy Connect invitation that cannot be published", .timeLimit(.minutes(1)))
struct UnpublishableInvitationTests {
    @Test("No cloud to publish in: invite fails with the reason and closes its listener")
    func publishFails() async throws {
        let scratch = try Scratch("nocloud")
        defer { scratch.remove() }
        let probe = try RawListener(host: "127.0.0.2")
        let port = probe.port
        probe.close()
        var options = Sessions.invite(downloads: try scratch.directory("u"))
        options.port = port
        do {
            _ = try await EasyConnectSession.invite(options: options, nameService: RefusingNameService())
            Issue.record("an invitation nobody could find was reported as published")
        } catch {
            guard case .failed(let outcome) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(outcome.kind == .noCloud)
            #expect(outcome.message.contains("cannot publish the invitation") && outcome.message.contains("no cloud is open in this test"), "\(outcome.message)")
        }
        #expect(await eventually(20) { (try? RawConnection(host: "127.0.0.2", port: port)) == nil }, "the listener is still open")
    }
}
