import Foundation
import Testing

/// `bash scripts/test.sh`, the README's test command, works on a fresh machine: it installs the system
/// libraries itself (through scripts/setup.sh) when pkg-config cannot find them, and CI runs exactly it. Run
/// with stand-ins for pkg-config, apt-get, id, sudo, swift and the tools the tests use on PATH, so that nothing
/// is installed or built.
@Suite("scripts/test.sh installs what it needs", .serialized, .timeLimit(.minutes(1)))
struct TestScriptSetupTests {
    static let root = CLIInputTests.packageRoot

    /// A directory of stand-in commands that record their calls in `calls.log`. pkg-config finds the
    /// libraries once apt-get has "installed" them; installing nftables or iproute2 brings `nft` or `ip`.
    /// `missing` are left out; `id -u` says `uid`.
    static func standIns(in directory: String, missing: Set<String> = [], uid: Int = 0) throws {
        let tool = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$(dirname \"$0\")/calls.log\"\n"
        let scripts = [
            "pkg-config": """
                #!/bin/sh
                echo "pkg-config $*" >> "$(dirname "$0")/calls.log"
                case "$1" in
                  --exists) [ -e "$(dirname "$0")/installed" ] ;;
                  --modversion) echo 1.0 ;;
                esac
                """,
            "apt-get": """
                #!/bin/sh
                d="$(dirname "$0")"
                echo "apt-get $*" >> "$d/calls.log"
                case "$1" in install) touch "$d/installed" ;; esac
                for p in "$@"; do
                  case "$p" in
                    nftables) printf '%s' '\(tool)' > "$d/nft"; chmod +x "$d/nft" ;;
                    iproute2) printf '%s' '\(tool)' > "$d/ip"; chmod +x "$d/ip" ;;
                  esac
                done
                """,
            "id": "#!/bin/sh\necho \(uid)\n",
            "sudo": "#!/bin/sh\necho \"sudo $*\" >> \"$(dirname \"$0\")/calls.log\"\nexec \"$@\"\n",
            // The terminal-sharing tests' programs, present: only the libraries are missing here.
            "tmux": "#!/bin/sh\necho tmux 3.3a\n",
            "vi": "#!/bin/sh\n",
            // The network-namespace tests' tools (ip is in /usr/sbin, not on the PATH these runs have).
            "ip": tool,
            "nft": tool,
            "swift": "#!/bin/sh\necho \"swift $*\" >> \"$(dirname \"$0\")/calls.log\"\n",
        ]
        for (name, text) in scripts where !missing.contains(name) {
            let path = directory + "/" + name
            try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
    }

    /// Runs `bash script` from the package root with the stand-ins first on PATH (at most 30 s); the wait is a
    /// sleep of the task.
    static func run(_ script: String, standIns: String) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root + "/" + script]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.environment = ["PATH": standIns + ":/usr/bin:/bin", "HOME": standIns]
        let out = standIns + "/output"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: out)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let end = Date().addingTimeInterval(30)
        while process.isRunning {
            if Date() > end {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw HarnessError("\(script) did not finish within 30 s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return (process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    static func calls(_ standIns: String) -> [String] {
        ((try? String(contentsOfFile: standIns + "/calls.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("On a machine without the libraries: apt-get update once, install what is missing, then build and test; the second run installs nothing")
    func freshMachine() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/pnrp-test-script-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.standIns(in: directory)

        let first = try await Self.run("scripts/test.sh", standIns: directory)
        #expect(first.status == 0, "\(first.output)")
        let calls = Self.calls(directory).filter { !$0.hasPrefix("pkg-config") }
        let libraries = "libsodium-dev libssl-dev libvterm-dev zlib1g-dev"
        let heavy = "EasyConnectNATTests|NATTraversalNamespaceTests"
        #expect(
            calls == [
                "apt-get update -qq", "apt-get install -y -qq \(libraries)", "swift build --build-tests", "swift test --skip-build --skip \(heavy)",
                "swift test --skip-build --filter \(heavy)",
            ], "\(calls)")
        #expect(first.output.contains("setup: missing system packages: \(libraries)"), "\(first.output)")
        #expect(first.output.contains("setup: installed \(libraries)"), "\(first.output)")

        try FileManager.default.removeItem(atPath: directory + "/calls.log")
        let second = try await Self.run("scripts/test.sh", standIns: directory)
        #expect(second.status == 0, "\(second.output)")
        #expect(Self.calls(directory).filter { $0.hasPrefix("apt-get") }.isEmpty)
        #expect(second.output.contains("already installed"), "\(second.output)")
    }

    /// A fresh directory for stand-ins, removed by `body`'s end.
    static func withStandIns(missing: Set<String> = [], uid: Int = 0, _ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/pnrp-test-script-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try standIns(in: directory, missing: missing, uid: uid)
        try await body(directory)
    }

    @Test("As root without nft (the namespace tests' NAT routers): nftables is installed with the libraries; the second run installs nothing")
    func rootWithoutNft() async throws {
        // Only nft can be left out: Debian's iproute2 has /bin/ip too, which these runs' PATH reaches.
        try await Self.withStandIns(missing: ["nft"]) { directory in
            let first = try await Self.run("scripts/setup.sh", standIns: directory)
            #expect(first.status == 0, "\(first.output)")
            let packages = "libsodium-dev libssl-dev libvterm-dev zlib1g-dev nftables"
            #expect(Self.calls(directory).filter { $0.hasPrefix("apt-get") } == ["apt-get update -qq", "apt-get install -y -qq \(packages)"])
            #expect(first.output.contains("setup: missing system packages: \(packages)"), "\(first.output)")
            #expect(FileManager.default.isExecutableFile(atPath: directory + "/nft"))

            try FileManager.default.removeItem(atPath: directory + "/calls.log")
            let second = try await Self.run("scripts/setup.sh", standIns: directory)
            #expect(second.status == 0, "\(second.output)")
            #expect(Self.calls(directory).filter { $0.hasPrefix("apt-get") }.isEmpty)
            #expect(second.output.contains("ip and nft already installed"), "\(second.output)")
        }
    }

    @Test("Not root: nft and ip are not asked for (the namespace tests need root and skip without it)")
    func notRootWithoutNetworkTools() async throws {
        try await Self.withStandIns(missing: ["ip", "nft"], uid: 1000) { directory in
            try "".write(toFile: directory + "/installed", atomically: true, encoding: .utf8)
            let r = try await Self.run("scripts/setup.sh", standIns: directory)
            #expect(r.status == 0, "\(r.output)")
            #expect(Self.calls(directory).filter { $0.hasPrefix("apt-get") || $0.hasPrefix("sudo") }.isEmpty)
            #expect(r.output.contains("already installed") && !r.output.contains("nft"), "\(r.output)")
        }
    }

    @Test("CI runs exactly the README's test command")
    func ciRunsTheReadmeCommand() throws {
        let ci = try String(contentsOfFile: Self.root + "/.ci/run", encoding: .utf8)
        let commands = ci.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("set ") && !$0.hasPrefix("cd ") }
        #expect(commands == ["bash scripts/test.sh"], "\(commands)")
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        #expect(readme.contains("```sh\nbash scripts/test.sh\n```"))
    }
}
