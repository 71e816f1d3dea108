import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The daemon's end of the control socket: accepts client connections on a Unix domain socket (mode
/// 0600, so only the owner can talk to the node), reads newline-delimited JSON requests, hands them to a
/// `ControlHandler` and writes back one JSON line each.
///
/// ```swift
/// let server = try await ControlServer.bind(socketPath: ControlProtocol.socketPath(in: directory))
/// await server.run(handler: daemon)   // returns after stop() or a `shutdown` request
/// ```
///
/// Bounded: at most `ControlProtocol.maximumConnections` connections, lines of at most
/// `ControlProtocol.maximumLineBytes`, idle connections closed after `ControlProtocol.idleTimeout`.
/// A bad line gets an error response; the connection stays usable.
public final class ControlServer: Sendable {
    /// Path of the socket file.
    public let socketPath: String
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ControlFrame, ByteBuffer>, Never>
    private let connections: ConnectionRegistry
    private let logger: Logger
    private let inode: UInt64

    private init(socketPath: String, channel: NIOAsyncChannel<NIOAsyncChannel<ControlFrame, ByteBuffer>, Never>, connections: ConnectionRegistry, logger: Logger, inode: UInt64) {
        (self.socketPath, self.channel, self.connections, self.logger, self.inode) = (socketPath, channel, connections, logger, inode)
    }

