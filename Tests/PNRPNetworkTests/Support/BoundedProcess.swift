import Foundation

/// Runs `executable` to completion, killing it after `seconds`; its output goes through files in
/// `scratch` (no pipe can fill up and block it) and is returned.
func runBounded(_ executable: URL, _ arguments: [String], scratch: String, seconds: Double = 20) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let id = UUID().uuidString
    let out = scratch + "/run-\(id).out", err = scratch + "/run-\(id).err"
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
    let end = Date().addingTimeInterval(seconds)
    while process.isRunning {
        if Date() > end {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw HarnessError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(seconds) s")
        }
        usleep(10_000)
    }
    let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    return (process.terminationStatus, stdout, stderr)
}
