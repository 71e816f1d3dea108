import EasyConnectNetwork
import Foundation
import Testing

/// `easy-connect settings` and the settings as `invite` and `help` enforce them before any file or network
/// is touched (the view-only session is in `ViewOnlySessionTests`).
@Suite("easy-connect settings")
struct CLISettingsTests {
    /// Every stdout line as a JSON object.
    func objects(_ stdout: String) throws -> [[String: JSONValue]] {
        try stdout.split(separator: "\n").map { line in
            guard case .object(let o)? = JSONValue.parse(String(line)) else { throw TestFailure("not a JSON object: \(line)") }
            return o
        }
    }

    func setting(_ object: [String: JSONValue], _ key: String) throws -> [String: JSONValue] {
        guard case .object(let settings)? = object["settings"], case .object(let one)? = settings[key] else { throw TestFailure("no \(key) in \(object)") }
        return one
    }

    @Test("settings --json shows every value with its source, from files named by the environment; the policy wins")
    func showJSON() async throws {
        let scratch = try Scratch("cli-settings-show")
        defer { scratch.remove() }
        let user = try scratch.file("settings.conf", Array("# mine\nconsent-timeout = 90\nbandwidth = none\n".utf8))
        let policy = try scratch.file("policy.conf", Array("control = view-only\n\nconsent-timeout = 30\n".utf8))
        let run = try await EasyConnectProcess.run(["settings", "--json"], scratch: scratch.path, environment: ["EASY_CONNECT_SETTINGS": user, "EASY_CONNECT_POLICY": policy])
        #expect(run.status == 0, "\(run.stderr)")
        let all = try objects(run.stdout)
        #expect(all.count == 1)
        let shown = try #require(all.first)
        #expect(shown["event"]?.stringValue == "settings")
        let control = try setting(shown, "control")
        #expect(control["value"] == .string("view-only") && control["source"] == .string("policy"))
        #expect(control["file"] == .string(policy) && control["line"]?.wholeNumber == 1)
        let consent = try setting(shown, "consent-timeout")
        #expect(consent["value"]?.wholeNumber == 30 && consent["source"] == .string("policy") && consent["line"]?.wholeNumber == 3)
        guard case .object(let overridden)? = consent["overridden"] else { throw TestFailure("consent-timeout not marked overridden: \(consent)") }
        #expect(overridden["value"]?.wholeNumber == 90 && overridden["file"] == .string(user) && overridden["line"]?.wholeNumber == 2)
        let bandwidth = try setting(shown, "bandwidth")
        #expect(bandwidth["value"] == .string("none") && bandwidth["source"] == .string("user") && bandwidth["line"]?.wholeNumber == 3)
        let lifetime = try setting(shown, "maximum-invitation-lifetime")
        #expect(lifetime["value"]?.wholeNumber == 21_600 && lifetime["text"] == .string("6h") && lifetime["source"] == .string("default"))
        #expect(try setting(shown, "allow-solicited-help")["value"] == .bool(true))
        #expect(try setting(shown, "offers-allowed-from")["value"] == .array([]))
        guard case .object(let files)? = shown["files"], case .object(let policyFile)? = files["policy"] else { throw TestFailure("no files: \(shown)") }
        #expect(policyFile["path"] == .string(policy) && policyFile["present"] == .bool(true) && policyFile["explicit"] == .bool(true))
        guard case .array(let warnings)? = shown["warnings"] else { throw TestFailure("no warnings: \(shown)") }
        #expect(warnings.count == 1 && warnings.first?.stringValue?.contains("has no effect") == true)

        // The same for people, and --policy-file beats the variable.
        let text = try await EasyConnectProcess.run(["settings", "--policy-file", "/dev/null"], scratch: scratch.path, environment: ["EASY_CONNECT_SETTINGS": user, "EASY_CONNECT_POLICY": policy])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Policy:        /dev/null (0 settings)"), "\(text.stdout)")
        #expect(text.stdout.contains("consent-timeout              90 seconds  settings file \(user):2"), "\(text.stdout)")
        #expect(text.stdout.contains("control                      full"), "\(text.stdout)")
    }

