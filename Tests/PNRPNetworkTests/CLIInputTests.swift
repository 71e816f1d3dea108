import Foundation
import PNRP
import PNRPNetwork
import Testing

/// What `pnrp` and `pnrp-sim` do with input a person gets wrong: every refusal says what to change, and its
/// exit code is the one the README's table gives (2 for a bad value wherever it is given, 64 for a command
/// line of the wrong shape). None of these needs a running node.
@Suite("pnrp CLI: bad input and exit codes", .serialized, .timeLimit(.minutes(2)))
struct CLIInputTests {
    let binary: URL
    let scratch: String

    init() throws {
        binary = try DaemonCluster.locateBinary()
        scratch = FileManager.default.temporaryDirectory.path + "/pnrp-cli-input-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runBounded(binary, arguments, scratch: scratch)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: scratch) }

    @Test("An argument that is not UTF-8 is refused with exit 2, naming the byte; it is never replaced by U+FFFD")
    func nonUTF8ArgumentRefused() async throws {
        defer { cleanup() }
        // Foundation passes arguments as UTF-8, so the shell makes the byte.
        for arguments in [#"id "$(printf '0.\377')""#, #"register "$(printf '0.caf\351')" --state-dir /nonexistent"#, #"id 0.x --json "$(printf '\300\200')""#] {
            let r = try await runBounded(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec \"$0\" " + arguments, binary.path], scratch: scratch)
            #expect(r.status == 2, "\(arguments): \(r)")
            #expect(r.stdout.isEmpty && !r.stdout.contains("\u{FFFD}"), "\(r.stdout)")
            #expect(r.stderr.contains("is not UTF-8 text (byte 0x"), "\(r.stderr)")
        }
        let r = try await runBounded(URL(fileURLWithPath: "/bin/sh"), ["-c", #"exec "$0" id "$(printf '0.\377')""#, binary.path], scratch: scratch)
        #expect(r.stderr.contains(#"argument 2 '0.\x{ff}'"#), "\(r.stderr)")
    }

    @Test("Exit codes follow the README: a bad value is 2 as an option and in a config file; a wrong command line is 64; no command is 64 with the help")
    func exitCodes() async throws {
        defer { cleanup() }
        let config = scratch + "/node.conf"
        try "log-level = loud\n".write(toFile: config, atomically: true, encoding: .utf8)
        let cases: [([String], Int32, String)] = [
            (["node", "--log-level", "loud"], 2, "--log-level must be one of"),
            (["node", "--config", config], 2, "log-level must be one of"),
            (["node", "--port", "0"], 2, "--port must be 1-65535"),
            (["node", "--port", "70000"], 2, "'70000' is invalid for '--port"),
            (["register", "0.x", "--port", "abc"], 2, "'abc' is invalid for '--port"),
            (["register", "0.x", "--transport", "sctp"], 2, "--transport must be tcp or udp"),
            (["resolve", "0.x", "--timeout", "0"], 2, "--timeout must be"),
            (["unregister", ""], 2, "is not a peer name"),
            (["unregister", "no-dot"], 2, "is not a peer name"),
            (["status", "--state-dir", ""], 2, "--state-dir is empty"),
            (["identity", "show", "--state-dir", ""], 2, "--state-dir is empty"),
            (["node", "--state-dir", ""], 2, "--state-dir is empty"),
            (["register", "0.x", "--bogus"], 64, "Unknown option '--bogus'"),
            (["register"], 64, "Missing expected argument"),
            (["frobnicate"], 64, "Unexpected argument 'frobnicate'"),
            ([], 64, "USAGE: pnrp <subcommand>"),
        ]
        for (arguments, status, message) in cases {
            let r = try await run(arguments)
            #expect(r.status == status, "\(arguments): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        // pnrp-sim, next to pnrp, does the same without a command.
        let sim = binary.deletingLastPathComponent().appendingPathComponent("pnrp-sim")
        let r = try await runBounded(sim, [], scratch: scratch)
        #expect(r.status == 64 && r.stderr.contains("USAGE: pnrp-sim <subcommand>"), "\(r)")
        // The table in `pnrp --help` says so.
        let help = try await run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("as an option or in a") && help.stdout.contains("64 usage error (no command"), "\(help.stdout)")
    }

    @Test("--payload: the help gives the CPA's real limit, an empty or too long text is refused before the node is asked")
    func payloadLimits() async throws {
        defer { cleanup() }
        let limit = CPA.maximumFriendlyNameBytes
        #expect(limit == 78)
        let help = try await run(["register", "--help"])
        #expect(help.stdout.contains("1 to \(limit) bytes of UTF-8"), "\(help.stdout)")
        #expect(!help.stdout.contains("255"))
        // Refused by the command itself: no node runs for this state directory (that would be exit 5).
        let dir = ["--state-dir", scratch + "/none"]
        let empty = try await run(["register", "0.x", "--payload", ""] + dir)
        #expect(empty.status == 2 && empty.stderr.contains("--payload is empty") && empty.stderr.contains("leave --payload out"), "\(empty.stderr)")
        #expect(!empty.stderr.contains("friendly name has 0 bytes encoded"))
        let long = try await run(["register", "0.x", "--payload", String(repeating: "é", count: 40)] + dir)
        #expect(long.status == 2 && long.stderr.contains("has 80 bytes of UTF-8 (40 characters)") && long.stderr.contains("at most \(limit) bytes"), "\(long.stderr)")
        // The limit itself passes the command's checks (and reaches the node: none runs here).
        #expect(try await run(["register", "0.x", "--payload", String(repeating: "a", count: limit)] + dir).status == 5)
    }

    @Test("register --secured takes a classifier: a whole peer name is refused with the two commands that work; the help's examples can work")
    func securedNeedsClassifier() async throws {
        defer { cleanup() }
        let dir = ["--state-dir", scratch + "/none"]
        let unsecured = try await run(["register", "0.printer", "--secured"] + dir)
        #expect(unsecured.status == 2, "\(unsecured)")
        #expect(unsecured.stderr.contains("`pnrp register printer --secured`") && unsecured.stderr.contains("`pnrp register 0.printer` (without --secured)"), "\(unsecured.stderr)")
        let secured = try await run(["register", String(repeating: "ab", count: 20) + ".chat", "--secured"] + dir)
        #expect(secured.status == 2 && secured.stderr.contains("is already a secured peer name"), "\(secured.stderr)")
        // A classifier with dots of its own is still a classifier.
        #expect(try await run(["register", "my.chat", "--secured"] + dir).status == 5)

        // `register printer --secured` then `resolve 0.printer` cannot work: the docs no longer show it.
        let help = try await run(["--help"]).stdout + (try await run(["register", "--help"]).stdout)
        #expect(!help.contains("register printer --secured"), "\(help)")
        #expect(help.contains(#"pnrp resolve "$(pnrp identity show --authority).chat""#), "\(help)")
        let readme = try String(contentsOfFile: Self.packageRoot + "/README.md", encoding: .utf8)
        #expect(!readme.contains("register printer --secured"))
    }

    /// The package's root directory.
    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
