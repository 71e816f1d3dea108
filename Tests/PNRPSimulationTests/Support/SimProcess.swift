import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the built `pnrp-sim` executable and collects what it printed.
enum SimProcess {
    /// An error of the test setup, with what to do.
    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    /// Exit status, standard output and standard error of one run, and whether it had to be killed.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// The `pnrp-sim` executable next to the test bundle (`swift build --build-tests` builds it), or
    /// `$PNRP_SIM_BINARY`.
    static func binary() throws -> URL {
        if let given = ProcessInfo.processInfo.environment["PNRP_SIM_BINARY"] { return URL(fileURLWithPath: given) }
        var starts: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(URL(fileURLWithPath: exe)) }
        starts += Bundle.allBundles.map(\.bundleURL)
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("pnrp-sim")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw SetupError(description: "the pnrp-sim executable is not next to the test bundle; run `swift build --build-tests` first or set PNRP_SIM_BINARY")
    }

    /// Runs `pnrp-sim` with `arguments`, killing it after `seconds`; its output goes through files in
    /// `scratch` (so a full pipe never blocks it). Between looks for its end the task sleeps, which leaves the
    /// cooperative pool's threads to other tests.
    static func run(_ arguments: [String], in scratch: String, seconds: Double = 60) async throws -> Outcome {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let out = scratch + "/stdout-\(UUID().uuidString)", err = scratch + "/stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                timedOut = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            timedOut: timedOut)
    }

    /// A fresh temporary directory; remove it with `FileManager.removeItem`.
    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pnrp-sim-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
