#if os(Linux)
    import Foundation
    import Glibc
    import NetworkLab

    /// A program of the benchmark started in one of the lab's namespaces: JSON commands go to its stdin, its
    /// stdout (one JSON object per line) and stderr go to files in the benchmark's directory, which `waitFor`
    /// reads. Every wait is bounded and fails with the program's last output.
    final class LabChild: @unchecked Sendable {
        let name: String
        let process = Process()
        let stdoutPath: String
        let stderrPath: String
        private let input = Pipe()
        private var consumed = 0
        private var lines: [[String: Any]] = []

        /// Starts `executable arguments` inside `namespace` of `lab` with `environment` added to this process's.
        init(_ name: String, in namespace: String, of lab: NATLab, _ executable: URL, _ arguments: [String], environment: [String: String], directory: String)
            throws
        {
            self.name = name
            stdoutPath = directory + "/\(name).out"
            stderrPath = directory + "/\(name).err"
            for path in [stdoutPath, stderrPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let (launcher, wrapped) = lab.command(in: namespace, executable, arguments)
            process.executableURL = launcher
            process.arguments = wrapped
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            process.standardInput = input
            try process.run()
        }

        /// The next line whose `"event"` is `event` (earlier lines of other events are skipped), waiting at most `seconds`.
        func waitFor(_ event: String, seconds: Double) async throws -> [String: Any] {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while true {
                readNewLines()
                while consumed < lines.count {
                    let line = lines[consumed]
                    consumed += 1
                    if line["event"] as? String == event { return line }
                    if line["event"] as? String == "disconnected" {
                        throw LabError("\(name) ended before \(event): \(line["message"] as? String ?? "?")\n\(tail())")
                    }
                }
                guard ContinuousClock.now < deadline else { throw LabError("\(name): no \(event) within \(seconds) s\n\(tail())") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }

        /// Waits for a line of plain text containing `text` on stdout (at most `seconds`).
        func waitForText(_ text: String, seconds: Double) async throws {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while !((try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "").contains(text) {
                guard process.isRunning, ContinuousClock.now < deadline else { throw LabError("\(name): no \"\(text)\" within \(seconds) s\n\(tail())") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        /// Writes one JSON command (`{"command": …}` with `fields`).
        func send(_ command: String, _ fields: [String: Any] = [:]) {
            var object = fields
            object["command"] = command
            guard var data = try? JSONSerialization.data(withJSONObject: object) else { return }
            data.append(0x0A)
            try? input.fileHandleForWriting.write(contentsOf: data)
        }

        /// Waits for the program to exit (at most `seconds`, then SIGKILL); its exit status.
        @discardableResult
        func waitForExit(seconds: Double) async -> Int32 {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            if process.isRunning { stop(SIGKILL) }
            while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
            return process.terminationStatus
        }

        /// Sends `signal` to the program (`ip netns exec` execs it, so the pid is the program's).
        func stop(_ signal: Int32 = SIGTERM) {
            if process.isRunning { kill(process.processIdentifier, signal) }
        }

        /// The last lines of stdout and stderr, for error messages.
        func tail() -> String {
            func last(_ path: String) -> String {
                ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").suffix(8).joined(separator: "\n")
            }
            return "\(name) stdout:\n\(last(stdoutPath))\n\(name) stderr:\n\(last(stderrPath))"
        }

        private func readNewLines() {
            guard let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8) else { return }
            let complete = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            for raw in complete.dropFirst(lines.count) {
                let object = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any]
                lines.append(object ?? ["text": String(raw)])
            }
        }
    }
#endif
