import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The built `easy-connect` executable: help texts, bad input before any network use, the key file, and one
/// invitation at a time. Sessions between two processes are tested elsewhere.
@Suite("easy-connect executable")
struct CLIProcessSmokeTests {
    /// Every stdout line as a JSON object with an `event` field (the --json contract).
    func events(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
            #expect(object["event"] is String, "no event field: \(line)")
            return object
        }
    }

    @Test("--help of every command explains it, with the exit codes")
    func helpTexts() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let root = try await EasyConnectProcess.run(["--help"], scratch: scratch)
        #expect(root.status == 0)
        for word in ["invite", "help", "identity", "Exit codes", "64"] { #expect(root.stdout.contains(word), "\(word)") }
        let invite = try await EasyConnectProcess.run(["invite", "--help"], scratch: scratch)
        #expect(invite.status == 0)
        for word in ["/panic", "/pause", "/grant", "--lifetime", "--consent-timeout", "12 another invitation", "Examples:"] {
            #expect(invite.stdout.contains(word), "invite --help lacks \(word)")
        }
        let help = try await EasyConnectProcess.run(["help", "--help"], scratch: scratch)
        #expect(help.status == 0)
        for word in ["/control", "/send", "EASY_CONNECT_PASSWORD", "--resolve-timeout", "6  wrong password"] {
            #expect(help.stdout.contains(word), "help --help lacks \(word)")
        }
        #expect(try await EasyConnectProcess.run(["help", "invite"], scratch: scratch).stdout.contains("--lifetime"))
        #expect(try await EasyConnectProcess.run(["identity", "--help"], scratch: scratch).status == 0)
    }

    @Test("A malformed password is refused with exit status 2 before any file or network is touched")
    func badPassword() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let data = scratch + "/data"
        let run = try await EasyConnectProcess.run(
            ["help", "--password", "0000 0000 0000", "--json", "--no-daemon", "--data-dir", data, "--address", "127.0.0.1"], scratch: scratch, seconds: 20)
        #expect(run.status == 2)
        let lines = try events(run.stdout)
        let error = try #require(lines.first { $0["event"] as? String == "error" })
        #expect(error["code"] as? String == "bad-password")
        #expect((error["message"] as? String)?.contains("never appears in Easy Connect passwords") == true)
        let last = try #require(lines.last)
        #expect(last["event"] as? String == "disconnected")
        #expect(last["reason"] as? String == "bad-input")
        #expect((last["exitStatus"] as? NSNumber)?.intValue == 2)
        #expect(!FileManager.default.fileExists(atPath: data))
        #expect(!run.stdout.contains("0000 0000 0000") && !run.stderr.contains("0000 0000 0000"))

        // The same from the environment, and without --json: one sentence on stderr, nothing on stdout.
        let text = try await EasyConnectProcess.run(["help", "--no-daemon", "--data-dir", data], scratch: scratch, environment: ["EASY_CONNECT_PASSWORD": "BCDF GHJK MN"], seconds: 20)
        #expect(text.status == 2)
        #expect(text.stdout.isEmpty)
        #expect(text.stderr.contains("the password has 10 letters and digits"))

        // --json without a password cannot ask for one.
        let none = try await EasyConnectProcess.run(["help", "--json", "--no-daemon", "--data-dir", data], scratch: scratch, seconds: 20)
        #expect(none.status == 2)
        #expect(try events(none.stdout).last?["exitStatus"] as? NSNumber == 2)
    }

    @Test("Usage errors exit with 64")
    func usageErrors() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for arguments in [["invite", "--lifetime", "0"], ["invite", "--lifetime", "1801"], ["invite", "--listen", "not-an-address"], ["help", "--seed", "x:y"], ["help", "BCDF"]] {
            #expect(try await EasyConnectProcess.run(arguments, scratch: scratch).status == 64, "\(arguments)")
        }
    }

    @Test("identity show creates the key once (mode 0600), and a corrupt key is moved aside with a warning")
    func identityFile() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let data = scratch + "/data"
        let first = try await EasyConnectProcess.run(["identity", "show", "--json", "--data-dir", data], scratch: scratch)
        #expect(first.status == 0)
        let shown = try #require(try events(first.stdout).first)
        let fingerprint = try #require(shown["fingerprint"] as? String)
        #expect(fingerprint.count == 40 && fingerprint.allSatisfy(\.isHexDigit))
        #expect(shown["contact"] as? String == fingerprint + ".RAContact")
        let attributes = try FileManager.default.attributesOfItem(atPath: data + "/identity.key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let again = try await EasyConnectProcess.run(["identity", "show", "--json", "--data-dir", data], scratch: scratch)
        #expect(try events(again.stdout).first?["fingerprint"] as? String == fingerprint)
        #expect(try await EasyConnectProcess.run(["identity", "create", "--data-dir", data], scratch: scratch).status == 2)

        try Data("not a key".utf8).write(to: URL(fileURLWithPath: data + "/identity.key"))
        let repaired = try await EasyConnectProcess.run(["identity", "show", "--json", "--data-dir", data], scratch: scratch)
        #expect(repaired.status == 0)
        #expect(repaired.stderr.contains("identity.key.corrupt-"))
        #expect(try events(repaired.stdout).first?["fingerprint"] as? String != fingerprint)
        let files = try FileManager.default.contentsOfDirectory(atPath: data)
        #expect(files.contains { $0.hasPrefix("identity.key.corrupt-") })
    }

    @Test("One invitation at a time: a second invite exits with 12; SIGTERM withdraws the first")
    func oneInvitationAtATime() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let data = scratch + "/data"
        let port = String(40_000 + Int(getpid() % 9_000))
        let common = ["--json", "--no-daemon", "--address", "127.0.0.1", "--data-dir", data, "--download-dir", scratch + "/downloads", "--log-level", "error"]
        let first = try EasyConnectProcess.start(["invite", "--listen", "127.0.0.1", "--node-port", port] + common, scratch: scratch)
        defer { first.kill9() }
        let invitation = try await first.waitForEvent("invitation", seconds: 40)
        let password = try #require(invitation["password"] as? String)
        #expect(password.count == 14 && password.split(separator: " ").count == 3)
        #expect((invitation["expires"] as? NSNumber)?.uint64Value ?? 0 > UInt64(Date().timeIntervalSince1970))
        _ = try await first.waitForEvent("status", seconds: 10)

        let second = try await EasyConnectProcess.run(["invite"] + common, scratch: scratch, seconds: 20)
        #expect(second.status == 12)
        let refusal = try #require(try events(second.stdout).last)
        #expect(refusal["reason"] as? String == "invitation-waiting")
        #expect((refusal["message"] as? String)?.contains("an invitation is already waiting (process \(first.process.processIdentifier), until") == true)

        kill(first.process.processIdentifier, SIGTERM)
        #expect(try await first.wait(seconds: 20) == 0)
        let last = try #require(try events(first.stdout).last)
        #expect(last["event"] as? String == "disconnected")
        #expect(last["reason"] as? String == "ended")
        #expect(try String(contentsOfFile: data + "/invitation.lock", encoding: .utf8).isEmpty)
    }
}
