import Foundation
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `pnrp node` process from the built binary, with a temporary state directory; `stop()` kills it
/// and removes the directory.
final class Daemon: @unchecked Sendable {
    let directory: String
    let address: String
    let port: UInt16
    let process = Process()
    private let log: String

    var client: ControlClient { ControlClient(socketPath: directory + "/" + ControlProtocol.socketFileName) }
    var endpoint: String { "\(address):\(port)" }

    /// The `pnrp` executable next to the test bundle (`swift build --build-tests` builds it), or `$PNRP_BINARY`.
    static func binary(file: String = #filePath) throws -> URL {
        if let given = ProcessInfo.processInfo.environment["PNRP_BINARY"] { return URL(fileURLWithPath: given) }
        var starts: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(URL(fileURLWithPath: exe)) }
        starts += Bundle.allBundles.map(\.bundleURL)
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("pnrp")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw TestFailure("the pnrp executable is not next to the test bundle; run `swift build --build-tests` first or set PNRP_BINARY")
    }

    init(scratch: Scratch, address: String, port: UInt16) throws {
        directory = try scratch.directory("pnrp-node")
        (self.address, self.port) = (address, port)
        log = scratch.path + "/pnrp-node.out"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = try Self.binary()
        process.arguments = [
            "node", "--address", address, "--port", String(port), "--state-dir", directory, "--no-link-local", "--no-multicast", "--log-level", "warning",
        ]
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits (at most `seconds`) until the node answers on its control socket.
    func waitReady(seconds: Double = 20) async throws {
        let ready = await eventually(seconds) { (try? await client.status()) != nil }
        guard ready else { throw TestFailure("pnrp node not ready: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
