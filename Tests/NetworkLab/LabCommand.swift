#if os(Linux)
    import Foundation
    import Glibc

    /// A failed step of the laboratory, with what went wrong.
    public struct LabError: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Runs commands to completion, bounded in time.
    public enum LabCommand {
        public struct Result: Sendable {
            public var status: Int32
            public var stdout: String
            public var stderr: String
        }

        /// Runs `executable arguments` to completion, killing it after `seconds`; its output goes through files
        /// (no pipe can fill up and block it) and is returned. Standard input is /dev/null.
        @discardableResult
        public static func run(_ executable: String, _ arguments: [String], seconds: Double = 30) throws -> Result {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let scratch = FileManager.default.temporaryDirectory.path + "/natlab-run-\(getpid())-\(UUID().uuidString)"
            let out = scratch + ".out", err = scratch + ".err"
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            _ = FileManager.default.createFile(atPath: err, contents: nil)
            defer {
                try? FileManager.default.removeItem(atPath: out)
                try? FileManager.default.removeItem(atPath: err)
            }
            let outHandle = FileHandle(forWritingAtPath: out), errHandle = FileHandle(forWritingAtPath: err)
            defer {
                try? outHandle?.close()
                try? errHandle?.close()
            }
            process.standardOutput = outHandle
            process.standardError = errHandle
            process.standardInput = FileHandle.nullDevice
            let exited = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in exited.signal() }
            try process.run()
            if exited.wait(timeout: .now() + seconds) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw LabError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(seconds) s")
            }
            process.waitUntilExit()
            let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
        }

        /// Runs it and throws, with its error output, unless it exits with status 0.
        @discardableResult
        public static func check(_ executable: String, _ arguments: [String], seconds: Double = 30) throws -> Result {
            let r = try run(executable, arguments, seconds: seconds)
            guard r.status == 0 else {
                throw LabError("\(executable) \(arguments.joined(separator: " ")) failed (status \(r.status)): \(r.stderr)\(r.stdout)")
            }
            return r
        }

        /// The first of `candidates` that is an executable file.
        static func locate(_ candidates: [String]) -> String? {
            candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
    }
#endif
