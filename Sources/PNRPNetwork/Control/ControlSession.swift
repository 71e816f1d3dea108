import NIOCore
import NIOPosix
import PNRP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One control connection kept open for many requests, answered in order.
///
/// What `ControlClient` cannot do with its one connection per request: registrations made with
/// `untilDisconnect` last exactly as long as this session (`close()`, or the process ending in any way,
/// revokes them), and the daemon does not close it for idleness while it holds one.
///
/// ```swift
/// let session = try await ControlSession.open(socketPath: path)
/// _ = try await session.send(.register(RegisterArguments(name: "0.room", ephemeralKey: true, untilDisconnect: true)))
/// await session.close()   // the daemon revokes 0.room
/// ```
public final class ControlSession: Sendable {
    /// Path of the node's control socket.
    public let socketPath: String
    private let channel: any Channel
    private let pending: PendingAnswers

    private init(socketPath: String, channel: any Channel, pending: PendingAnswers) {
        (self.socketPath, self.channel, self.pending) = (socketPath, channel, pending)
    }

    /// Connects to the node listening on `socketPath`. Throws `noDaemon` when nothing listens there.
    public static func open(socketPath: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(ControlError) -> ControlSession {
        let noDaemon = ControlError(.noDaemon, "no pnrp node is running with control socket \(socketPath)")
        var st = stat()
        guard lstat(socketPath, &st) == 0 else { throw noDaemon }
        let pending = PendingAnswers()
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(ByteToMessageHandler(ControlLineDecoder(maximumLength: ControlClient.maximumResponseBytes)))
                        try sync.addHandler(pending)
                    }
                }
                .connect(unixDomainSocketPath: socketPath).get()
            return ControlSession(socketPath: socketPath, channel: channel, pending: pending)
        } catch let error as IOError where [ECONNREFUSED, ENOENT, ENOTSOCK].contains(error.errnoCode) {
            throw noDaemon
        } catch let error as IOError where error.errnoCode == EACCES || error.errnoCode == EPERM {
            throw ControlError(.internal, "not allowed to use \(socketPath): the node runs as another user")
        } catch {
            throw ControlError(.internal, "cannot connect to \(socketPath): \(error)")
        }
    }

    /// True until the session is closed, by either end.
    public var isOpen: Bool { channel.isActive }

    /// Sends `request` and returns the node's reply, or throws the error it reported. A request not answered
    /// within `timeout` closes the session (later answers could no longer be matched to their requests).
    public func send(_ request: ControlRequest, timeout: Duration = .seconds(10)) async throws(ControlError) -> ControlReply {
        let line = try ControlCodec.line(request)
        let channel = self.channel
        let pending = self.pending
        let promise = channel.eventLoop.makePromise(of: ControlFrame.self)
        let nanos = Int64(clamping: NodeDuration(timeout).nanoseconds)
        channel.eventLoop.execute {
            guard channel.isActive else {
                promise.fail(ControlError(.internal, "the control session is closed (the node stopped, or the session was closed)"))
                return
            }
            pending.expect(promise)
            channel.writeAndFlush(ByteBuffer(bytes: line), promise: nil)
        }
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(nanos)) {
            promise.fail(ControlError(.timeout, "the node did not answer within \(timeout)"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let frame: ControlFrame
        do {
            frame = try await promise.futureResult.get()
        } catch let error as ControlError {
            throw error
        } catch {
            throw ControlError(.internal, "the control session failed: \(error)")
        }
        switch frame {
        case .line(let bytes): return try ControlCodec.response(bytes.readableBytesView).get()
        case .oversized: throw ControlError(.internal, "the node's answer is longer than \(ControlClient.maximumResponseBytes) bytes")
        }
    }

    /// Returns once the session is closed, by either end (the node stopped, or `close()`).
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// Closes the session; the node revokes the names registered on it with `untilDisconnect`.
    public func close() async {
        try? await channel.close()
    }
}

/// The requests of a session waiting for their answers, oldest first. Lives in the channel's pipeline; every
/// method runs on the channel's event loop (hence `@unchecked Sendable`).
final class PendingAnswers: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ControlFrame
    private var waiting = CircularBuffer<EventLoopPromise<ControlFrame>>()

    /// Queues the promise of a request just written.
    func expect(_ promise: EventLoopPromise<ControlFrame>) { waiting.append(promise) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let first = waiting.popFirst() else { return }  // an answer nobody asked for: ignored
        first.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(ControlError(.internal, "the node closed the control session (is it stopping?)"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(ControlError(.internal, "the control session failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: ControlError) {
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}
