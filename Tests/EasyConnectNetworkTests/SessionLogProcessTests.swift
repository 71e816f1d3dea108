import EasyConnect
import EasyConnectNetwork
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Session logs of the `easy-connect` command: kept by default, readable after a SIGKILL, listed and shown
/// by `easy-connect logs`, and not kept with `--no-session-log`.
@Suite("easy-connect session logs", .timeLimit(.minutes(3)))
struct SessionLogProcessTests {
    static func kinds(_ log: SessionLog) -> [String] {
        log.records.map { r in r.kind == .chatMessage ? "CHAT_MESSAGE(\(r[.direction] ?? "?"))" : r.kind.rawValue }
    }

    /// The only log of `directory`, once it holds `count` records (at most `seconds`).
    static func log(in directory: String, records count: Int, seconds: Double = 20) async throws -> SessionLog {
        var found: SessionLog?
        var seen = ""
        _ = await eventually(seconds) {
            let entries = (try? SessionLogFolder.entries(in: directory)) ?? []
            seen = entries.map { "\($0.fileName): \($0.log.map { kinds($0).joined(separator: ",") } ?? $0.problem ?? "")" }.joined(separator: "; ")
            found = entries.count == 1 ? entries[0].log : nil
            return (found?.records.count ?? 0) >= count
        }
        guard let found, found.records.count >= count else { throw TestFailure("no log with \(count) records in \(directory): \(seen)") }
        return found
    }

    @Test("Both processes killed with SIGKILL mid-session leave logs that parse and hold the records so far, in order; `logs` lists and shows them")
    func killedMidSession() async throws {
        let lab = try EasyConnectLab("log-kill")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let user = try lab.invite()
        let password = try await user.password()
        let helper = try lab.help(password)
        try await user.waitFor("consent-request")
        user.send("accept")
        try await user.waitFor("connected")
        try await helper.waitFor("connected")
        helper.send("chat", ["text": .string("Hello Ursula \u{1B}[31m<b>]]>")])
        try await user.waitFor("chat")
        user.send("chat", ["text": .string("Hi Hector")])
        try await helper.waitFor("chat")
        helper.send("request-control")
        try await user.waitFor("control-requested")
        user.send("grant-control")
        try await helper.waitFor("control-granted")

        let userLogs = lab.dataDirectory("user") + "/" + SessionLogWriter.directoryName
        let helperLogs = lab.dataDirectory("helper") + "/" + SessionLogWriter.directoryName
        let userExpected = [
            "INVITATION_CREATED", "INCOMING_IP_ADDRESS", "CONNECTION_ESTABLISHED", "CHAT_MESSAGE(received)", "CHAT_MESSAGE(sent)", "EXPERT_REQUEST_CONTROL",
            "EXPERT_GRANTED_CONTROL", "EXPERT_CONTROL_STARTED",
        ]
        let helperExpected = [
            "INVITATION_OPENED", "INCOMING_IP_ADDRESS", "CONNECTION_ESTABLISHED", "CHAT_MESSAGE(sent)", "CHAT_MESSAGE(received)", "EXPERT_REQUEST_CONTROL",
            "EXPERT_GRANTED_CONTROL", "EXPERT_CONTROL_STARTED",
        ]
        _ = try await Self.log(in: userLogs, records: userExpected.count)
        _ = try await Self.log(in: helperLogs, records: helperExpected.count)
        // Both stopped first, so that neither sees the other go before its own end.
        user.signal(SIGSTOP)
        helper.signal(SIGSTOP)
        user.kill9()
        helper.kill9()

        let userLog = try await Self.log(in: userLogs, records: 0, seconds: 0)
        let helperLog = try await Self.log(in: helperLogs, records: 0, seconds: 0)
        #expect(Self.kinds(userLog) == userExpected, "\(user.report())")
        #expect(Self.kinds(helperLog) == helperExpected, "\(helper.report()) \(helperLog.records.map { $0.event ?? "" }) USER \(user.report())")
        #expect(userLog.records[3].text == "Hector: Hello Ursula \\u{1b}[31m<b>]]>")
        #expect(helperLog.records[4].text == "Ursula: Hi Hector")
        #expect(userLog.peerName == "Hector" && helperLog.peerName == "Ursula")
        for directory in [userLogs, helperLogs] {
            #expect(((try? FileManager.default.attributesOfItem(atPath: directory))?[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            // A process killed while it replaced its log may leave the temporary file of that write behind
            // (`NAME.xml.tmp.*`): never read as a log, and the log itself is whole.
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.contains(".tmp.") }
            #expect(try SessionLogFolder.names(in: directory).count == 1)
            #expect(files.count == 1 && files[0].range(of: #"^\d{14}(-\d+)?\.xml$"#, options: .regularExpression) != nil, "\(files)")
            let mode = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + files[0]))?[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
        }

        // `easy-connect logs`: the list (a corrupt file reported, not removed), then one log shown.
        let corrupt = userLogs + "/20000101000000.xml"
        try Data("<SESSION ROLE=\"user\" VERSION=\"1\"".utf8).write(to: URL(fileURLWithPath: corrupt))
        let data = lab.dataDirectory("user")
        let list = try await EasyConnectProcess.run(["logs", "--json", "--data-dir", data], scratch: lab.scratch.path)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2, "\(list.stdout)")
        #expect(lines.first?["role"] as? String == "user" && lines.first?["peer"] as? String == "Hector")
        #expect((lines.first?["records"] as? NSNumber)?.intValue == userExpected.count)
        #expect(lines.last?["file"] as? String == "20000101000000.xml" && (lines.last?["problem"] as? String)?.contains("malformed XML") == true, "\(list.stdout)")
        #expect(FileManager.default.fileExists(atPath: corrupt))
        let human = try await EasyConnectProcess.run(["logs", "--data-dir", data], scratch: lab.scratch.path)
        #expect(human.status == 0 && human.stdout.contains("Hector") && human.stdout.contains("unreadable: malformed XML"), "\(human.stdout)")

        let shown = try await EasyConnectProcess.run(["logs", "show", "latest", "--data-dir", data], scratch: lab.scratch.path)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("CHAT_MESSAGE") && shown.stdout.contains("Hector: Hello Ursula \\u{1b}[31m<b>]]>"), "\(shown.stdout)")
        #expect(!shown.stdout.contains("\u{1B}"), "nothing from the network reaches the terminal raw")
        let json = try await EasyConnectProcess.run(["logs", "show", "latest", "--json", "--data-dir", data], scratch: lab.scratch.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        #expect((object["records"] as? [[String: Any]])?.map { $0["kind"] as? String ?? "" }.count == userExpected.count)
        let bad = try await EasyConnectProcess.run(["logs", "show", "20000101000000", "--data-dir", data], scratch: lab.scratch.path)
        #expect(bad.status == 2 && bad.stderr.contains("not a readable session log"), "\(bad.stderr)")
        let missing = try await EasyConnectProcess.run(["logs", "show", "19990101000000", "--data-dir", data], scratch: lab.scratch.path)
        #expect(missing.status == 2 && missing.stderr.contains("easy-connect logs"), "\(missing.stderr)")
    }

    @Test("--no-session-log keeps no log; without it even a failed attempt is logged")
    func optOut() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let port = String(41_000 + Int(getpid() % 9_000))
        for keep in [false, true] {
            let data = scratch + (keep ? "/kept" : "/off")
            let arguments =
                ["help", "--json", "--no-daemon", "--address", "127.0.0.1", "--node-port", port, "--resolve-timeout", "1", "--data-dir", data, "--download-dir", scratch + "/d", "--log-level", "error"]
                + (keep ? [] : ["--no-session-log"])
            let run = try await EasyConnectProcess.run(arguments, scratch: scratch, environment: ["EASY_CONNECT_PASSWORD": "BCDF GHJK MNPQ"], seconds: 60)
            #expect(run.status != 0 && run.status != 1 && run.status != 2, "\(run.stdout) \(run.stderr)")
            let logs = data + "/" + SessionLogWriter.directoryName
            if keep {
                let entries = try SessionLogFolder.entries(in: logs)
                #expect(entries.count == 1 && entries[0].log?.role == .helper, "\(entries.map { $0.problem ?? "" })")
                #expect(entries.first?.log?.records.last?.kind == .connectionEnded)
            } else {
                #expect(!FileManager.default.fileExists(atPath: logs))
            }
        }
    }

    @Test("The settings turn logging off; a policy that turns it on refuses --no-session-log (exit 13)")
    func settingsDecide() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let port = String(42_000 + Int(getpid() % 9_000))
        let off = scratch + "/off.conf", on = scratch + "/on.conf"
        try "session-logging = no\n".write(toFile: off, atomically: true, encoding: .utf8)
        try "session-logging = yes\n".write(toFile: on, atomically: true, encoding: .utf8)
        for (name, environment, extra, status) in [
            ("by-settings", ["EASY_CONNECT_SETTINGS": off], [String](), nil as Int32?), ("by-policy", ["EASY_CONNECT_POLICY": on], ["--no-session-log"], 13),
        ] {
            let data = scratch + "/" + name
            let arguments =
                ["help", "--json", "--no-daemon", "--address", "127.0.0.1", "--node-port", port, "--resolve-timeout", "1", "--data-dir", data, "--download-dir", scratch + "/d", "--log-level", "error"]
                + extra
            var env = environment
            env["EASY_CONNECT_PASSWORD"] = "BCDF GHJK MNPQ"
            let run = try await EasyConnectProcess.run(arguments, scratch: scratch, environment: env, seconds: 60)
            if let status {
                #expect(run.status == status && run.stdout.contains("session-logging"), "\(run.stdout) \(run.stderr)")
            } else {
                #expect(run.status == 3 || run.status == 5, "\(run.stdout) \(run.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: data + "/" + SessionLogWriter.directoryName), "\(name)")
        }
    }
}

