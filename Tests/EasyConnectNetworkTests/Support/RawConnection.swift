import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain blocking TCP client for hostile and scripted peers: whatever bytes a test wants, in whatever
/// order, and an abrupt end (a reset) when asked. Use it on a thread of its own (`onThread`).
final class RawConnection: @unchecked Sendable {
    private(set) var fd: Int32
    private(set) var peerClosed = false
    /// Bytes read past the last whole record `readRecords` returned.
    private var pending: [UInt8] = []

    /// Connects to `host` (dotted IPv4) and `port`.
    init(host: String, port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw TestFailure("connect to \(host):\(port): \(why)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // A peer that stops reading makes a write fail after 5 s instead of blocking the test for good.
        var sendTimeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Writes every byte; false when the peer has gone or has not read for 5 s.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }

    /// What arrives within about 100 ms (empty when nothing did); nil once the peer closed or reset.
    func read() -> [UInt8]? {
        guard !peerClosed else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if n > 0 { return Array(buffer[0..<n]) }
        if n == 0 {
            peerClosed = true
            return nil
        }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return [] }
        peerClosed = true
        return nil
    }

    /// Reads until the peer closes (true) or `seconds` pass (false); returns what arrived.
    func readUntilClosed(seconds: Double) -> (closed: Bool, bytes: [UInt8]) {
        let end = Date().addingTimeInterval(seconds)
        var all = pending
        pending = []
        while Date() < end {
            guard let chunk = read() else { return (true, all) }
            all += chunk
        }
        return (false, all)
    }

    /// Reads whole records (4-byte length, body) for at most `seconds`, until `count` arrived or the peer closed.
    func readRecords(_ count: Int, seconds: Double) -> [[UInt8]] {
        let end = Date().addingTimeInterval(seconds)
        var buffer = pending
        var records: [[UInt8]] = []
        defer { pending = buffer }
        while records.count < count, Date() < end {
            while records.count < count, buffer.count >= 4 {
                let length = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
                guard buffer.count >= 4 + length else { break }
                records.append(Array(buffer[4..<(4 + length)]))
                buffer.removeFirst(4 + length)
            }
            if records.count >= count { break }
            guard let chunk = read() else { break }
            buffer += chunk
        }
        return records
    }

    /// Closes normally (FIN).
    func finish() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    /// Ends the connection as a killed process's kernel would when data is still unread: a reset.
    func reset() {
        guard fd >= 0 else { return }
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }
}

/// `body` with its 4-byte big-endian length in front.
func frame(_ body: [UInt8]) -> [UInt8] {
    let n = UInt32(body.count)
    return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + body
}

/// A TCP socket bound to a free port of `host` and listening: to learn a port nothing else uses.
final class RawListener {
    private var fd: Int32
    let port: UInt16

    init(host: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, host, &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, ok, listen(fd, 1) == 0 else {
            let why = String(cString: strerror(errno))
            if fd >= 0 { _ = closeDescriptor(fd) }
            throw TestFailure("cannot listen on \(host): \(why)")
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() {
        if fd >= 0 { _ = closeDescriptor(fd) }
        fd = -1
    }

    deinit { close() }
}

/// `close(2)`, for types that have a `close()` method of their own.
func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }
