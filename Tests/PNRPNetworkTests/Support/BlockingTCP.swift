import Foundation
import NIOCore
import NetworkLab
import PNRP

#if canImport(Glibc)
    import Glibc
#endif

/// A plain blocking TCP client for the stream relay tests: every call is bounded by the socket's send and
/// receive timeouts, so a test that goes wrong fails instead of hanging. A test's task calls the `async`
/// versions below, which wait off the cooperative pool; a `Background` body (a thread of its own) calls these.
final class BlockingTCP: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    private let fd: Int32
    private var closed = false

    /// Connects to `endpoint`; sends and receives wait at most `timeout` seconds each.
    init(_ endpoint: IPv6Endpoint, timeout: Double = 10) throws {
        let address = endpoint.socketAddress(zone: 0)
        let family = address.protocol == .inet ? AF_INET : AF_INET6
        fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let result = address.withSockAddr { pointer, length in connect(fd, pointer, socklen_t(length)) }
        guard result == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure("connect to \(endpoint): \(why)")
        }
    }

    deinit { close() }

    /// Sends every byte; throws on a timeout or an error.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure("send: \(n == 0 ? "nothing sent" : String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Sends as much of `bytes` as goes before the send timeout; returns how much went.
    func sendUntilBlocked(_ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { break }
            offset += n
        }
        return offset
    }

    /// Up to `maximum` bytes; empty at the end of the stream. Throws on a timeout or a reset.
    func receive(maximum: Int = 65_536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, maximum, 0) }
        guard n >= 0 else { throw Failure("receive: \(String(cString: strerror(errno)))") }
        return Array(buffer.prefix(n))
    }

    /// Exactly `count` bytes; throws when the stream ends first.
    func receive(exactly count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let got = try receive(maximum: count - out.count)
            guard !got.isEmpty else { throw Failure("the stream ended after \(out.count) of \(count) bytes") }
            out += got
        }
        return out
    }

    /// Everything until the end of the stream, at most `limit` bytes.
    func receiveToEnd(limit: Int = 1 << 20) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count <= limit {
            let got = try receive()
            if got.isEmpty { return out }
            out += got
        }
        throw Failure("more than \(limit) bytes")
    }

    /// True when the other side closed the connection (an end of stream or a reset) and sent nothing first.
    func closedWithoutData() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
        if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
        guard n > 0 else { throw Failure("receive: \(String(cString: strerror(errno)))") }
        return false
    }

    /// Whether the other side closes within `seconds` without sending anything (false when it stays open).
    func closedWithoutDataWithin(_ seconds: Double) throws -> Bool {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 16, 0) }
        if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return false }
        guard n > 0 else { throw Failure("receive: \(String(cString: strerror(errno)))") }
        return false
    }

    /// Half-close: no more bytes from this side.
    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}

/// The blocking calls of `BlockingTCP` for a test's task: each waits on a thread outside the cooperative pool.
extension BlockingTCP {
    func send(_ bytes: [UInt8]) async throws { try await offCooperativePool { try self.send(bytes) } }

    func sendUntilBlocked(_ bytes: [UInt8]) async throws -> Int { try await offCooperativePool { self.sendUntilBlocked(bytes) } }

    func receive(maximum: Int = 65_536) async throws -> [UInt8] { try await offCooperativePool { try self.receive(maximum: maximum) } }

    func receive(exactly count: Int) async throws -> [UInt8] { try await offCooperativePool { try self.receive(exactly: count) } }

    func receiveToEnd(limit: Int = 1 << 20) async throws -> [UInt8] { try await offCooperativePool { try self.receiveToEnd(limit: limit) } }

    func closedWithoutData() async throws -> Bool { try await offCooperativePool { try self.closedWithoutData() } }

    func closedWithoutDataWithin(_ seconds: Double) async throws -> Bool { try await offCooperativePool { try self.closedWithoutDataWithin(seconds) } }
}

/// Runs `body` on a thread of its own; `wait()` returns its result (bounded in time). A test's task waits with
/// the `async` `wait`, off the cooperative pool; another `Background` body with the blocking one.
final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    init(_ body: @escaping @Sendable () throws -> T) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.start()
    }

    func wait(seconds: Double = 60) throws -> T {
        guard done.wait(timeout: .now() + seconds) == .success, let result else { throw BlockingTCP.Failure("background work did not end within \(seconds) s") }
        return try result.get()
    }

    func wait(seconds: Double = 60) async throws -> T {
        try await offCooperativePool { try self.wait(seconds: seconds) }
    }
}