    @Test("The user file is found in $XDG_CONFIG_HOME/easy-connect/settings.conf when no variable names one")
    func standardPlace() async throws {
        let scratch = try Scratch("cli-settings-xdg")
        defer { scratch.remove() }
        let config = try scratch.directory("config/easy-connect")
        let user = try scratch.file("config/easy-connect/settings.conf", Array("session-logging = no\n".utf8))
        _ = config
        let run = try await EasyConnectProcess.run(["settings", "--json"], scratch: scratch.path, environment: ["EASY_CONNECT_SETTINGS": "", "XDG_CONFIG_HOME": scratch.path + "/config"])
        #expect(run.status == 0, "\(run.stderr)")
        let logging = try setting(try #require(try objects(run.stdout).first), "session-logging")
        #expect(logging["value"] == .bool(false) && logging["source"] == .string("user") && logging["file"] == .string(user))
    }

    @Test("settings check: 0 and what it sets for a valid file; 2 and every error with its line for an invalid one")
    func check() async throws {
        let scratch = try Scratch("cli-settings-check")
        defer { scratch.remove() }
        let good = try scratch.file("good.conf", Array("\u{FEFF}# ok\r\ncontrol = view-only\r\n".utf8))
        let valid = try await EasyConnectProcess.run(["settings", "check", good], scratch: scratch.path)
        #expect(valid.status == 0)
        #expect(valid.stdout.contains("valid; it sets control = view-only (line 2)"), "\(valid.stdout)")

        let badText = Array("control = partial\nfoo = 1\n\nconsent-timeout = 300\n".utf8)
        let bad = try scratch.file("bad.conf", badText)
        let invalid = try await EasyConnectProcess.run(["settings", "check", bad], scratch: scratch.path)
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("\(bad):1: control = partial: not an allowed value; use full or view-only"), "\(invalid.stderr)")
        #expect(invalid.stderr.contains("\(bad):2: foo: unknown key"))
        #expect(invalid.stderr.contains("\(bad):4: consent-timeout = 300: above the maximum 120 seconds; use 10 to 120"))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: bad))) == badText, "checking never rewrites the file")

        let json = try await EasyConnectProcess.run(["settings", "check", "--json", bad], scratch: scratch.path)
        #expect(json.status == 2)
        let result = try #require(try objects(json.stdout).first)
        #expect(result["event"] == .string("settings-check") && result["valid"] == .bool(false) && result["file"] == .string(bad))
        guard case .array(let errors)? = result["errors"] else { throw TestFailure("no errors: \(result)") }
        let lines = errors.compactMap { if case .object(let o) = $0 { o["line"]?.wholeNumber } else { nil } }
        #expect(lines == [1, 2, 4])

        let missing = try await EasyConnectProcess.run(["settings", "check", scratch.path + "/none.conf"], scratch: scratch.path)
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
    }

    @Test("An invalid settings file stops invite and help with exit 2 naming file:line:key; nothing is created or rewritten")
    func invalidFileStopsCommands() async throws {
        let scratch = try Scratch("cli-settings-invalid")
        defer { scratch.remove() }
        let text = Array("# policy\ncontrol = view-only\n\n\n\n\nconsent-timeout = 300\n".utf8)
        let policy = try scratch.file("policy.conf", text)
        let data = scratch.path + "/data"
        let common = ["--json", "--no-daemon", "--address", "127.0.0.1", "--data-dir", data]
        let invite = try await EasyConnectProcess.run(["invite"] + common, scratch: scratch.path, environment: ["EASY_CONNECT_POLICY": policy], seconds: 20)
        #expect(invite.status == 2)
        let events = try objects(invite.stdout)
        let error = try #require(events.first)
        #expect(error["event"] == .string("error") && error["code"] == .string("bad-settings"))
        #expect(error["file"] == .string(policy) && error["line"]?.wholeNumber == 7 && error["key"] == .string("consent-timeout"))
        #expect(error["message"]?.stringValue?.contains("\(policy):7: consent-timeout = 300: above the maximum 120 seconds; use 10 to 120") == true, "\(error)")
        #expect(events.last?["event"] == .string("disconnected") && events.last?["reason"] == .string("bad-input"))
        #expect(events.last?["exitStatus"]?.wholeNumber == 2)

        // Without --json: one sentence on stderr, with the place.
        let plain = try await EasyConnectProcess.run(["invite", "--no-daemon", "--data-dir", data, "--settings-file", policy], scratch: scratch.path, seconds: 20)
        #expect(plain.status == 2)
        #expect(plain.stderr.contains("\(policy):7: consent-timeout = 300"), "\(plain.stderr)")

        let help = try await EasyConnectProcess.run(
            ["help", "--password", "BCDF GHJK MNPQ"] + common, scratch: scratch.path, environment: ["EASY_CONNECT_SETTINGS": policy], seconds: 20)
        #expect(help.status == 2)
        #expect(try objects(help.stdout).first?["key"] == .string("consent-timeout"))

        #expect(!FileManager.default.fileExists(atPath: data), "nothing was created")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: policy))) == text, "the file is kept as it was")
    }

