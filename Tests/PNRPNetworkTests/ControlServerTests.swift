import Foundation
import NetworkLab
import NIOCore
import PNRP
import PNRPNetwork
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The control server and client in one process, in front of real hosts on loopback.
@Suite("Control server", .serialized, .timeLimit(.minutes(1)))
struct ControlServerTests {
    /// A temporary state directory, removed by `remove()`.
    struct TempDirectory {
        let path: String
        init() throws {
            var bytes = Array((FileManager.default.temporaryDirectory.path + "/pnrp-ctl-XXXXXX").utf8CString)
            guard mkdtemp(&bytes) != nil else { throw HarnessError("cannot create a temporary directory") }
            path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var directory: StateDirectory { get throws { try StateDirectory(path: path) } }
        var socket: String { path + "/" + ControlProtocol.socketFileName }
        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A server in front of `handler`, running in a task; returns the server and the task.
    static func serve(_ handler: any ControlHandler, at path: String, maximumConnections: Int = ControlProtocol.maximumConnections) async throws
        -> (ControlServer, Task<Void, Never>)
    {
        let server = try await ControlServer.bind(socketPath: path, maximumConnections: maximumConnections, logger: TestHosts.logger)
        let task = Task { await server.run(handler: handler) }
        return (server, task)
    }

    @Test("Register, resolve, status, clouds and cache through the socket, against two real hosts")
    func operationsAgainstRealHosts() async throws {
        let temp = try TempDirectory()
        defer { temp.remove() }
        let a = try await PNRPHost.start(try TestHosts.configuration(address: "127.0.0.1", port: 41_700, seeds: []), logger: TestHosts.logger)
        var bConfiguration = try TestHosts.configuration(address: "127.0.0.1", port: 41_701, seeds: ["127.0.0.1:41700"])
        bConfiguration.stateDirectory = try temp.directory
        let b = try await PNRPHost.start(bConfiguration, logger: TestHosts.logger)
        let daemon = NodeDaemon(host: b, stateDirectory: try temp.directory)
        let (server, task) = try await Self.serve(daemon, at: temp.socket)
        var stopped = false
        defer {
            server.stop()
            if !stopped { Task { await a.shutdown(); await b.shutdown() } }
        }
        let client = ControlClient(socketPath: temp.socket)

        // The socket is owner-only.
        var st = stat()
        #expect(lstat(temp.socket, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)

        // A secured name through the socket: the daemon's identity supplies the authority.
        let registered = try await client.register(RegisterArguments(name: "chat", secured: true, port: 5222, comment: "lobby"))
        #expect(registered.name == "\(b.identity.authority).chat")
        #expect(registered.ids.map(\.cloud) == ["Global_"])
        #expect(registered.endpoints == ["127.0.0.1:5222/tcp"])
        await #expect(throws: ControlError.self) { try await client.register(RegisterArguments(name: "chat", secured: true)) }

        // Host A publishes a name; B resolves it through the socket.
        let published = try await a.register(try a.identity.securedName("printer"), endpoints: [IPv6AppEndpoint(address: .loopback, port: 631, ipProtocol: 6)])
        let target = published.name.description
        let found = await eventually(10) { (try? await client.resolve(ResolveArguments(name: target, timeoutSeconds: 1))) != nil }
        #expect(found)
        // A second resolution of a name just found: the limit is what a loaded CI machine needs, not a figure
        // (the suite's own limit still bounds it).
        let record = try await client.resolve(ResolveArguments(name: target, timeoutSeconds: 10))
        #expect(record.path.last == "127.0.0.1:41700")
        #expect(record.keyFingerprint == a.identity.authority.description)
        #expect(record.endpoints == ["[::1]:631/tcp"])

        // And A resolves B's name, registered through the socket.
        let chat = try PeerName(registered.name)
        let fromA = await eventually(10) { (try? await a.resolve(chat, timeout: .seconds(1)))?.comment == "lobby" }
        #expect(fromA)

        let status = try await client.status()
        #expect(status.pid == getpid())
        #expect(status.authority == b.identity.authority.description)
        #expect(status.registrations == [registered.name])
        #expect(status.traffic.datagramsIn > 0)
        #expect(try await client.clouds().map(\.state) == ["active"])
        #expect(try await client.cache().contains { $0.endpoints == ["127.0.0.1:41700"] })

        // Errors carry their kind.
        await #expect(throws: ControlError(.badInput, "the timeout must be more than 0 and at most 60 seconds")) {
            try await client.resolve(ResolveArguments(name: target, timeoutSeconds: 0))
        }
        do {
            _ = try await client.resolve(ResolveArguments(name: "no-dot", timeoutSeconds: 1))
            Issue.record("an invalid name resolved")
        } catch {
            #expect(error.kind == .badInput)
        }
        do {
            _ = try await client.resolve(ResolveArguments(name: target, timeoutSeconds: 1, cloud: "linklocal:no-such-interface0"))
            Issue.record("an unknown interface was accepted")
        } catch {
            #expect(error.kind == .badInput)
        }
        do {
            try await client.unregister("0.never-registered")
            Issue.record("unregistering an unknown name succeeded")
        } catch {
            #expect(error.kind == .notFound)
        }
        try await client.unregister(registered.name)
        #expect(try await client.status().registrations.isEmpty)

        // `shutdown` is answered, then the server stops and removes its socket.
        #expect(try await client.shutdown() == getpid())
        await task.value
        #expect(!FileManager.default.fileExists(atPath: temp.socket))
        do {
            _ = try await client.status()
            Issue.record("a stopped server answered")
        } catch {
            #expect(error.kind == .noDaemon)
        }
        await a.shutdown()
        await b.shutdown()
        stopped = true
    }

