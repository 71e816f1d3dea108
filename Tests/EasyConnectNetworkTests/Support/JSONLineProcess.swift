import EasyConnectNetwork
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process driven as a script drives `easy-connect --json`: JSON commands written to its stdin, every
/// line of its stdout kept with the moment it appeared. Stdout and stderr go to files in the test's scratch
/// directory (no pipe can fill up and stall the child, and the files stay for failure messages); a thread of
/// its own reads new stdout lines every 5 ms and time-stamps them, so the times hold even while the test's
/// tasks wait for a thread of the cooperative pool, and `onLine` actions (a signal to send when a line
/// appears) run at once. Every wait is bounded and gives up with the process's output in the error. Mirrors
/// `easy-connect benchmark`'s `ChildProcess`.
final class JSONLineProcess: @unchecked Sendable {
    /// One line of stdout.
    struct Line: Sendable {
        let text: String
        /// The object, when the line is one JSON object.
        let object: [String: JSONValue]?
        /// When it appeared (within 5 ms).
        let at: ContinuousClock.Instant

        /// Its `"event"` field.
        var event: String? { object?["event"]?.stringValue }
        func string(_ key: String) -> String? { object?[key]?.stringValue }
        func number(_ key: String) -> UInt64? { object?[key]?.wholeNumber }
        /// `exitStatus` and other small signed numbers.
        func integer(_ key: String) -> Int64? {
            if case .integer(let i)? = object?[key] { return i }
            return nil
        }
    }

    let name: String
    let process = Process()
    /// When it was started.
    let started = ContinuousClock.now
    let stdoutPath: String
    let stderrPath: String
    private let input = Pipe()
    private let lock = NSLock()
    private var lines: [Line] = []
    private var pending: [UInt8] = []
    private var readOffset: UInt64 = 0
    private var inputOpen = true
    private var watching = true
    private var actions: [@Sendable (Line) -> Bool] = []

    /// Starts `executable arguments` with `environment` (replacing the test process's); output files are
    /// `<scratch>/<name>.out` and `.err`.
    init(name: String, executable: URL, arguments: [String], environment: [String: String], scratch: String) throws {
        _ = Self.ignoreBrokenPipes
        self.name = name
        let safe = name.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        stdoutPath = scratch + "/\(String(safe))-\(UUID().uuidString.prefix(6)).out"
        stderrPath = stdoutPath.dropLast(4) + ".err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        let watcher = Thread { [self] in watch() }
        watcher.name = "stdout of \(name)"
        watcher.start()
    }

    /// Reads stdout every 5 ms until the process has exited and everything it wrote is read (or `kill9`).
    private func watch() {
        while true {
            let exited = !process.isRunning
            let go = lock.withLock { () -> Bool in
                refreshLocked()
                return watching
            }
            if exited || !go { return }
            usleep(5_000)
        }
    }

    /// A write to the stdin of a process that has exited must fail with EPIPE, not kill the test process.
    private static let ignoreBrokenPipes: Void = ignoreSIGPIPE()

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    // MARK: - Input

    /// Writes one line to stdin (a newline is added); false when the process no longer reads.
    @discardableResult
    func sendLine(_ text: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard inputOpen else { return false }
        let bytes = Array((text + "\n").utf8)
        let fd = input.fileHandleForWriting.fileDescriptor
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }

    /// Sends one JSON command: `send("chat", ["text": .string("hi")])`.
    @discardableResult
    func send(_ command: String, _ fields: [String: JSONValue] = [:]) -> Bool {
        sendLine(JSONValue.object(fields.merging(["command": .string(command)]) { _, new in new }).line)
    }

    /// Closes stdin (end of input).
    func closeInput() {
        lock.lock()
        defer { lock.unlock() }
        guard inputOpen else { return }
        inputOpen = false
        try? input.fileHandleForWriting.close()
    }

    // MARK: - Output

