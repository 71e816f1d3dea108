import Foundation
import PNRPNetwork
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// When `pnrp node` cannot start, it says why in words a person can act on, never the raw text of the layers
/// below ("bind(descriptor:ptr:bytes:): … (errno: 98)", "NSCocoaErrorDomain error 512", "file:0:").
@Suite("pnrp CLI: failures said in sentences", .serialized, .timeLimit(.minutes(2)))
struct CLIFailureMessageTests {
    /// Texts that must never reach a person.
    static let raw = ["errno:", "bind(descriptor", "NSCocoaErrorDomain", "The operation could not be completed", ":0:"]

    static func expectSentence(_ r: (status: Int32, stdout: String, stderr: String), status: Int32, _ phrases: [String], _ comment: String) {
        #expect(r.status == status, "\(comment): \(r.status) \(r.stderr)")
        for phrase in phrases { #expect(r.stderr.contains(phrase), "\(comment): \(r.stderr)") }
        for text in raw { #expect(!r.stderr.contains(text), "\(comment): \(r.stderr)") }
        #expect(r.stderr.split(separator: "\n").count == 1, "\(comment): one sentence, not \(r.stderr)")
    }

    @Test("A UDP port already in use, an address this machine does not have: what to do, not the socket call's text")
    func bindFailures() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        // Something else holds 127.0.0.162:3540.
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(3540).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.162")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        let common = ["--no-link-local", "--no-multicast", "--log-level", "error"]
        let inUse = try await runBounded(cluster.binary, ["node", "--address", "127.0.0.162", "--port", "3540", "--state-dir", cluster.root + "/a"] + common, scratch: cluster.root)
        Self.expectSentence(inUse, status: 1, ["cannot listen on UDP 127.0.0.162:3540", "another program already uses that port", "pass another --port"], "port in use")

        // 192.0.2.1 (TEST-NET-1) is nobody's address: the bind fails at once, nothing is sent.
        let foreign = try await runBounded(cluster.binary, ["node", "--address", "192.0.2.1", "--port", "3540", "--state-dir", cluster.root + "/b"] + common, scratch: cluster.root)
        Self.expectSentence(foreign, status: 1, ["192.0.2.1 is not an address of this machine", "--address"], "foreign address")
    }

    @Test("A state directory that cannot be created, a config file that cannot be read: which part is wrong and why")
    func fileFailures() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let file = cluster.root + "/plain-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let common = ["--address", "127.0.0.163", "--no-link-local", "--no-multicast"]

        let underFile = try await runBounded(cluster.binary, ["node", "--state-dir", file + "/state"] + common, scratch: cluster.root)
        Self.expectSentence(underFile, status: 2, ["cannot create the state directory \(file)/state", "\(file) is a file, not a directory", "--state-dir"], "under a file")
        let identity = try await runBounded(cluster.binary, ["identity", "create", "--state-dir", file + "/state"], scratch: cluster.root)
        Self.expectSentence(identity, status: 2, ["\(file) is a file, not a directory"], "identity under a file")

        let missing = try await runBounded(cluster.binary, ["node", "--config", cluster.root + "/nothing.conf"] + common, scratch: cluster.root)
        Self.expectSentence(missing, status: 2, ["the config file \(cluster.root)/nothing.conf does not exist"], "missing config")
        let directory = try await runBounded(cluster.binary, ["node", "--config", cluster.root] + common, scratch: cluster.root)
        Self.expectSentence(directory, status: 2, ["is a directory; --config takes a file"], "directory as config")
        let binary = cluster.root + "/random.conf"
        _ = FileManager.default.createFile(atPath: binary, contents: Data(Array("port = 3540\n\u{FF}".utf8) + [0xFF, 0xFE]))
        let notText = try await runBounded(cluster.binary, ["node", "--config", binary] + common, scratch: cluster.root)
        Self.expectSentence(notText, status: 2, ["is not UTF-8 text: byte 0xff on line 2", "save it as UTF-8"], "binary config")
    }
}
