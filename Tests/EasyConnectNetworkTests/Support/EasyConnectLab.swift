import EasyConnect
import EasyConnectNetwork
import Foundation
import PeerCrypto
import Testing
import PNRP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the end-to-end tests of the `easy-connect` command run: `pnrp node` daemons on loopback addresses of
/// their own, and `easy-connect invite` / `easy-connect help` processes in `--json` mode using them, all under
/// one scratch directory. `cleanup()` kills every process still running and removes the directory; call it
/// in a `defer` right after creating the lab.
final class EasyConnectLab: @unchecked Sendable {
    /// One `pnrp node`.
    struct Node {
        let index: Int
        let address: String
        let port: UInt16
        let directory: String
        let process: JSONLineProcess
        var endpoint: String { "\(address):\(port)" }
    }

    let scratch: Scratch
    let easyConnect: URL
    let pnrp: URL
    private(set) var nodes: [Node] = []
    private let lock = NSLock()
    private var processes: [JSONLineProcess] = []

    /// Loopback addresses handed out to the labs of this test process: 127.0.0.40 to 127.0.0.99, which no
    /// other test uses, a set of its own for each lab, so that labs may run at the same time.
    private static let nextAddress = Locked(40)
    /// The UDP port of every daemon: below the ephemeral range, and apart from other runs of the suite on the
    /// same machine (each daemon has an address of its own, so one port serves them all).
    static let port = UInt16(20_000 + Int(getpid() % 10_000))

    init(_ label: String) throws {
        easyConnect = try EasyConnectProcess.binary()
        pnrp = try Daemon.binary()
        scratch = try Scratch(label, in: Self.scratchRoot)
    }

    /// Where labs keep their files: /dev/shm when it is there (memory: the 100 MB files, the received copies,
    /// the processes' output and state), so that no line a process prints waits behind a journal commit of the
    /// disk that other tests keep busy; else the temporary directory.
    static let scratchRoot: String = {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue,
            FileManager.default.isWritableFile(atPath: "/dev/shm")
        {
            return "/dev/shm/"
        }
        return NSTemporaryDirectory()
    }()

    // MARK: - Daemons

