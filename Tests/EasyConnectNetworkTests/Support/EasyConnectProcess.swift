import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of the process harness.
struct ProcessHarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The `easy-connect` executable and temporary directories to run it in.
enum EasyConnectProcess {
    /// The executable built next to this test bundle (`swift build --build-tests` builds it), or
    /// `$EASY_CONNECT_BINARY`.
    static func binary(file: String = #filePath) throws -> URL {
        if let given = ProcessInfo.processInfo.environment["EASY_CONNECT_BINARY"] { return URL(fileURLWithPath: given) }
        var starts = Bundle.allBundles.map(\.bundleURL)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.insert(URL(fileURLWithPath: exe), at: 0) }
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                if let found = executable(directory.appendingPathComponent("easy-connect")) { return found }
                directory = directory.deletingLastPathComponent()
            }
        }
        var package = URL(fileURLWithPath: file)
        for _ in 0..<4 { package = package.deletingLastPathComponent() }
        if let found = executable(package.appendingPathComponent(".build/debug/easy-connect")) { return found }
        throw ProcessHarnessError("the easy-connect executable is not next to the test bundle; run `swift build --build-tests` first or set EASY_CONNECT_BINARY")
    }

    private static func executable(_ candidate: URL) -> URL? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isExecutableFile(atPath: candidate.path)
        else { return nil }
        return candidate
    }

    /// A fresh temporary directory.
    static func scratch() throws -> String {
        var bytes = Array((FileManager.default.temporaryDirectory.path + "/ec-cli-XXXXXX").utf8CString)
        guard mkdtemp(&bytes) != nil else { throw ProcessHarnessError("cannot create a temporary directory") }
        return String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The environment for a run: no password, no name, no XDG directories of the person running the tests,
    /// and no settings files of theirs or of the machine (both settings variables name /dev/null, which sets
    /// nothing; an empty value in `extra` unsets one again).
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in ["EASY_CONNECT_PASSWORD", "EASY_CONNECT_NAME", "XDG_DATA_HOME", "XDG_DOWNLOAD_DIR", "XDG_CONFIG_HOME"] { env[key] = nil }
        env["EASY_CONNECT_SETTINGS"] = "/dev/null"
        env["EASY_CONNECT_POLICY"] = "/dev/null"
        return env.merging(extra) { _, new in new }
    }

    /// Starts `easy-connect arguments` with stdout and stderr going to files in `scratch`.
    static func start(_ arguments: [String], scratch: String, environment extra: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.environment = environment(extra)
        let id = UUID().uuidString
        let out = scratch + "/run-\(id).out", err = scratch + "/run-\(id).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, stdoutPath: out, stderrPath: err)
    }

    /// Runs `easy-connect arguments` to completion, killing it after `seconds`.
    static func run(_ arguments: [String], scratch: String, environment extra: [String: String] = [:], seconds: Double = 30) async throws -> (status: Int32, stdout: String, stderr: String) {
        let running = try start(arguments, scratch: scratch, environment: extra)
        let status = try await running.wait(seconds: seconds)
        return (status, running.stdout, running.stderr)
    }

    /// Runs `executable arguments` (`pnrp`, or `easy-connect` itself) to completion, killing it after `seconds`.
    static func run(executable: URL, _ arguments: [String], scratch: String, seconds: Double = 30) async throws -> (status: Int32, stdout: String, stderr: String) {
        let running = try startTool(executable: executable, arguments, scratch: scratch)
        defer { running.removeOutput() }
        let status = try await running.wait(seconds: seconds)
        return (status, running.stdout, running.stderr)
    }

    /// `run(executable:)` for cleanup in a `defer`, where no task can wait: blocks its thread, so only for short
    /// commands (`ip netns delete`).
    static func runNow(executable: URL, _ arguments: [String], scratch: String, seconds: Double = 30) throws -> (status: Int32, stdout: String, stderr: String) {
        let running = try startTool(executable: executable, arguments, scratch: scratch)
        defer { running.removeOutput() }
        let status = try running.waitBlocking(seconds: seconds)
        return (status, running.stdout, running.stderr)
    }

    /// Starts `executable arguments` with the test environment, output to files in `scratch`.
    private static func startTool(executable: URL, _ arguments: [String], scratch: String) throws -> Running {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment()
        let id = UUID().uuidString
        let out = scratch + "/run-\(id).out", err = scratch + "/run-\(id).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let running = Running(process: process, stdoutPath: out, stderrPath: err)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            running.removeOutput()
            throw error
        }
        return running
    }

    /// A started process.
    struct Running {
        let process: Process
        let stdoutPath: String
        let stderrPath: String

        var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// Kills the process that outlived its `seconds` and reaps it; the error saying so.
        private func killed(after seconds: Double) -> ProcessHarnessError {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return ProcessHarnessError("easy-connect \(process.arguments?.joined(separator: " ") ?? "") did not finish within \(seconds) s; stderr: \(stderr)")
        }

        /// Waits for the exit status, killing the process after `seconds` (a sleep of the task between looks).
        func wait(seconds: Double) async throws -> Int32 {
            let end = Date().addingTimeInterval(seconds)
            while process.isRunning {
                if Date() > end { throw killed(after: seconds) }
                try await Task.sleep(for: .milliseconds(10))
            }
            return process.terminationStatus
        }

        /// `wait` for cleanup in a `defer`: blocks its thread.
        func waitBlocking(seconds: Double) throws -> Int32 {
            let end = Date().addingTimeInterval(seconds)
            while process.isRunning {
                if Date() > end { throw killed(after: seconds) }
                usleep(10_000)
            }
            return process.terminationStatus
        }

        func removeOutput() {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }

        /// Waits until a stdout line has `"event": event`, and returns it.
        func waitForEvent(_ event: String, seconds: Double) async throws -> [String: Any] {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                for line in stdout.split(separator: "\n") {
                    if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["event"] as? String == event { return object }
                }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw ProcessHarnessError("no \(event) event within \(seconds) s; stdout: \(stdout); stderr: \(stderr)")
        }

        /// Kills the process if it still runs.
        func kill9() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }
}