    /// Answers every request with a fixed status, for tests of the transport alone.
    struct FixedHandler: ControlHandler {
        func handle(_ request: ControlRequest) async -> ControlResponse {
            switch request {
            case .status:
                .success(.status(DaemonStatus(pid: 42, stateDirectory: "/x", authority: "0", uptimeSeconds: 1, registrations: [], clouds: [], traffic: .init(datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, rateLimited: 0, amplificationDropped: 0, socketErrors: 0, malformed: 0, retransmissions: 0, timeouts: 0, cpaRejected: 0))))
            case .shutdown: .success(.stopping(pid: 42))
            default: .failure(ControlError(.notFound, "fixed handler"))
            }
        }
    }

    @Test("Bad JSON, unknown versions and ops, and oversized lines get error responses on a connection that stays usable")
    func malformedRequests() async throws {
        let temp = try TempDirectory()
        defer { temp.remove() }
        let (server, task) = try await Self.serve(FixedHandler(), at: temp.socket)
        defer { server.stop() }
        let fd = try Self.openConnection(temp.socket)
        defer { close(fd) }
        let oversized = String(repeating: "x", count: ControlProtocol.maximumLineBytes + 10)
        let cases: [(String, String)] = [
            ("not json", "not a JSON object"),
            (#"{"op":"status"}"#, "no \"version\""),
            (#"{"version":9,"op":"status"}"#, "version 9 is not supported"),
            (#"{"version":1}"#, "no \"op\""),
            (#"{"version":1,"op":"fly"}"#, "unknown op 'fly'"),
            (#"{"version":1,"op":"resolve"}"#, "missing \"resolve\""),
            (#"{"version":1,"op":"resolve","resolve":{"name":7,"timeoutSeconds":1}}"#, "resolve.name should be String"),
            (oversized, "longer than \(ControlProtocol.maximumLineBytes) bytes"),
        ]
        for (line, expected) in cases {
            let response = try ControlCodec.response(try await offCooperativePool { try Self.exchange(fd, line) })
            guard case .failure(let error) = response else {
                Issue.record("'\(line.prefix(40))' was accepted")
                continue
            }
            #expect(error.kind == .badInput)
            #expect(error.message.contains(expected), "\(error.message)")
        }
        // An oversized line split across writes, then a good request on the same connection.
        let big = [UInt8](repeating: 0x61, count: 3 * ControlProtocol.maximumLineBytes)
        try await offCooperativePool { for chunk in stride(from: 0, to: big.count, by: 8192) { try Self.writeAll(fd, Array(big[chunk..<min(chunk + 8192, big.count)])) } }
        let afterBig = try ControlCodec.response(try await offCooperativePool { try Self.exchange(fd, "") })
        #expect(afterBig == .failure(ControlError(.badInput, "the request line is longer than \(ControlProtocol.maximumLineBytes) bytes")))
        let good = try ControlCodec.response(try await offCooperativePool { try Self.exchange(fd, #"{"version":1,"op":"status"}"#) })
        guard case .success(.status(let status)) = good else {
            Issue.record("status after errors: \(good)")
            return
        }
        #expect(status.pid == 42)
        server.stop()
        await task.value
    }

    @Test("Connections beyond the limit are refused with an error; a live server blocks a second one; a stale socket is replaced")
    func connectionLimitAndSocketFile() async throws {
        let temp = try TempDirectory()
        defer { temp.remove() }
        let (server, task) = try await Self.serve(FixedHandler(), at: temp.socket, maximumConnections: 2)
        let held = [try Self.openConnection(temp.socket), try Self.openConnection(temp.socket)]
        #expect(await eventually(20) { server.openConnections == 2 })
        let client = ControlClient(socketPath: temp.socket)
        do {
            _ = try await client.status()
            Issue.record("a third connection was served")
        } catch {
            #expect(error.kind == .internal)
            #expect(error.message.contains("2 connections"))
        }
        for fd in held { close(fd) }
        #expect(await eventually(20) { server.openConnections == 0 })
        #expect(try await client.status().pid == 42)

        // While it answers, a second server on the same path is refused.
        do {
            _ = try await ControlServer.bind(socketPath: temp.socket, logger: TestHosts.logger)
            Issue.record("a second server bound a live socket")
        } catch {
            #expect(error == .alreadyRunning(path: temp.socket, pid: 42))
        }
        server.stop()
        await task.value
        #expect(!FileManager.default.fileExists(atPath: temp.socket))

        // A socket file nobody listens on (a node killed with SIGKILL) is removed and replaced.
        let stale = try Self.bindWithoutListening(temp.socket)
        close(stale)
        #expect(FileManager.default.fileExists(atPath: temp.socket))
        let (second, secondTask) = try await Self.serve(FixedHandler(), at: temp.socket)
        #expect(try await client.status().pid == 42)
        second.stop()
        await secondTask.value

        // A file that is not a socket is never removed.
        _ = FileManager.default.createFile(atPath: temp.socket, contents: Data("keep me".utf8))
        do {
            _ = try await ControlServer.bind(socketPath: temp.socket, logger: TestHosts.logger)
            Issue.record("bound over a regular file")
        } catch {
            #expect(error == .notASocket(temp.socket))
        }
        #expect(FileManager.default.contents(atPath: temp.socket) == Data("keep me".utf8))
    }

    /// Holds `resolve` requests until released; answers `status` at once.
    final class SlowHandler: ControlHandler, @unchecked Sendable {
        private let lock = NSLock()
        private var waiting: [CheckedContinuation<Void, Never>] = []
        private var released = false

        func handle(_ request: ControlRequest) async -> ControlResponse {
            guard case .resolve = request else { return await FixedHandler().handle(request) }
            await withCheckedContinuation { c in
                let resume = lock.withLock { () -> Bool in
                    if released { return true }
                    waiting.append(c)
                    return false
                }
                if resume { c.resume() }
            }
            return .failure(ControlError(.internal, "released"))
        }

        var pending: Int { lock.withLock { waiting.count } }

        func release() {
            let all = lock.withLock {
                released = true
                defer { waiting = [] }
                return waiting
            }
            for c in all { c.resume() }
        }
    }

    @Test("Stopping does not wait for a request in progress, and its client learns the connection ended")
    func stopDuringSlowRequest() async throws {
        let temp = try TempDirectory()
        defer { temp.remove() }
        let handler = SlowHandler()
        defer { handler.release() }
        let (server, task) = try await Self.serve(handler, at: temp.socket)
        let client = ControlClient(socketPath: temp.socket)
        let resolving = Task { () -> ControlError? in
            do throws(ControlError) {
                _ = try await client.resolve(ResolveArguments(name: "0.slow", timeoutSeconds: 30))
                return nil
            } catch {
                return error
            }
        }
        #expect(await eventually(20) { handler.pending == 1 })
        // Bounded: with a server that waited for its requests, `run` would not return until the release.
        let returned = Flag()
        Task {
            await task.value
            returned.set()
        }
        server.stop()
        #expect(await eventually(20) { returned.isSet }, "run() did not return while a request was in progress")
        let error = await resolving.value
        #expect(error?.kind == .internal)
        #expect(!FileManager.default.fileExists(atPath: temp.socket))
    }

    @Test("Every request and reply survives the JSON codec")
    func codecRoundTrip() throws {
        let requests: [ControlRequest] = [
            .register(RegisterArguments(name: "chat", secured: true, port: 80, transport: "udp", comment: "a\nb \"q\"")),
            .unregister(UnregisterArguments(name: "0.x")), .resolve(ResolveArguments(name: "0.x", timeoutSeconds: 2.5, cloud: "linklocal:eth0")),
            .cache, .clouds, .status, .shutdown,
        ]
        for request in requests {
            let line = try ControlCodec.line(request)
            #expect(line.last == 0x0A)
            #expect(line.dropLast().contains(0x0A) == false)
            #expect(try ControlCodec.request(line.dropLast()) == request)
        }
        let record = ResolvedRecord(
            name: "0.x", cloud: "Global_", id: "ab", nodeEndpoints: ["127.0.0.1:3540"], endpoints: ["[::1]:80/tcp"], comment: nil, hops: 2,
            path: ["a", "b"], keyFingerprint: "cd", expiresAt: 5, milliseconds: 1.5)
        let replies: [ControlResponse] = [
            .success(.registered(RegisteredName(name: "0.x", secured: false, p2pID: "01", ids: [.init(cloud: "Global_", id: "02")], endpoints: [], comment: "c"))),
            .success(.unregistered(UnregisterArguments(name: "0.x"))), .success(.resolved(record)),
            .success(.cache(try JSONDecoder().decode([CacheEntryView].self, from: Data(#"[{"cloud":"Global_","id":"03","endpoints":["e"],"level":1,"verified":true,"leaf":false}]"#.utf8)))),
            .success(.clouds(try JSONDecoder().decode([CloudStatus].self, from: Data(#"[{"name":"Global_","endpoint":"e","state":"active","cachedEntries":1,"registrations":0}]"#.utf8)))),
            .success(.stopping(pid: 7)), .failure(ControlError(.timeout, "slow")),
        ]
        for reply in replies {
            let line = try ControlCodec.line(reply)
            #expect(try ControlCodec.response(line.dropLast()) == reply)
        }
        let text = String(decoding: try ControlCodec.line(ControlRequest.resolve(ResolveArguments(name: "0.x", timeoutSeconds: 1))), as: UTF8.self)
        #expect(text == #"{"op":"resolve","resolve":{"name":"0.x","timeoutSeconds":1},"version":1}"# + "\n")
    }

    // MARK: - Raw sockets

    static func openConnection(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard ok == 0 else {
            close(fd)
            throw HarnessError("connect \(path): errno \(errno)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func bindWithoutListening(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard ok == 0 else { throw HarnessError("bind \(path): errno \(errno)") }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, bytes.count - sent) }
            guard n > 0 else { throw HarnessError("write: errno \(errno)") }
            sent += n
        }
    }

    /// Sends `line` and a newline, reads one line back.
    static func exchange(_ fd: Int32, _ line: String) throws -> [UInt8] {
        try writeAll(fd, Array(line.utf8) + [0x0A])
        var out: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            guard n == 1 else { throw HarnessError("no answer (read returned \(n), errno \(errno))") }
            if byte == 0x0A { return out }
            out.append(byte)
        }
    }
}