    @Test("invite refuses with 13 when the settings forbid asking for help, or an option asks for more than they allow")
    func notAllowed() async throws {
        let scratch = try Scratch("cli-settings-not-allowed")
        defer { scratch.remove() }
        let data = scratch.path + "/data"
        let common = ["--json", "--no-daemon", "--address", "127.0.0.1", "--data-dir", data]
        let off = try scratch.file("off.conf", Array("allow-solicited-help = no\n".utf8))
        let refused = try await EasyConnectProcess.run(["invite"] + common, scratch: scratch.path, environment: ["EASY_CONNECT_POLICY": off], seconds: 20)
        #expect(refused.status == 13)
        let events = try objects(refused.stdout)
        #expect(events.first?["code"] == .string("not-allowed") && events.first?["key"] == .string("allow-solicited-help"))
        let message = events.last?["message"]?.stringValue ?? ""
        #expect(message.contains("asking for help is turned off") && message.contains("\(off):1") && message.contains("administrator"), "\(message)")
        #expect(events.last?["reason"] == .string("not-allowed") && events.last?["exitStatus"]?.wholeNumber == 13)
        // A user file may turn it off too; then it is named as theirs.
        let mine = try await EasyConnectProcess.run(["invite", "--no-daemon", "--data-dir", data], scratch: scratch.path, environment: ["EASY_CONNECT_SETTINGS": off], seconds: 20)
        #expect(mine.status == 13 && mine.stderr.contains("your settings file \(off):1"), "\(mine.stderr)")

        let short = try scratch.file("short.conf", Array("maximum-invitation-lifetime = 10m\nconsent-timeout = 30\n".utf8))
        let lifetime = try await EasyConnectProcess.run(["invite", "--lifetime", "601"] + common, scratch: scratch.path, environment: ["EASY_CONNECT_POLICY": short], seconds: 20)
        #expect(lifetime.status == 13)
        #expect(try objects(lifetime.stdout).last?["message"]?.stringValue?.contains("use at most 600") == true, "\(lifetime.stdout)")
        let consent = try await EasyConnectProcess.run(["invite", "--consent-timeout", "31"] + common, scratch: scratch.path, environment: ["EASY_CONNECT_POLICY": short], seconds: 20)
        #expect(consent.status == 13)
        #expect(try objects(consent.stdout).first?["key"] == .string("consent-timeout"))
        #expect(!FileManager.default.fileExists(atPath: data), "refused before the data directory was created")

        // A usage error is still a usage error, whatever the settings.
        #expect(try await EasyConnectProcess.run(["invite", "--consent-timeout", "0"], scratch: scratch.path).status == 64)
    }

    @Test("--help documents the settings: the format with an example, the places, exit code 13")
    func helpTexts() async throws {
        let scratch = try Scratch("cli-settings-help")
        defer { scratch.remove() }
        let settings = try await EasyConnectProcess.run(["settings", "--help"], scratch: scratch.path)
        #expect(settings.status == 0)
        for word in ["/etc/easy-connect/policy.conf", "EASY_CONNECT_SETTINGS", "XDG_CONFIG_HOME", "key = value", "Example file:", "consent-timeout = 60",
                     "view-only", "policy wins key by key", "13 not allowed"] {
            #expect(settings.stdout.contains(word), "settings --help lacks \(word)")
        }
        let root = try await EasyConnectProcess.run(["--help"], scratch: scratch.path)
        #expect(root.stdout.contains("easy-connect settings"))
        let invite = try await EasyConnectProcess.run(["invite", "--help"], scratch: scratch.path)
        for word in ["--settings-file", "--policy-file", "allow-solicited-help", "13 not allowed"] { #expect(invite.stdout.contains(word), "invite --help lacks \(word)") }
        #expect(try await EasyConnectProcess.run(["settings", "check", "--help"], scratch: scratch.path).stdout.contains("FILE:LINE"))
        #expect(try await EasyConnectProcess.run(["help", "settings"], scratch: scratch.path).stdout.contains("Example file:"))
    }
}
