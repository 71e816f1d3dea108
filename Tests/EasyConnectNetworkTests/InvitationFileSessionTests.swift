import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRP
import PeerCrypto
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Invitations by file on loopback: two sessions in this process, then two `easy-connect` processes.
@Suite("Invitation files on loopback", .serialized, .timeLimit(.minutes(3)))
struct InvitationFileSessionTests {
    /// Cheap Argon2id for the file key (8 MiB, 1 pass); the command uses `InvitationFileCost.standard`.
    static let cheap = InvitationFileCost(memoryKiB: 8 * 1024, passes: 1)

    static func fileInvite(_ path: String, downloads: String) -> FileInviteOptions {
        var o = FileInviteOptions(session: Sessions.session("Ursula", downloads: downloads), path: path)
        o.listenAddresses = ["127.0.0.2"]
        o.lifetime = .seconds(600)
        o.cost = cheap
        return o
    }

    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o777 : nil
    }

    @Test("The User writes the file (mode 0600), the Helper opens it with its password, consent, chat both ways, disconnect")
    func sessionByFile() async throws {
        let scratch = try Scratch("file-session")
        defer { scratch.remove() }
        let path = scratch.path + "/help-me.MsRcIncident"
        let filePassword = try InvitationFilePassword("tulip garden")
        let madeFrom = UInt64(Date().timeIntervalSince1970)
        let user = EventRecorder(try await EasyConnectSession.inviteByFile(options: Self.fileInvite(path, downloads: try scratch.directory("u")), filePassword: filePassword))
        let written = try #require(await user.wait { if case .invitationFile(let p, let expires, let endpoints) = $0 { (p, expires, endpoints) } else { nil } })
        #expect(written.0 == path)
        #expect(written.2.count == 1 && written.2[0].hasPrefix("127.0.0.2:"), "\(written.2)")
        // Ten minutes from when the file was made: between the clock before the call and after the event (a
        // loaded machine may take long to derive the key).
        let after = UInt64(Date().timeIntervalSince1970)
        #expect(written.1 >= madeFrom + 600 && written.1 <= after + 600, "\(written.1) not within \(madeFrom + 600)…\(after + 600)")
        #expect(Self.mode(path) == 0o600)
        #expect(scratch.listing() == ["help-me.MsRcIncident", "u"], "no temporary file is left")

        // The file is never replaced unless asked, and the first one still opens.
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(throws: EasyConnectError.self) {
            _ = try await EasyConnectSession.inviteByFile(options: Self.fileInvite(path, downloads: try scratch.directory("u2")), filePassword: filePassword)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)

        // A wrong password and a changed byte are refused before any connection.
        #expect(throws: InvitationFileStoreError.invalid(path, .wrongPasswordOrChanged)) {
            try InvitationFileStore.openInvitation(at: path, filePassword: try InvitationFilePassword("tulip gardens"))
        }
        var changed = [UInt8](before)
        let at = try #require(String(decoding: changed, as: UTF8.self).range(of: "RCTICKET=\"")).upperBound.utf16Offset(in: String(decoding: changed, as: UTF8.self)) + 60
        changed[at] = changed[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let tampered = try scratch.file("tampered.MsRcIncident", changed)
        #expect(throws: InvitationFileStoreError.invalid(tampered, .wrongPasswordOrChanged)) { try InvitationFileStore.openInvitation(at: tampered, filePassword: filePassword) }
        #expect(throws: InvitationFileStoreError.notFound(scratch.path + "/nothing")) { try InvitationFileStore.openInvitation(at: scratch.path + "/nothing", filePassword: filePassword) }

        let file = try InvitationFileStore.openInvitation(at: path, filePassword: filePassword)
        #expect(file.header.userName == "Ursula")
        #expect(file.invitation.expiresAt == written.1)
        let helper = EventRecorder(try await EasyConnectSession.help(invitation: file.invitation, password: file.password, options: Sessions.help(downloads: try scratch.directory("h"))))
        let consent = try #require(await user.wait { $0.consentID }, "no consent request: \(user.summary) / \(helper.summary)")
        try await user.session.perform(.accept(consent))
        let remote = try #require(await helper.wait { if case .connected(_, let r, _, _) = $0 { r } else { nil } }, "helper: \(helper.summary)")
        #expect(remote == written.2[0])
        #expect(await user.wait { $0.isConnected ? true : nil } == true, "user: \(user.summary)")
        try await helper.session.perform(.chat("opened your file"))
        #expect(await user.wait { if case .chat(let t) = $0 { t } else { nil } } == "opened your file")
        try await user.session.perform(.chat("thanks"))
        #expect(await helper.wait { if case .chat(let t) = $0 { t } else { nil } } == "thanks")
        try await helper.session.perform(.disconnect)
        #expect(await helper.outcome()?.kind == .ended)
        #expect(await user.outcome()?.kind == .ended)
        #expect(user.summary.prefix(3) == ["invitationFile", "status(waiting for a helper)", "consentRequest(Hector)"])
        #expect(helper.summary.prefix(3) == ["status(attempting to connect)", "status(waiting for acceptance)", "connected(Ursula)"])
        #expect(await user.session.outcome().kind == .ended)
        #expect(await helper.session.outcome().kind == .ended)
    }

    @Test("Lifetimes: not whole minutes, or above the maximum, are refused before anything is written; a setting may raise the maximum")
    func lifetimes() async throws {
        let scratch = try Scratch("file-lifetimes")
        defer { scratch.remove() }
        let path = scratch.path + "/x.MsRcIncident"
        let filePassword = try InvitationFilePassword("tulip garden")
        for lifetime in [Duration.seconds(90), .seconds(0), .seconds(6 * 3600 + 60)] {
            var o = Self.fileInvite(path, downloads: try scratch.directory("u"))
            o.lifetime = lifetime
            await #expect(throws: EasyConnectError.self, "\(lifetime)") { _ = try await EasyConnectSession.inviteByFile(options: o, filePassword: filePassword) }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        var day = Self.fileInvite(path, downloads: try scratch.directory("u"))
        day.lifetime = .seconds(86_400)
        day.maximumFileLifetime = .seconds(86_400)
        let user = try await EasyConnectSession.inviteByFile(options: day, filePassword: filePassword)
        // The Helper's own maximum applies when it opens the file.
        #expect(throws: InvitationFileStoreError.invalid(path, .lifetimeOutOfRange(minutes: 1440, maximumMinutes: 360))) {
            try InvitationFileStore.openInvitation(at: path, filePassword: filePassword)
        }
        #expect(try InvitationFileStore.openInvitation(at: path, filePassword: filePassword, maximumLifetime: .seconds(86_400)).header.lifetimeMinutes == 1440)
        await user.end()
        #expect(await user.outcome().kind == .ended)
    }

    @Test("A Helper refuses an expired invitation before connecting")
    func expired() async throws {
        let scratch = try Scratch("file-expired")
        defer { scratch.remove() }
        var invitation = Invitation(
            id: [UInt8](repeating: 1, count: 16), expiresAt: UInt64(Date().timeIntervalSince1970) - 1, userKey: Ed25519PrivateKey().publicKey, displayName: "U",
            computerName: "u", endpoints: [SessionEndpoint(address: IPv6Address(ipv4: 127, 0, 0, 2), port: 9)])
        invitation.expiresAt -= 60
        do {
            _ = try await EasyConnectSession.help(invitation: invitation, password: try EasyConnectPassword(parsing: "BCDFGHJKMNPQ"), options: Sessions.help(downloads: try scratch.directory("h")))
            Issue.record("an expired invitation was used")
        } catch let error as EasyConnectError {
            guard case .failed(let outcome) = error else { throw error }
            #expect(outcome.kind == .expired)
            #expect(outcome.message.contains("expired at"))
        }
    }

    // MARK: - Two processes

    @Test("--help teaches --file; its usage errors exit with 64; a taken name or a missing folder exits with 2 before the password is asked")
    func commandLine() async throws {
        let scratch = try Scratch("file-usage")
        defer { scratch.remove() }
        let invite = try await EasyConnectProcess.run(["invite", "--help"], scratch: scratch.path)
        for word in ["--file", "--file-password-stdin", "--overwrite", ".MsRcIncident", "EASY_CONNECT_FILE_PASSWORD"] { #expect(invite.stdout.contains(word), "invite --help lacks \(word)") }
        let help = try await EasyConnectProcess.run(["help", "--help"], scratch: scratch.path)
        for word in ["--file", "exit with 6", "expired file exits with 10"] { #expect(help.stdout.contains(word), "help --help lacks \(word)") }
        for arguments in [
            ["invite", "--file", "x", "--lifetime", "90s"], ["invite", "--file", "x", "--lifetime", "0"],
            ["invite", "--lifetime", "abc"], ["invite", "--overwrite"], ["invite", "--file-password-stdin"], ["help", "--file", "x", "--password", "BCDF GHJK MNPQ"],
            ["help", "--file-password-stdin"],
        ] {
            #expect(try await EasyConnectProcess.run(arguments, scratch: scratch.path).status == 64, "\(arguments)")
        }
        // Above the settings' maximum-invitation-lifetime (6 hours by default, or what a policy says): exit 13.
        let tooLong = try await EasyConnectProcess.run(["invite", "--file", scratch.path + "/x", "--lifetime", "7h", "--json"], scratch: scratch.path)
        #expect(tooLong.status == 13 && tooLong.stdout.contains("maximum-invitation-lifetime"), "\(tooLong.stdout)")
        let policy = try scratch.file("policy.conf", Array("maximum-invitation-lifetime = 2h\n".utf8))
        let aboveThePolicy = try await EasyConnectProcess.run(
            ["invite", "--file", scratch.path + "/x", "--lifetime", "3h", "--json"], scratch: scratch.path, environment: ["EASY_CONNECT_POLICY": policy])
        #expect(aboveThePolicy.status == 13 && aboveThePolicy.stdout.contains("policy"), "\(aboveThePolicy.stdout)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/x.MsRcIncident"))
        let taken = try scratch.file("taken.MsRcIncident", [1])
        let data = ["--data-dir", scratch.path + "/data", "--json"]
        let exists = try await EasyConnectProcess.run(["invite", "--file", scratch.path + "/taken"] + data, scratch: scratch.path, seconds: 20)
        #expect(exists.status == 2 && exists.stdout.contains("already exists"), "\(exists)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: taken)) == Data([1]))
        let missing = try await EasyConnectProcess.run(["invite", "--file", scratch.path + "/nowhere/x"] + data, scratch: scratch.path, seconds: 20)
        #expect(missing.status == 2 && missing.stdout.contains("does not exist"), "\(missing)")
        let absent = try await EasyConnectProcess.run(["help", "--file", scratch.path + "/absent.MsRcIncident"] + data, scratch: scratch.path, seconds: 20)
        #expect(absent.status == 2 && absent.stdout.contains("there is no file"), "\(absent)")
    }

    @Test("easy-connect invite --file and help --file, two processes in JSON mode: wrong password (6), tampered (6), expired (10), not ours (2), then a session")
    func twoProcesses() async throws {
        let scratch = try Scratch("file-cli")
        defer { scratch.remove() }
        let binary = try EasyConnectProcess.binary()
        var processes: [JSONLineProcess] = []
        defer { for p in processes { p.kill9() } }
        func launch(_ name: String, _ arguments: [String]) throws -> JSONLineProcess {
            let p = try JSONLineProcess(name: name, executable: binary, arguments: arguments, environment: EasyConnectProcess.environment(), scratch: scratch.path)
            processes.append(p)
            return p
        }
        func common(_ role: String, _ name: String) -> [String] {
            ["--json", "--data-dir", scratch.path + "/\(role)-data", "--download-dir", scratch.path + "/\(role)-downloads", "--name", name, "--computer-name", name.lowercased() + "-pc"]
        }

        let user = try launch("user", ["invite", "--file", scratch.path + "/help-me", "--file-password-stdin", "--lifetime", "10m", "--listen", "127.0.0.1"] + common("user", "Ursula"))
        #expect(user.sendLine("tulip garden"))
        let written = try await user.waitFor("invitation-file", seconds: 30)
        let path = try #require(written.line.string("path"))
        #expect(path == scratch.path + "/help-me.MsRcIncident")
        #expect(Self.mode(path) == 0o600)
        _ = try await user.waitFor("status", seconds: 10)

        func helper(_ name: String, file: String, password: String) throws -> JSONLineProcess {
            let p = try launch(name, ["help", "--file", file, "--file-password-stdin", "--connect-timeout", "5"] + common(name, "Hector"))
            _ = p.sendLine(password)
            return p
        }
        func refusal(_ p: JSONLineProcess) async throws -> (status: Int32, reason: String?, code: String?) {
            let status = try await p.waitForExit(seconds: 30)
            let error = p.output.last { $0.event == "error" }
            return (status, p.output.last?.string("reason"), error?.string("code"))
        }

        // A wrong password, and a copy of the file with one byte of its ticket changed: both exit 6.
        let wrong = try await refusal(try helper("wrong", file: path, password: "tulip gardens"))
        #expect(wrong.status == 6 && wrong.reason == "wrong-password" && wrong.code == "wrong-password", "\(wrong)")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let text = String(decoding: bytes, as: UTF8.self)
        let at = try #require(text.range(of: "RCTICKET=\"")).upperBound.utf16Offset(in: text) + 100
        bytes[at] = bytes[at] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
        let tampered = try scratch.file("tampered.MsRcIncident", bytes)
        let changed = try await refusal(try helper("tampered", file: tampered, password: "tulip garden"))
        #expect(changed.status == 6 && changed.reason == "wrong-password", "\(changed)")

        // An expired file (written here with the library) exits 10 before its password is even read; a file
        // that is not an invitation exits 2.
        let start = UInt64(Date().timeIntervalSince1970) - 7200
        let old = try InvitationFile(
            invitation: Invitation(
                id: [UInt8](repeating: 3, count: 16), expiresAt: 0, userKey: Ed25519PrivateKey().publicKey, displayName: "Ursula", computerName: "u",
                endpoints: [SessionEndpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 9)]),
            password: try EasyConnectPassword(parsing: "BCDFGHJKMNPQ"), startUnixSeconds: start, lifetimeMinutes: 60)
        var entropy = SystemEntropy()
        let expiredPath = try scratch.file("old.MsRcIncident", try old.sealed(with: try InvitationFilePassword("tulip garden"), cost: Self.cheap, entropy: &entropy))
        let expired = try await refusal(try helper("expired", file: expiredPath, password: "tulip garden"))
        #expect(expired.status == 10 && expired.reason == "expired" && expired.code == "expired", "\(expired)")
        // A file valid for longer than this computer's maximum-invitation-lifetime: exit 13 with the setting,
        // before its password is read.
        let long = try InvitationFile(
            invitation: Invitation(
                id: [UInt8](repeating: 4, count: 16), expiresAt: 0, userKey: Ed25519PrivateKey().publicKey, displayName: "Ursula", computerName: "u",
                endpoints: [SessionEndpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 9)]),
            password: try EasyConnectPassword(parsing: "BCDFGHJKMNPQ"), startUnixSeconds: UInt64(Date().timeIntervalSince1970), lifetimeMinutes: 120)
        let longPath = try scratch.file("long.MsRcIncident", try long.sealed(with: try InvitationFilePassword("tulip garden"), cost: Self.cheap, entropy: &entropy))
        let policy = try scratch.file("policy.conf", Array("maximum-invitation-lifetime = 1h\n".utf8))
        let tooLong = try launch("too-long", ["help", "--file", longPath, "--file-password-stdin", "--policy-file", policy] + common("too-long", "Hector"))
        let refusedLong = try await refusal(tooLong)
        #expect(refusedLong.status == 13 && refusedLong.code == "not-allowed", "\(refusedLong) \(tooLong.report())")
        #expect(tooLong.output.contains { $0.string("message")?.contains("maximum-invitation-lifetime") == true })

        // A policy maximum that is not whole minutes (90 s): the file's default lifetime is rounded down to one
        // minute, not refused as an internal error.
        let ninety = try scratch.file("ninety.conf", Array("maximum-invitation-lifetime = 90s\n".utf8))
        let short = try launch(
            "short", ["invite", "--file", scratch.path + "/short", "--file-password-stdin", "--listen", "127.0.0.1", "--policy-file", ninety] + common("short", "Ursula"))
        #expect(short.sendLine("tulip garden"))
        let shortFile = try await short.waitFor("invitation-file", seconds: 30)
        let shortExpiry = try #require(shortFile.line.number("expires"))
        let nowSeconds = UInt64(Date().timeIntervalSince1970)
        #expect(shortExpiry > nowSeconds + 30 && shortExpiry <= nowSeconds + 61, "\(shortExpiry) vs \(nowSeconds)")
        short.kill9()

        let foreign = try await refusal(try helper("foreign", file: try scratch.file("notes.txt", Array("hello\n".utf8)), password: "tulip garden"))
        #expect(foreign.status == 2 && foreign.code == "invalid-file", "\(foreign)")
        #expect(user.output.allSatisfy { $0.event != "attempt-failed" && $0.event != "disconnected" }, "the User saw none of it: \(user.report())")

        // The right password: consent, connected, chat, disconnect.
        let hector = try helper("hector", file: path, password: "tulip garden")
        let consent = try await user.waitFor("consent-request", seconds: 30)
        #expect(consent.line.string("helper") == "Hector")
        #expect(user.send("accept"))
        _ = try await hector.waitFor("connected", seconds: 20)
        let connected = try await user.waitFor("connected", seconds: 20)
        #expect(connected.line.string("peer") == "Hector")
        #expect(hector.send("chat", ["text": .string("opened your file")]))
        let chat = try await user.waitFor("chat", seconds: 20)
        #expect(chat.line.string("text") == "opened your file")
        #expect(hector.send("disconnect"))
        #expect(try await hector.waitForExit(seconds: 20) == 0)
        #expect(try await user.waitForExit(seconds: 20) == 0)
        #expect(user.output.last?.string("reason") == "ended")
        for p in processes {
            let out = p.report()
            #expect(!out.contains("tulip"), "the file password was printed by \(p.name)")
        }
    }
}