    /// Starts `count` daemons (`--no-link-local --no-multicast`): the first is the seed and registers a
    /// secured name before the others join it, so that they find an entry to cache; returns once every
    /// joiner's `pnrp clouds --json` says `active`.
    func startDaemons(_ count: Int) async throws {
        // Round the range again when it is used up (repeated runs): by then the labs that had those are gone.
        let first = Self.nextAddress.withLock { next -> Int in
            if next + count > 100 { next = 40 }
            defer { next += count }
            return next
        }
        for i in 0..<count {
            let address = "127.0.0.\(first + i)"
            let directory = try scratch.directory("pnrp-\(i)")
            var arguments = [
                "node", "--address", address, "--port", String(Self.port), "--state-dir", directory, "--no-link-local", "--no-multicast",
                "--log-level", "warning",
            ]
            if i > 0 { arguments += ["--seed", nodes[0].endpoint] }
            let process = try launch("pnrp-node-\(i)", pnrp, arguments)
            nodes.append(Node(index: i, address: address, port: Self.port, directory: directory, process: process))
            try await process.waitForText("pnrp node ready:", seconds: 20)
            if i == 0 {
                let registered = try await pnrpRun(["register", "lab-seed", "--secured", "--state-dir", directory])
                guard registered.status == 0 else { throw TestFailure("pnrp register on the seed: \(registered.stderr)") }
            }
        }
        for node in nodes.dropFirst() {
            let end = ContinuousClock.now + .seconds(30)
            while try await !clouds(node).contains(where: { $0["state"]?.stringValue == "active" }) {
                guard ContinuousClock.now < end else { throw TestFailure("pnrp node \(node.index) did not become active within 30 s\n\(node.process.report())") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Runs `pnrp arguments` to completion (bounded).
    func pnrpRun(_ arguments: [String], seconds: Double = 20) async throws -> (status: Int32, stdout: String, stderr: String)  {
        try await EasyConnectProcess.run(executable: pnrp, arguments, scratch: scratch.path, seconds: seconds)
    }

    /// The clouds of `node` as `pnrp clouds --json` lists them.
    func clouds(_ node: Node) async throws -> [[String: JSONValue]] {
        let run = try await pnrpRun(["clouds", "--json", "--state-dir", node.directory])
        guard run.status == 0, case .array(let items)? = JSONValue.parse(run.stdout) else { return [] }
        return items.compactMap { if case .object(let o) = $0 { o } else { nil } }
    }

    /// Names registered on `node` now, over its clouds.
    func registrations(_ node: Node) async throws -> UInt64 {
        try await clouds(node).reduce(0) { $0 + ($1["registrations"]?.wholeNumber ?? 0) }
    }

    /// Whether the names registered on `node` come to number `count` within `seconds` (a revocation reaches
    /// the node a moment after the command that asked for it moves on, or exits).
    func registrations(_ node: Node, become count: UInt64, seconds: Double = 10) async throws -> Bool {
        try await eventually(seconds) { try await registrations(node) == count }
    }

    // MARK: - easy-connect

    /// Starts a process and keeps it for `cleanup()`.
    func launch(_ name: String, _ executable: URL, _ arguments: [String], environment extra: [String: String] = [:]) throws -> JSONLineProcess {
        let process = try JSONLineProcess(
            name: name, executable: executable, arguments: arguments, environment: EasyConnectProcess.environment(extra), scratch: scratch.path)
        lock.withLock { processes.append(process) }
        return process
    }

    /// The processes started so far whose name begins with `prefix`, in the order they were started.
    func processes(named prefix: String) -> [JSONLineProcess] {
        lock.withLock { processes.filter { $0.name.hasPrefix(prefix) } }
    }

    /// The data directory of `role` (`user`, `helper`, `helper-2` …).
    func dataDirectory(_ role: String) -> String { scratch.path + "/\(role)-data" }
    /// The download directory of `role`.
    func downloadDirectory(_ role: String) -> String { scratch.path + "/\(role)-downloads" }

    /// The daemon the User publishes through: the first joiner of three, else the seed.
    var userNode: Int { nodes.count >= 3 ? 1 : 0 }
    /// The daemon Helpers look up through: the last one.
    var helperNode: Int { nodes.count - 1 }

    /// `easy-connect invite --json --listen 127.0.0.1` for the User named "Ursula", publishing through daemon
    /// `node` (default `userNode`).
    func invite(node: Int? = nil, role: String = "user", _ extra: [String] = []) throws -> JSONLineProcess {
        try launch(
            role, easyConnect,
            ["invite", "--json", "--listen", "127.0.0.1", "--pnrp-state-dir", nodes[node ?? userNode].directory, "--data-dir", dataDirectory(role),
             "--download-dir", downloadDirectory(role), "--name", "Ursula", "--computer-name", "ursula-pc"] + extra)
    }

    /// `easy-connect help --json` with `password` in `EASY_CONNECT_PASSWORD`, looking up through daemon `node`
    /// (default `helperNode`).
    func help(_ password: String, node: Int? = nil, role: String = "helper", name: String = "Hector", _ extra: [String] = []) throws -> JSONLineProcess {
        try launch(
            role, easyConnect,
            ["help", "--json", "--pnrp-state-dir", nodes[node ?? helperNode].directory, "--data-dir", dataDirectory(role), "--download-dir", downloadDirectory(role),
             "--name", name, "--computer-name", "\(name.lowercased())-pc", "--resolve-timeout", "5"] + extra,
            environment: ["EASY_CONNECT_PASSWORD": password])
    }

    /// `easy-connect help --json --contact address`: contact help, no password.
    func helpContact(_ address: String, node: Int? = nil, role: String = "helper", name: String = "Hector", _ extra: [String] = []) throws -> JSONLineProcess {
        try launch(
            role, easyConnect,
            ["help", "--json", "--contact", address, "--pnrp-state-dir", nodes[node ?? helperNode].directory, "--data-dir", dataDirectory(role),
             "--download-dir", downloadDirectory(role), "--name", name, "--computer-name", "\(name.lowercased())-pc", "--resolve-timeout", "5"] + extra)
    }

    /// The fingerprint of `role`'s key, as `easy-connect identity show --json` prints it.
    func fingerprint(_ role: String) async throws -> String  {
        let run = try await EasyConnectProcess.run(executable: easyConnect, ["identity", "show", "--json", "--data-dir", dataDirectory(role)], scratch: scratch.path)
        guard case .object(let o)? = JSONValue.parse(String(run.stdout.split(separator: "\n").first ?? "")), let f = o["fingerprint"]?.stringValue else {
            throw TestFailure("identity show: \(run.stdout) \(run.stderr)")
        }
        return f
    }

    /// Kills whatever still runs (processes first, then daemons) and removes the scratch directory.
    func cleanup() {
        let all = lock.withLock { processes }
        for p in all.reversed() where p.isRunning { p.kill9() }
        for p in all { p.kill9() }
        scratch.remove()
    }
}

// MARK: - Passwords

/// Password texts derived from a real one.
enum PasswordText {
    /// The 12 characters without spaces.
    static func plain(_ grouped: String) -> [Character] { Array(grouped.filter { $0 != " " }) }

    /// The same leading part with every character of the rest changed (`shift` steps along the alphabet).
    static func wrongRest(_ grouped: String, shift: Int = 1) -> String {
        let p = plain(grouped)
        return String(p.prefix(EasyConnectPassword.rendezvousLength)) + String(p.dropFirst(EasyConnectPassword.rendezvousLength).map { shifted($0, shift) })
    }

    /// Every character of the leading part changed, the rest kept.
    static func wrongLead(_ grouped: String) -> String {
        let p = plain(grouped)
        return String(p.prefix(EasyConnectPassword.rendezvousLength).map { shifted($0, 1) }) + String(p.dropFirst(EasyConnectPassword.rendezvousLength))
    }

    private static func shifted(_ c: Character, _ by: Int) -> Character {
        let a = EasyConnectPassword.alphabet
        let i = a.firstIndex(of: c) ?? 0
        return a[(i + by) % a.count]
    }
}

// MARK: - Files

enum TestFiles {
    /// Writes `bytes` random bytes (from /dev/urandom) to `path`; returns their SHA-256 in hex.
    @discardableResult
    static func random(_ path: String, bytes: Int) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path),
            let random = FileHandle(forReadingAtPath: "/dev/urandom")
        else { throw TestFailure("cannot write \(path)") }
        defer {
            try? out.close()
            try? random.close()
        }
        let hasher = SHA256Stream()
        var left = bytes
        while left > 0 {
            guard let chunk = try random.read(upToCount: min(left, 1 << 20)), !chunk.isEmpty else { throw TestFailure("/dev/urandom ran dry") }
            hasher.update(chunk)
            try out.write(contentsOf: chunk)
            left -= chunk.count
        }
        return Hex.encode(hasher.finalize())
    }

    /// The SHA-256 of the file at `path` in hex, read from disk.
    static func sha256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw TestFailure("cannot read \(path)") }
        defer { try? handle.close() }
        let hasher = SHA256Stream()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(chunk) }
        return Hex.encode(hasher.finalize())
    }

    /// Entries of `directory` (hidden ones included), sorted; empty when it does not exist.
    static func listing(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}

// MARK: - Event sequences

enum EventSequence {
    /// Whether `actual` is exactly `expected`, where an expected entry ending in `*` stands for that event
    /// any number of times (none included). Returns nil when it matches, else what differs.
    static func mismatch(_ actual: [String], _ expected: [String]) -> String? {
        var i = 0
        for (n, token) in expected.enumerated() {
            if token.hasSuffix("*") {
                let name = String(token.dropLast())
                while i < actual.count, actual[i] == name { i += 1 }
                continue
            }
            guard i < actual.count else { return "ended before expected entry \(n) (\(token)); actual: \(actual)" }
            guard actual[i] == token else { return "event \(i) is \(actual[i]), expected \(token) (expected entry \(n)); actual: \(actual)" }
            i += 1
        }
        return i == actual.count ? nil : "unexpected events after the expected ones: \(actual[i...]); actual: \(actual)"
    }
}
