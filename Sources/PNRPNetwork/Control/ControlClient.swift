import NIOCore
import NIOPosix
import PNRP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The client end of the control socket, used by the `pnrp` commands and by tests: connects to a running
/// `pnrp node`, sends one request line and reads one response line.
///
/// ```swift
/// let client = ControlClient(stateDirectory: try StateDirectory())
/// let record = try await client.resolve(ResolveArguments(name: "0.printer", timeoutSeconds: 5))
/// ```
///
/// Every failure is a `ControlError`: `noDaemon` when nothing listens on the socket, `timeout` when the
/// node does not answer in time, otherwise what the node reported.
public struct ControlClient: Sendable {
    /// Path of the node's control socket.
    public let socketPath: String
    /// Where the connection runs.
    public let group: any EventLoopGroup
    /// Longest response line accepted (cache listings can be long).
    public static let maximumResponseBytes = 16 * 1024 * 1024

    /// A client of the socket at `socketPath`.
    public init(socketPath: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        (self.socketPath, self.group) = (socketPath, group)
    }

    /// A client of the node whose state directory is `stateDirectory`.
    public init(stateDirectory: StateDirectory, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.init(socketPath: ControlProtocol.socketPath(in: stateDirectory), group: group)
    }

    /// Sends `request` and returns the node's reply, or throws the error it reported.
    public func send(_ request: ControlRequest, timeout: Duration = .seconds(10)) async throws(ControlError) -> ControlReply {
        try await exchange(try ControlCodec.line(request), timeout: timeout).get()
    }

    /// Sends `bytes` as they are (they should end with a newline) and reads one response line. For tests
    /// of malformed requests and for tools that build their own JSON.
    public func exchange(_ bytes: [UInt8], timeout: Duration = .seconds(10)) async throws(ControlError) -> ControlResponse {
        let noDaemon = ControlError(.noDaemon, "no pnrp node is running with control socket \(socketPath)")
        var st = stat()
        guard lstat(socketPath, &st) == 0 else { throw noDaemon }
        let connection: NIOAsyncChannel<ControlFrame, ByteBuffer>
        do {
            connection = try await ClientBootstrap(group: group).connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ControlLineDecoder(maximumLength: Self.maximumResponseBytes)))
                    return try NIOAsyncChannel<ControlFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        } catch let error as IOError where [ECONNREFUSED, ENOENT, ENOTSOCK].contains(error.errnoCode) {
            throw noDaemon
        } catch let error as IOError where error.errnoCode == EACCES || error.errnoCode == EPERM {
            throw ControlError(.internal, "not allowed to use \(socketPath): the node runs as another user")
        } catch {
            throw ControlError(.internal, "cannot connect to \(socketPath): \(error)")
        }
        let channel = connection.channel
        let nanos = Int64(clamping: NodeDuration(timeout).nanoseconds)
        let deadline = NIODeadline.now() + .nanoseconds(nanos)
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
        defer { timer.cancel() }
        let frame: ControlFrame?
        do {
            frame = try await connection.executeThenClose { inbound, outbound in
                // A node refusing the connection answers at once and stops reading: its answer still counts.
                let written: (any Error)?
                do {
                    try await outbound.write(ByteBuffer(bytes: bytes))
                    written = nil
                } catch {
                    written = error
                }
                var iterator = inbound.makeAsyncIterator()
                if let next = try await iterator.next() { return next }
                if let written { throw written }
                return nil
            }
        } catch {
            if NIODeadline.now() >= deadline { throw ControlError(.timeout, "the node did not answer within \(timeout)") }
            throw ControlError(.internal, "the connection to \(socketPath) failed: \(error)")
        }
        switch frame {
        case .line(let line)?:
            return try ControlCodec.response(line.readableBytesView)
        case .oversized?:
            throw ControlError(.internal, "the node's answer is longer than \(Self.maximumResponseBytes) bytes")
        case nil:
            if NIODeadline.now() >= deadline { throw ControlError(.timeout, "the node did not answer within \(timeout)") }
            throw ControlError(.internal, "the node closed the connection without answering (is it stopping?)")
        }
    }
}