    /// Opens the socket at `socketPath`. A socket file left by a node that no longer runs is removed; a
    /// live node answering on it, or a file that is not a socket, makes this throw.
    public static func bind(
        socketPath: String, maximumConnections: Int = ControlProtocol.maximumConnections,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "pnrp.control")
    ) async throws(ControlServerError) -> ControlServer {
        guard (try? SocketAddress(unixDomainSocketPath: socketPath)) != nil else { throw .pathTooLong(socketPath) }
        try await removeStaleSocket(socketPath, group: group, logger: logger)
        let connections = ConnectionRegistry(limit: maximumConnections)
        let idle = TimeAmount.nanoseconds(Int64(ControlProtocol.idleTimeout.components.seconds) * 1_000_000_000)
        let channel: NIOAsyncChannel<NIOAsyncChannel<ControlFrame, ByteBuffer>, Never>
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .bind(unixDomainSocketPath: socketPath) { child in
                    child.eventLoop.makeCompletedFuture {
                        let sync = child.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(allTimeout: idle))
                        try sync.addHandler(IdleConnectionCloser(connections: connections))
                        try sync.addHandler(ByteToMessageHandler(ControlLineDecoder(maximumLength: ControlProtocol.maximumLineBytes)))
                        return try NIOAsyncChannel<ControlFrame, ByteBuffer>(wrappingChannelSynchronously: child)
                    }
                }
        } catch {
            throw .bind(socketPath, "\(error)")
        }
        // The state directory is 0700 already; the socket itself is owner-only too.
        chmod(socketPath, 0o600)
        var st = stat()
        let inode = lstat(socketPath, &st) == 0 ? UInt64(st.st_ino) : 0
        logger.debug("control socket open", metadata: ["path": "\(socketPath)"])
        return ControlServer(socketPath: socketPath, channel: channel, connections: connections, logger: logger, inode: inode)
    }

    /// Removes a socket file nobody answers on; throws when a node answers or the path is not a socket.
    static func removeStaleSocket(_ path: String, group: any EventLoopGroup, logger: Logger) async throws(ControlServerError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard st.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path) }
        let client = ControlClient(socketPath: path, group: group)
        do {
            let reply = try await client.send(.status, timeout: .seconds(3))
            if case .status(let status) = reply { throw ControlServerError.alreadyRunning(path: path, pid: status.pid) }
            throw ControlServerError.alreadyRunning(path: path, pid: nil)
        } catch let error as ControlServerError {
            throw error
        } catch let error as ControlError where error.kind == .noDaemon {
            logger.info("removing the stale control socket of a node that no longer runs", metadata: ["path": "\(path)"])
            unlink(path)
        } catch {
            throw .alreadyRunning(path: path, pid: nil)
        }
    }

    /// Serves connections until `stop()` is called or a client's `shutdown` request has been answered;
    /// then closes every connection and removes the socket file. It returns without waiting for requests
    /// still in progress (a resolution may take a minute): their answers are dropped with the connections,
    /// and shutting the host down ends them.
    public func run(handler: any ControlHandler) async {
        do {
            try await channel.executeThenClose { inbound in
                for try await connection in inbound {
                    // Unstructured on purpose: a stopping server must not wait for a slow request.
                    Task { await self.serve(connection, handler: handler) }
                }
            }
        } catch {
            logger.debug("control socket closed", metadata: ["error": "\(error)"])
        }
        connections.stop()
        removeSocketFile()
    }

    /// Stops accepting connections and closes the open ones; `run` then returns.
    public func stop() {
        connections.stop()
        channel.channel.close(promise: nil)
    }

    /// Stops the server without serving (for a daemon that failed to start after binding), waits for
    /// the socket to close and removes its file.
    public func close() async {
        stop()
        try? await channel.channel.closeFuture.get()
        removeSocketFile()
    }

    /// Whether the socket file this server created is still at `socketPath` (it may have been removed or
    /// replaced while the server runs; the listening socket then no longer has a name clients can reach).
    public var socketFileIsPresent: Bool {
        var st = stat()
        return lstat(socketPath, &st) == 0 && UInt64(st.st_ino) == inode && st.st_mode & S_IFMT == S_IFSOCK
    }

    /// Connections being served now.
    public var openConnections: Int { connections.count }

    private func serve(_ connection: NIOAsyncChannel<ControlFrame, ByteBuffer>, handler: any ControlHandler) async {
        guard let id = connections.admit(connection.channel) else {
            let refusal = ControlResponse.failure(ControlError(.internal, "the node is serving \(connections.limit) connections already, or stopping; try again"))
            // Answer, stop writing, and give the client a moment to send its request and read the answer.
            let channel = connection.channel
            let deadline = channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
            try? await connection.executeThenClose { inbound, outbound in
                if let line = try? ControlCodec.line(refusal) { try await outbound.write(ByteBuffer(bytes: line)) }
                try? await channel.close(mode: .output)
                for try await _ in inbound {}
            }
            deadline.cancel()
            return
        }
        var shutdownRequested = false
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    let (response, request) = await answer(frame, on: id, handler: handler)
                    // A registration that ends with this connection: the connection is no longer closed for idleness.
                    if case .register(let a)? = request, a.untilDisconnect, case .success = response { connections.pin(connection.channel) }
                    let line = (try? ControlCodec.line(response)) ?? Self.unencodableAnswer
                    try await outbound.write(ByteBuffer(bytes: line))
                    if request == .shutdown, case .success = response {
                        shutdownRequested = true
                        break
                    }
                }
            }
        } catch {
            logger.debug("control connection ended", metadata: ["error": "\(error)"])
        }
        connections.remove(connection.channel)
        await handler.connectionClosed(id)
        if shutdownRequested {
            logger.info("stop requested through the control socket")
            stop()
        }
    }

    /// Sent in the (never expected) case that an answer cannot be encoded.
    static let unencodableAnswer = Array(#"{"error":{"kind":"internal","message":"the node could not encode its answer"},"ok":false,"version":1}"#.utf8) + [0x0A]

    private func answer(_ frame: ControlFrame, on id: ControlConnectionID, handler: any ControlHandler) async -> (ControlResponse, ControlRequest?) {
        switch frame {
        case .oversized:
            return (.failure(ControlError(.badInput, "the request line is longer than \(ControlProtocol.maximumLineBytes) bytes")), nil)
        case .line(let bytes):
            do {
                let request = try ControlCodec.request(bytes.readableBytesView)
                return (await handler.handle(request, on: id), request)
            } catch {
                return (.failure(error), nil)
            }
        }
    }

    /// Removes the socket file if it is still the one this server created.
    private func removeSocketFile() {
        var st = stat()
        guard lstat(socketPath, &st) == 0, UInt64(st.st_ino) == inode, st.st_mode & S_IFMT == S_IFSOCK else { return }
        unlink(socketPath)
    }
}
