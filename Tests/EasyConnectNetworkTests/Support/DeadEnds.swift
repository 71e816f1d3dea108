import EasyConnect
import Foundation
import NIOCore
import NIOPosix
import PNRP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loopback endpoints a Helper cannot use, each failing its own way: nothing listens (refused), a
/// listener that accepts and says nothing, one that greets with another invitation's tag, and one whose
/// accept queue is full so that connecting hangs (as an unreachable address does).
final class DeadEnds: @unchecked Sendable {
    private(set) var refused: SessionEndpoint!
    private(set) var silent: SessionEndpoint!
    private(set) var otherInvitation: SessionEndpoint!
    private(set) var blackHole: SessionEndpoint!
    private var channels: [any Channel] = []
    private var fds: [Int32] = []

    static func endpoint(_ host: String, _ port: Int) -> SessionEndpoint {
        let octets = host.split(separator: ".").map { UInt8($0)! }
        return SessionEndpoint(address: IPv6Address(ipv4: octets[0], octets[1], octets[2], octets[3]), port: UInt16(port))
    }

    /// A handler that writes a greeting for another invitation when a connection opens.
    final class ForeignGreeter: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelActive(context: ChannelHandlerContext) {
            let body = (try? HandshakeMessage.greeting(tag: [UInt8](repeating: 0xAB, count: 16)).encoded()) ?? []
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: frame(body))), promise: nil)
            context.fireChannelActive()
        }
    }

    static func start() async throws -> DeadEnds {
        let d = DeadEnds()
        // Refused: a port bound and closed again on an address nothing else uses.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.9", port: 0).get()
        let closedPort = probe.localAddress!.port!
        try await probe.close()
        d.refused = endpoint("127.0.0.9", closedPort)
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.10", port: 0).get()
        d.channels.append(silent)
        d.silent = endpoint("127.0.0.10", silent.localAddress!.port!)
        let foreign = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ForeignGreeter()) } }
            .bind(host: "127.0.0.11", port: 0).get()
        d.channels.append(foreign)
        d.otherInvitation = endpoint("127.0.0.11", foreign.localAddress!.port!)
        d.blackHole = try await d.makeBlackHole()
        return d
    }

    /// A listening socket that never accepts, with its queue filled: further SYNs are dropped.
    private func makeBlackHole() async throws -> SessionEndpoint {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        fds.append(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.12", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 0) == 0 else { throw TestFailure("cannot make the black hole: \(String(cString: strerror(errno)))") }
        // Fill the accept queue with connections nobody accepts.
        for _ in 0..<4 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            fds.append(c)
            _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            try await Task.sleep(for: .milliseconds(20))
        }
        return DeadEnds.endpoint("127.0.0.12", Int(UInt16(bigEndian: address.sin_port)))
    }

    func stop() async {
        for c in channels { try? await c.close() }
        for fd in fds { _ = close(fd) }
        channels = []
        fds = []
    }
}
