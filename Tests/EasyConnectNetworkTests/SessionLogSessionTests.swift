import EasyConnect
import Foundation
import PNRP
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// Both sides' session logs of real sessions on loopback sockets: what each records, from its own point
/// of view, in order.
@Suite("Session logs of loopback sessions", .serialized, .timeLimit(.minutes(3)))
struct SessionLogSessionTests {
    /// The only log in `directory`, read.
    static func onlyLog(_ directory: String) throws -> SessionLog {
        let entries = try SessionLogFolder.entries(in: directory)
        guard entries.count == 1, let log = entries[0].log else {
            throw TestFailure("expected one readable log in \(directory): \(entries.map { "\($0.fileName): \($0.problem ?? "ok")" })")
        }
        return log
    }

    static func kinds(_ log: SessionLog) -> [String] {
        log.records.map { r in
            switch r.kind {
            case .chatMessage, .fileOffered, .fileSent, .fileReceived, .fileDeclined: "\(r.kind.rawValue)(\(r[.direction] ?? "?"))"
            default: r.kind.rawValue
            }
        }
    }

    @Test("A whole session: chat both ways, a file each way, control requested, granted and given up, pause, disconnect")
    func wholeSession() async throws {
        let scratch = try Scratch("log-session")
        defer { scratch.remove() }
        let userLogs = scratch.path + "/user-data/" + SessionLogWriter.directoryName
        let helperLogs = scratch.path + "/helper-data/" + SessionLogWriter.directoryName
        let notes = pseudoRandomBytes(10_000, seed: 3)
        let notesPath = try scratch.file("notes.txt", notes)
        let photo = pseudoRandomBytes(300_000, seed: 4)
        let photoPath = try scratch.file("photo.jpg", photo)
        var userOptions = Sessions.invite(downloads: try scratch.directory("user-downloads"))
        userOptions.session.sessionLogDirectory = userLogs
        var helperOptions = Sessions.help(downloads: try scratch.directory("helper-downloads"))
        helperOptions.session.sessionLogDirectory = helperLogs
        let hostile = "see <b>this</b> ]]> \u{1B}[2J\u{0}"

        let password = try await withLoopbackCloud { cloud -> EasyConnectPassword in
            let user = EventRecorder(try await EasyConnectSession.invite(options: userOptions, nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: helperOptions, nameService: cloud.helperHost))
            let consent = try #require(await user.wait { $0.consentID }, "\(helper.summary)")
            try await user.session.perform(.accept(consent))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true)
            #expect(await user.wait { $0.isConnected ? true : nil } == true)
            #expect(await user.session.sessionLogPath()?.hasPrefix(userLogs + "/") == true)

            try await helper.session.perform(.chat(hostile))
            #expect(await user.wait { if case .chat(let t) = $0 { t } else { nil } } == hostile)
            try await user.session.perform(.chat("Thanks, Hector!"))
            #expect(await helper.wait { if case .chat(let t) = $0 { t } else { nil } } == "Thanks, Hector!")

            let notesID = try #require(try await user.session.perform(.sendFile(path: notesPath)))
            try await helper.session.perform(.acceptFile(try #require(await helper.wait { $0.fileOfferID })))
            #expect(await helper.wait(30) { if case .fileReceived = $0 { true } else { nil } } == true)
            #expect(await user.wait(10) { if case .fileSent(let id, _, _, _) = $0, id == notesID { true } else { nil } } == true)

            let photoID = try #require(try await helper.session.perform(.sendFile(path: photoPath)))
            try await user.session.perform(.acceptFile(try #require(await user.wait { $0.fileOfferID })))
            #expect(await user.wait(30) { if case .fileReceived = $0 { true } else { nil } } == true)
            #expect(await helper.wait(10) { if case .fileSent(let id, _, _, _) = $0, id == photoID { true } else { nil } } == true)

            try await helper.session.perform(.requestControl)
            #expect(await user.wait { $0 == .controlRequested ? true : nil } == true)
            try await user.session.perform(.grantControl)
            #expect(await helper.wait { $0 == .controlGranted ? true : nil } == true)
            try await helper.session.perform(.giveUpControl)
            #expect(await user.wait { if case .controlEnded(let r) = $0 { r } else { nil } } == ControlEndReason.helperGaveUp)
            try await user.session.perform(.pause)
            #expect(await helper.wait { $0 == .paused ? true : nil } == true)
            try await user.session.perform(.resume)
            #expect(await helper.wait { $0 == .resumed ? true : nil } == true)
            // Refused commands are not logged.
            await #expect(throws: EasyConnectError.self) { try await helper.session.perform(.pause) }

            try await helper.session.perform(.disconnect)
            #expect(await helper.session.outcome().kind == .ended)
            #expect(await user.session.outcome().kind == .ended)
            return password
        }

        let userLog = try Self.onlyLog(userLogs)
        let helperLog = try Self.onlyLog(helperLogs)
        #expect(userLog.role == .user && helperLog.role == .helper)
        #expect(
            Self.kinds(userLog) == [
                "INVITATION_CREATED", "INCOMING_IP_ADDRESS", "CONNECTION_ESTABLISHED", "CHAT_MESSAGE(received)", "CHAT_MESSAGE(sent)",
                "FILE_OFFERED(sent)", "FILE_SENT(sent)", "FILE_OFFERED(received)", "FILE_RECEIVED(received)",
                "EXPERT_REQUEST_CONTROL", "EXPERT_GRANTED_CONTROL", "EXPERT_CONTROL_STARTED", "EXPERT_CONTROL_ENDED", "SESSION_PAUSED", "SESSION_RESUMED",
                "CONNECTION_ENDED", "INVITATION_CLOSED",
            ])
        #expect(
            Self.kinds(helperLog) == [
                "INVITATION_OPENED", "INCOMING_IP_ADDRESS", "CONNECTION_ESTABLISHED", "CHAT_MESSAGE(sent)", "CHAT_MESSAGE(received)",
                "FILE_OFFERED(received)", "FILE_RECEIVED(received)", "FILE_OFFERED(sent)", "FILE_SENT(sent)",
                "EXPERT_REQUEST_CONTROL", "EXPERT_GRANTED_CONTROL", "EXPERT_CONTROL_STARTED", "EXPERT_CONTROL_ENDED", "SESSION_PAUSED", "SESSION_RESUMED",
                "CONNECTION_ENDED", "INVITATION_CLOSED",
            ])

        // The details each side saw.
        let cleaned = SessionLogText.cleaned(hostile)
        #expect(userLog.records.filter { $0.kind == .chatMessage }.map(\.text) == ["Hector: \(cleaned)", "Ursula: Thanks, Hector!"])
        #expect(helperLog.records.filter { $0.kind == .chatMessage }.map(\.text) == ["Hector: \(cleaned)", "Ursula: Thanks, Hector!"])
        let userIncoming = try #require(userLog.records.first { $0.kind == .incomingIPAddress })
        #expect(userIncoming[.name] == "Hector" && userIncoming[.computerName] == "hector-pc" && userIncoming[.ip]?.hasPrefix("127.0.0.") == true, "\(userIncoming)")
        let established = try #require(helperLog.records.first { $0.kind == .connectionEstablished })
        #expect(established[.name] == "Ursula" && established[.address]?.hasSuffix(".RAContact") == true && established[.ip]?.hasPrefix("127.0.0.2:") == true)
        #expect(helperLog.records.first { $0.kind == .invitationOpened }?[.name] == "Ursula")
        let received = try #require(helperLog.records.first { $0.kind == .fileReceived })
        #expect(received[.name] == "notes.txt" && received[.size] == "10000" && received[.sha256] == Hex.encode(SHA256.hash(notes)))
        let sent = try #require(userLog.records.first { $0.kind == .fileSent })
        #expect(sent[.name] == "notes.txt" && sent[.sha256] == Hex.encode(SHA256.hash(notes)))
        #expect(userLog.records.first { $0.kind == .fileReceived }?[.sha256] == Hex.encode(SHA256.hash(photo)))
        #expect(userLog.records.first { $0.kind == .expertControlEnded }?[.outcome] == "helper-gave-up")
        #expect(userLog.records.first { $0.kind == .connectionEnded }?[.outcome] == "ended")
        #expect(userLog.peerName == "Hector" && helperLog.peerName == "Ursula")
        // The invitation's password is nowhere in the User's log.
        let userBytes = try String(contentsOfFile: try #require(SessionLogFolder.entries(in: userLogs).first?.path), encoding: .utf8)
        #expect(!userBytes.contains(password.grouped) && !userBytes.contains(password.characters))
        #expect(userLog.records.allSatisfy { $0.time >= userLog.start })
    }

    @Test("A wrong password, a declined Helper, then the invitation withdrawn: each side logs what it saw")
    func refusals() async throws {
        let scratch = try Scratch("log-refusals")
        defer { scratch.remove() }
        let userLogs = scratch.path + "/user-logs", strangerLogs = scratch.path + "/stranger-logs", declinedLogs = scratch.path + "/declined-logs"
        var userOptions = Sessions.invite(downloads: try scratch.directory("u"))
        userOptions.session.sessionLogDirectory = userLogs
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: userOptions, nameService: cloud.userHost))
            let grouped = try #require(await user.wait { $0.password })

            var stranger = Sessions.help(downloads: try scratch.directory("s"), name: "Mallory")
            stranger.session.sessionLogDirectory = strangerLogs
            let wrong = EventRecorder(try await EasyConnectSession.help(password: try Sessions.wrongTail(grouped), options: stranger, nameService: cloud.helperHost))
            #expect(await wrong.outcome()?.kind == .wrongPassword)
            #expect(await user.wait { if case .attemptFailed(let n) = $0 { n } else { nil } } == 2)

            var declinedOptions = Sessions.help(downloads: try scratch.directory("d"), name: "Dennis")
            declinedOptions.session.sessionLogDirectory = declinedLogs
            let declined = EventRecorder(try await EasyConnectSession.help(password: try EasyConnectPassword(parsing: grouped), options: declinedOptions, nameService: cloud.helperHost))
            _ = try #require(await user.wait { $0.consentID })
            try await user.session.perform(.decline(nil))
            #expect(await declined.outcome()?.kind == .refused)

            await user.session.end()
            #expect(await user.session.outcome().kind == .ended)
            _ = await wrong.session.outcome()
            _ = await declined.session.outcome()
        }
        let userLog = try Self.onlyLog(userLogs)
        #expect(
            Self.kinds(userLog) == ["INVITATION_CREATED", "PASSWORD_ATTEMPT_FAILED", "INCOMING_IP_ADDRESS", "CONNECTION_REFUSED", "INVITATION_CLOSED"])
        #expect(userLog.records[1][.remaining] == "2")
        #expect(userLog.records[3][.name] == "Dennis" && userLog.records[3][.outcome] == "declined")
        #expect(userLog.records[4][.outcome] == "ended")
        #expect(userLog.peerName == "Dennis")
        let strangerLog = try Self.onlyLog(strangerLogs)
        #expect(Self.kinds(strangerLog) == ["INVITATION_OPENED", "CONNECTION_REFUSED", "INVITATION_CLOSED"])
        #expect(strangerLog.records[1][.outcome] == "wrong-password")
        let declinedLog = try Self.onlyLog(declinedLogs)
        #expect(Self.kinds(declinedLog) == ["INVITATION_OPENED", "CONNECTION_REFUSED", "INVITATION_CLOSED"])
        #expect(declinedLog.records[1][.outcome] == "refused")
    }

    @Test("No directory, no log; an unusable one stops the session from starting, with the reason")
    func optional() async throws {
        let scratch = try Scratch("log-off")
        defer { scratch.remove() }
        var options = Sessions.help(downloads: try scratch.directory("h"))
        options.session.sessionLogDirectory = try scratch.file("in-the-way", [1])
        let password = try EasyConnectPassword(parsing: "BCDF GHJK MNPQ")
        do {
            _ = try await EasyConnectSession.help(password: password, options: options, nameService: NowhereNameService())
            Issue.record("the session started without its log")
        } catch {
            #expect(error.description.contains("cannot keep session logs"), "\(error)")
        }
        options.session.sessionLogDirectory = nil
        let session = try await EasyConnectSession.help(password: password, options: options, nameService: NowhereNameService())
        await session.end()
        _ = await session.outcome()
        #expect(await session.sessionLogPath() == nil)
        #expect(scratch.listing() == ["h", "in-the-way"])
    }
}

/// A name service that finds nothing and publishes nothing.
private final class NowhereNameService: PeerNameService {
    var serviceDescription: String { "nowhere" }
    func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName { throw .noCloud("none in this test") }
    func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord { throw .notFound }
    func revoke(_ published: PublishedName) async {}
}