    /// Reads what the process wrote since the last call. Called with the lock held.
    private func refreshLocked() {
        guard let handle = FileHandle(forReadingAtPath: stdoutPath) else { return }
        defer { try? handle.close() }
        try? handle.seek(toOffset: readOffset)
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return }
        readOffset += UInt64(data.count)
        pending.append(contentsOf: data)
        let now = ContinuousClock.now
        while let newline = pending.firstIndex(of: 0x0A) {
            let text = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            var object: [String: JSONValue]?
            if case .object(let o)? = JSONValue.parse(text) { object = o }
            let line = Line(text: text, object: object, at: now)
            lines.append(line)
            actions.removeAll { $0(line) }
        }
    }

    /// Runs `action` on every stdout line that appears from now on, on the reading thread, until it returns
    /// true: `helper.onLine { $0.event == "file-progress" ? (kill(user.pid, SIGSTOP) == 0) : false }`.
    func onLine(_ action: @escaping @Sendable (Line) -> Bool) {
        lock.withLock { actions.append(action) }
    }

    /// Sends `signal` to `target` as soon as a line with event `event` satisfying `matching` appears here.
    func signal(_ target: JSONLineProcess, _ number: Int32, when event: String, matching: @escaping @Sendable (Line) -> Bool = { _ in true }) {
        let pid = target.pid
        onLine { line in
            guard line.event == event, matching(line) else { return false }
            kill(pid, number)
            return true
        }
    }

    /// Every complete stdout line so far.
    var output: [Line] {
        lock.lock()
        defer { lock.unlock() }
        refreshLocked()
        return lines
    }

    /// The `event` of every stdout line so far (`"?"` for a line that is not a JSON event).
    var events: [String] { output.map { $0.event ?? "?" } }

    /// Waits until a line at index `from` or later is the event `event` and satisfies `matching`; returns it
    /// and its index. Gives up after `seconds`, or as soon as the process has exited without printing it.
    @discardableResult
    func waitFor(_ event: String, from: Int = 0, seconds: Double = 30, matching: (Line) -> Bool = { _ in true }) async throws -> (line: Line, index: Int) {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            let exited = !process.isRunning
            let all = output
            if from < all.count, let i = all[from...].firstIndex(where: { $0.event == event && matching($0) }) { return (all[i], i) }
            if exited { throw TestFailure("\(name) exited (status \(process.terminationStatus)) without the event \(event)\n\(report())") }
            if ContinuousClock.now > end { throw TestFailure("\(name): no \(event) event within \(seconds) s\n\(report())") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until a stdout line contains `text` (a line of a command that is not in JSON mode).
    @discardableResult
    func waitForText(_ text: String, seconds: Double = 30) async throws -> Line {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            let exited = !process.isRunning
            if let line = output.first(where: { $0.text.contains(text) }) { return line }
            if exited { throw TestFailure("\(name) exited (status \(process.terminationStatus)) without printing \(text)\n\(report())") }
            if ContinuousClock.now > end { throw TestFailure("\(name): no line with \(text) within \(seconds) s\n\(report())") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for the `invitation` event and returns its password.
    func password(seconds: Double = 30) async throws -> String {
        let (line, _) = try await waitFor("invitation", seconds: seconds)
        guard let password = line.string("password") else { throw TestFailure("\(name): an invitation without a password: \(line.text)") }
        return password
    }

    /// What the process printed so far, for failure messages.
    func report() -> String {
        let out = output.map(\.text).joined(separator: "\n")
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return "--- \(name) stdout:\n\(out.suffix(4000))\n--- \(name) stderr:\n\(err.suffix(2000))"
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    // MARK: - Exit

    /// Waits (at most `seconds`) for the process to exit and returns its status; kills it and throws when late.
    @discardableResult
    func waitForExit(seconds: Double = 30) async throws -> Int32 {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning {
            if ContinuousClock.now > end {
                kill9()
                throw TestFailure("\(name) did not exit within \(seconds) s (killed)\n\(report())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        closeInput()
        return process.terminationStatus
    }

    /// Sends `signal` to the process.
    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Kills the process (SIGKILL) and waits for it; for cleanup.
    func kill9() {
        if process.isRunning {
            // SIGKILL ends a stopped process too; SIGCONT first would let it run for a moment and act on
            // what happened while it was stopped.
            kill(process.processIdentifier, SIGKILL)
            kill(process.processIdentifier, SIGCONT)
        }
        process.waitUntilExit()
        closeInput()
        lock.withLock { watching = false }
    }
}

/// Ignores SIGPIPE in the test process (a free function: inside the class `signal` names the method).
private func ignoreSIGPIPE() {
    _ = signal(SIGPIPE, SIG_IGN)
}
