#if os(Linux)
    import Foundation
    import Glibc

    /// An IPv4 address and port.
    public struct LabEndpoint: Hashable, Sendable, CustomStringConvertible {
        public var address: String
        public var port: UInt16

        public init(_ address: String, _ port: UInt16) {
            self.address = address
            self.port = port
        }

        public var description: String { "\(address):\(port)" }

        init(_ a: sockaddr_in) {
            var addr = a.sin_addr
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
            address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            port = UInt16(bigEndian: a.sin_port)
        }

        func sockaddr() throws -> sockaddr_in {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            guard inet_pton(AF_INET, address, &a.sin_addr) == 1 else { throw LabError("not an IPv4 address: \(address)") }
            return a
        }
    }

    /// One received datagram and where it came from.
    public struct LabDatagram: Sendable {
        public var bytes: [UInt8]
        public var source: LabEndpoint
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// What the file descriptor of a lab socket needs: closed once, from whichever thread.
    public class LabSocketDescriptor: @unchecked Sendable {
        /// The socket's file descriptor (valid until `close()`).
        public let fd: Int32
        /// The network namespace it was made in.
        public let namespace: String
        private let lock = NSLock()
        private var closed = false

        init(fd: Int32, namespace: String) {
            self.fd = fd
            self.namespace = namespace
        }

        deinit { close() }

        public func close() {
            let first = lock.withLock {
                defer { closed = true }
                return !closed
            }
            if first { _ = Glibc.close(fd) }
        }

        /// The address and port it is bound to.
        public var localEndpoint: LabEndpoint {
            var a = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            return LabEndpoint(a)
        }

        /// Makes a socket of `type` bound to `address`:`port` (0: any port) in the calling thread's namespace,
        /// with SO_REUSEADDR when `reuse`, and SO_REUSEPORT too when `reusePort`.
        static func makeSocket(type: Int32, address: String, port: UInt16, reuse: Bool, reusePort: Bool = false) throws -> Int32 {
            let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw LabError("socket: \(errnoText())") }
            var one: Int32 = 1
            if reuse { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
            if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
            do {
                var a = try LabEndpoint(address, port).sockaddr()
                let r = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                guard r == 0 else { throw LabError("bind \(address):\(port): \(errnoText())") }
            } catch {
                _ = Glibc.close(fd)
                throw error
            }
            return fd
        }

        /// Waits until `events` are ready on the socket or `deadline` passes; true when ready.
        func wait(for events: Int32, until deadline: ContinuousClock.Instant) -> Bool {
            while true {
                let left = deadline - .now
                let ms = left <= .zero ? 0 : Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
                var p = pollfd(fd: fd, events: Int16(events), revents: 0)
                let r = poll(&p, 1, ms)
                if r > 0 { return true }
                if r < 0 && errno == EINTR { continue }
                if r == 0 && ContinuousClock.now < deadline { continue }
                return false
            }
        }
    }

    func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

    /// A UDP socket made inside a network namespace (see `NetworkNamespaceEntry`): probes with real datagrams
    /// from the test process, no helper process.
    public final class LabUDPSocket: LabSocketDescriptor, @unchecked Sendable {
        /// A UDP socket in namespace `namespace` bound to `address`:`port` (`port` 0: one the kernel picks).
        public static func open(in namespace: String, address: String = "0.0.0.0", port: UInt16 = 0) throws -> LabUDPSocket {
            let fd = try NetworkNamespaceEntry.perform(in: namespace) {
                try LabSocketDescriptor.makeSocket(type: Int32(SOCK_DGRAM.rawValue), address: address, port: port, reuse: false)
            }
            return LabUDPSocket(fd: fd, namespace: namespace)
        }

        /// Sends one datagram to `destination`.
        public func send(_ bytes: [UInt8], to destination: LabEndpoint) throws {
            var a = try destination.sockaddr()
            let n = bytes.withUnsafeBytes { buffer in
                withUnsafePointer(to: &a) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            guard n == bytes.count else { throw LabError("sendto \(destination) from \(namespace): \(errnoText())") }
        }

        public func send(_ text: String, to destination: LabEndpoint) throws {
            try send(Array(text.utf8), to: destination)
        }

        /// The next datagram, or nil when none arrives within `timeout`.
        public func receive(timeout: Duration) throws -> LabDatagram? {
            try receive(until: .now + timeout)
        }

        /// The next datagram, or nil when none arrives before `deadline`.
        public func receive(until deadline: ContinuousClock.Instant) throws -> LabDatagram? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                var a = sockaddr_in()
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                let n = buffer.withUnsafeMutableBytes { b in
                    withUnsafeMutablePointer(to: &a) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) }
                    }
                }
                if n >= 0 { return LabDatagram(bytes: Array(buffer[0..<n]), source: LabEndpoint(a)) }
                // An ICMP error of an earlier datagram (reported on some sockets) is no datagram: go on waiting.
                guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNREFUSED else {
                    throw LabError("recvfrom in \(namespace): \(errnoText())")
                }
                if !wait(for: Int32(POLLIN), until: deadline) { return nil }
            }
        }

        /// Every datagram that arrives within `timeout` (waits the whole time).
        public func receiveAll(timeout: Duration) throws -> [LabDatagram] {
            let deadline = ContinuousClock.now + timeout
            var all: [LabDatagram] = []
            while let d = try receive(until: deadline) { all.append(d) }
            return all
        }
    }

    /// A TCP socket made inside a network namespace: connects (also simultaneous open), listens, accepts.
    /// Non-blocking underneath; every wait has a timeout.
    public final class LabTCPSocket: LabSocketDescriptor, @unchecked Sendable {
        public enum ConnectOutcome: Equatable, Sendable, CustomStringConvertible {
            case connected, refused, timedOut
            case failed(Int32)

            public var description: String {
                switch self {
                case .connected: "connected"
                case .refused: "refused"
                case .timedOut: "timed out"
                case .failed(let e): "failed: \(errnoText(e))"
                }
            }
        }

        /// A TCP socket in namespace `namespace` bound to `address`:`port` with SO_REUSEADDR (`port` 0: any).
        /// With `reusePort` (SO_REUSEPORT, on every socket of the port) a listener and connecting sockets can
        /// share one port: what TCP hole punching needs.
        public static func open(in namespace: String, address: String = "0.0.0.0", port: UInt16 = 0, reusePort: Bool = false) throws -> LabTCPSocket {
            let fd = try NetworkNamespaceEntry.perform(in: namespace) {
                try LabSocketDescriptor.makeSocket(type: Int32(SOCK_STREAM.rawValue), address: address, port: port, reuse: true, reusePort: reusePort)
            }
            return LabTCPSocket(fd: fd, namespace: namespace)
        }

        /// Sends the SYN to `destination` and returns at once; `finishConnect` waits for the outcome.
        public func startConnect(to destination: LabEndpoint) throws {
            var a = try destination.sockaddr()
            let r = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard r == 0 || errno == EINPROGRESS else { throw LabError("connect \(destination) from \(namespace): \(errnoText())") }
        }

        /// The outcome of the connection `startConnect` began, waiting at most until `deadline`.
        public func finishConnect(until deadline: ContinuousClock.Instant) -> ConnectOutcome {
            guard wait(for: Int32(POLLOUT), until: deadline) else { return .timedOut }
            var error: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len)
            switch error {
            case 0: return .connected
            case ECONNREFUSED, ECONNRESET: return .refused
            case ETIMEDOUT: return .timedOut
            default: return .failed(error)
            }
        }

        /// Connects to `destination`, waiting at most `timeout`.
        public func connect(to destination: LabEndpoint, timeout: Duration) throws -> ConnectOutcome {
            try startConnect(to: destination)
            return finishConnect(until: .now + timeout)
        }

        public func listen(backlog: Int32 = 16) throws {
            guard Glibc.listen(fd, backlog) == 0 else { throw LabError("listen in \(namespace): \(errnoText())") }
        }

        /// The next connection, or nil when none comes within `timeout`.
        public func accept(timeout: Duration) throws -> LabTCPSocket? {
            let deadline = ContinuousClock.now + timeout
            while true {
                let c = Glibc.accept(fd, nil, nil)
                if c >= 0 {
                    _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                    _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
                    return LabTCPSocket(fd: c, namespace: namespace)
                }
                guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED else {
                    throw LabError("accept in \(namespace): \(errnoText())")
                }
                if !wait(for: Int32(POLLIN), until: deadline) { return nil }
            }
        }

        /// The address and port of the other end, once connected.
        public var peerEndpoint: LabEndpoint? {
            var a = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let r = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) } }
            return r == 0 ? LabEndpoint(a) : nil
        }

        /// Sends all of `bytes` (waits at most `timeout` for room).
        public func send(_ bytes: [UInt8], timeout: Duration = .seconds(5)) throws {
            let deadline = ContinuousClock.now + timeout
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 {
                    sent += n
                    continue
                }
                guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { throw LabError("send in \(namespace): \(errnoText())") }
                guard wait(for: Int32(POLLOUT), until: deadline) else { throw LabError("send in \(namespace): no room within \(timeout)") }
            }
        }

        public func send(_ text: String) throws { try send(Array(text.utf8)) }

        /// What arrives next (at most 64 KiB): nil when nothing arrives within `timeout`, empty at end of stream.
        public func receive(timeout: Duration) throws -> [UInt8]? {
            let deadline = ContinuousClock.now + timeout
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n >= 0 { return Array(buffer[0..<n]) }
                guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { throw LabError("recv in \(namespace): \(errnoText())") }
                if !wait(for: Int32(POLLIN), until: deadline) { return nil }
            }
        }
    }
#endif
