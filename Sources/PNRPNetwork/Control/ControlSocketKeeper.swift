import Foundation
import Logging
import NIOCore
import NIOPosix

/// The control socket of a long-running node, kept reachable: a `ControlServer` at `socketPath`, and a
/// check every `checkInterval` that its file is still there. When the file was removed (a cleaner of
/// temporary files, a mistaken `rm`), a new server is bound at the same path, so `pnrp status` and
/// `pnrp stop` reach the node again within one interval. Connections open on an earlier socket keep
/// being served until the node stops.
///
/// ```swift
/// let keeper = try await ControlSocketKeeper.bind(socketPath: ControlProtocol.socketPath(in: directory), logger: logger)
/// await keeper.run(handler: daemon)   // returns after stop() or a `shutdown` request on any of its sockets
/// ```
public final class ControlSocketKeeper: @unchecked Sendable {
    /// Path of the socket file.
    public let socketPath: String
    /// Time between two checks of the socket file.
    public let checkInterval: Duration
    /// At most this many servers are kept (the current one and those whose file was removed, still
    /// serving their open connections); beyond, the oldest is stopped.
    public static let maximumServers = 4

    private let group: any EventLoopGroup
    private let logger: Logger
    private let lock = NSLock()
    private var servers: [ControlServer]
    private var stopped = false
    private var recreations = 0
    private var lastFailure: String?
    private var evicted: Set<ObjectIdentifier> = []

    private init(socketPath: String, checkInterval: Duration, group: any EventLoopGroup, logger: Logger, first: ControlServer) {
        (self.socketPath, self.checkInterval, self.group, self.logger, self.servers) = (socketPath, checkInterval, group, logger, [first])
    }

    /// Opens the socket at `socketPath` (see `ControlServer.bind`, whose errors it throws).
    public static func bind(
        socketPath: String, checkInterval: Duration = .seconds(2), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "pnrp.control")
    ) async throws(ControlServerError) -> ControlSocketKeeper {
        let first = try await ControlServer.bind(socketPath: socketPath, group: group, logger: logger)
        return ControlSocketKeeper(socketPath: socketPath, checkInterval: max(checkInterval, .milliseconds(10)), group: group, logger: logger, first: first)
    }

    /// How many times the socket was bound again after its file disappeared.
    public var recreatedCount: Int { lock.withLock { recreations } }

    private enum Event: Sendable { case serverEnded(ObjectIdentifier), tick }

    /// Serves every socket until `stop()` is called or a client's `shutdown` request has been answered on
    /// any of them; then stops them all (each removes its own file if it is still there).
    public func run(handler: any ControlHandler) async {
        let interval = checkInterval
        await withTaskGroup(of: Event.self) { tasks in
            for server in lock.withLock({ servers }) {
                tasks.addTask {
                    await server.run(handler: handler)
                    return .serverEnded(ObjectIdentifier(server))
                }
            }
            tasks.addTask {
                try? await Task.sleep(for: interval)
                return .tick
            }
            while let event = await tasks.next() {
                switch event {
                case .serverEnded(let id):
                    // An old socket stopped to bound their number: the others go on.
                    if lock.withLock({ evicted.remove(id) != nil }) { continue }
                    stop()
                    tasks.cancelAll()
                    while await tasks.next() != nil {}
                    return
                case .tick:
                    if let fresh = await replaceIfMissing() {
                        tasks.addTask {
                            await fresh.run(handler: handler)
                            return .serverEnded(ObjectIdentifier(fresh))
                        }
                    }
                    if lock.withLock({ stopped }) { continue }
                    tasks.addTask {
                        try? await Task.sleep(for: interval)
                        return .tick
                    }
                }
            }
        }
    }

    /// Stops every socket; `run` then returns.
    public func stop() {
        let all = lock.withLock {
            stopped = true
            return servers
        }
        for server in all { server.stop() }
    }

    /// Stops without serving (for a node that failed to start after binding) and removes the socket file.
    public func close() async {
        let all = lock.withLock {
            stopped = true
            return servers
        }
        for server in all { await server.close() }
    }

    /// Binds a new server when the current one's file is gone; nil when nothing had to (or could) be done.
    private func replaceIfMissing() async -> ControlServer? {
        guard let current = lock.withLock({ stopped ? nil : servers.last }), !current.socketFileIsPresent else { return nil }
        let fresh: ControlServer
        do {
            fresh = try await ControlServer.bind(socketPath: socketPath, group: group, logger: logger)
        } catch {
            let reason = error.description
            let isNew = lock.withLock {
                defer { lastFailure = reason }
                return lastFailure != reason
            }
            if isNew { logger.error("the control socket was removed and cannot be recreated; client commands cannot reach this node", metadata: ["path": "\(socketPath)", "reason": "\(reason)"]) }
            return nil
        }
        let (accepted, retired) = lock.withLock { () -> (Bool, ControlServer?) in
            guard !stopped else { return (false, nil) }
            servers.append(fresh)
            recreations += 1
            lastFailure = nil
            guard servers.count > Self.maximumServers else { return (true, nil) }
            let oldest = servers.removeFirst()
            self.evicted.insert(ObjectIdentifier(oldest))
            return (true, oldest)
        }
        guard accepted else {
            await fresh.close()
            return nil
        }
        retired?.stop()
        logger.warning("the control socket was removed while the node runs; listening on it again", metadata: ["path": "\(socketPath)"])
        return fresh
    }
}