/// The help texts of the logs commands.
@Suite("easy-connect logs --help")
struct SessionLogHelpTests {
    @Test("logs, logs show and the session commands explain session logs with examples and the exit codes")
    func helpTexts() async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for (arguments, words) in [
            (["logs", "--help"], ["Remote Assistance Logs", "YYYYMMDDHHMMSS.xml", "Examples:", "logs show latest", "Exit codes"]),
            (["logs", "show", "--help"], ["latest", "--json", "--data-dir", "Examples:"]),
            (["invite", "--help"], ["--no-session-log"]),
            (["help", "--help"], ["--no-session-log"]),
            (["--help"], ["logs"]),
        ] {
            let run = try await EasyConnectProcess.run(arguments, scratch: scratch)
            #expect(run.status == 0, "\(arguments)")
            for word in words { #expect(run.stdout.contains(word), "\(arguments.joined(separator: " ")) lacks \(word)") }
        }
        let empty = try await EasyConnectProcess.run(["logs", "--data-dir", scratch + "/nothing-here"], scratch: scratch)
        #expect(empty.status == 0 && empty.stdout.contains("No session logs"), "\(empty.stdout) \(empty.stderr)")
        let none = try await EasyConnectProcess.run(["logs", "show", "latest", "--json", "--data-dir", scratch + "/nothing-here"], scratch: scratch)
        #expect(none.status == 2 && none.stdout.contains("no-log"), "\(none.stdout)")
    }
}
