import Foundation

/// Runs `executable` to completion, killing it after `seconds`; its output goes through files in
/// `scratch` (no pipe can fill up and block it) and is returned. The wait is a sleep of the task, which leaves
/// the cooperative pool's threads to other tests.
func runBounded(_ executable: URL, _ arguments: [String], scratch: String, seconds: Double = 20) async throws -> (status: Int32, stdout: String, stderr: String) {
    let run = try BoundedRun(executable, arguments, scratch: scratch, seconds: seconds)
    while try run.isRunning() { try await Task.sleep(for: .milliseconds(10)) }
    return run.result()
}

/// `runBounded` for a `defer`, where no task can wait: it blocks its thread, so only for short commands
/// (`ip netns delete`) in cleanup.
@discardableResult
func runBoundedBlocking(_ executable: URL, _ arguments: [String], scratch: String, seconds: Double = 20) throws -> (status: Int32, stdout: String, stderr: String) {
    let run = try BoundedRun(executable, arguments, scratch: scratch, seconds: seconds)
    while try run.isRunning() { usleep(10_000) }
    return run.result()
}

/// A started process of `runBounded`, its output files and its deadline.
private final class BoundedRun {
    let process = Process()
    let executable: URL
    let arguments: [String]
    let seconds: Double
    let end: Date
    let out: String, err: String

    init(_ executable: URL, _ arguments: [String], scratch: String, seconds: Double) throws {
        (self.executable, self.arguments, self.seconds) = (executable, arguments, seconds)
        process.executableURL = executable
        process.arguments = arguments
        let id = UUID().uuidString
        (out, err) = (scratch + "/run-\(id).out", scratch + "/run-\(id).err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
            throw error
        }
        end = Date().addingTimeInterval(seconds)
    }

    /// Whether it still runs; kills it and throws once it has run past its time.
    func isRunning() throws -> Bool {
        guard process.isRunning else { return false }
        if Date() > end {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            removeFiles()
            throw HarnessError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(seconds) s")
        }
        return true
    }

    /// Its status and output; removes the files.
    func result() -> (status: Int32, stdout: String, stderr: String) {
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        removeFiles()
        return (process.terminationStatus, stdout, stderr)
    }

    private func removeFiles() {
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
    }
}
