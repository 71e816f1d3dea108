import Foundation

/// A child process driven through its standard streams: JSON lines written to its stdin, and every line
/// of its stdout kept with the moment it arrived, for the benchmark to wait on.
final class ChildProcess: @unchecked Sendable {
    struct Line {
        let text: String
        let json: [String: Any]?
        let at: ContinuousClock.Instant
    }

    let name: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private let condition = NSCondition()
    private var lines: [Line] = []
    private var buffer = Data()
    private var closed = false
    let stderrPath: String

    /// Starts `executable` with `arguments`; its stderr goes to `stderrPath`.
    init(name: String, executable: String, arguments: [String], stderrPath: String, environment: [String: String] = [:]) throws {
        self.name = name
        self.stderrPath = stderrPath
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.received(data)
        }
        try process.run()
    }

    private func received(_ data: Data) {
        let now = ContinuousClock.now
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        if data.isEmpty {
            closed = true
            output.fileHandleForReading.readabilityHandler = nil
            return
        }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: 0x0A) {
            let lineData = buffer[buffer.startIndex..<newline]
            buffer.removeSubrange(buffer.startIndex...newline)
            let text = String(decoding: lineData, as: UTF8.self)
            let json = (try? JSONSerialization.jsonObject(with: Data(lineData))) as? [String: Any]
            lines.append(Line(text: text, json: json, at: now))
        }
    }

    /// Sends one JSON command line.
    func send(_ command: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: command)
        data.append(0x0A)
        try input.fileHandleForWriting.write(contentsOf: data)
    }

    /// Waits at most `seconds` for the first line at or after index `from` whose `event` is `event`;
    /// returns it and its index.
    func wait(for event: String, from: Int = 0, seconds: Double) throws -> (Line, Int) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        var index = from
        while true {
            while index < lines.count {
                if lines[index].json?["event"] as? String == event { return (lines[index], index) }
                index += 1
            }
            if closed { throw BenchmarkError("\(name) ended before \(event); stderr: \(tail())") }
            if !condition.wait(until: deadline) { throw BenchmarkError("\(name): no \(event) within \(seconds) s; stderr: \(tail())") }
        }
    }

    /// The lines from index `from` on.
    func linesSnapshot(from: Int) -> [Line] {
        condition.lock()
        defer { condition.unlock() }
        return from < lines.count ? Array(lines[from...]) : []
    }

    /// Number of lines so far.
    var lineCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return lines.count
    }

    /// Waits at most `seconds` for the process to exit; returns its status (kills it when late).
    @discardableResult
    func waitForExit(seconds: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// Asks the process to stop (SIGTERM), then waits for it.
    func stop(seconds: Double = 10) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        waitForExit(seconds: seconds)
    }

    /// The last lines of its stderr, for error messages.
    func tail() -> String {
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return String(text.suffix(800))
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
