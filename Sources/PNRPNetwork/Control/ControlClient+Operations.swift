/// One typed method per operation, checking that the reply is the one the request calls for.
extension ControlClient {
    /// Publishes a name; the reply says where.
    public func register(_ arguments: RegisterArguments) async throws(ControlError) -> RegisteredName {
        guard case .registered(let v) = try await send(.register(arguments)) else { throw Self.mismatch("register") }
        return v
    }

    /// Revokes a name registered through this node's control socket.
    public func unregister(_ name: String) async throws(ControlError) {
        guard case .unregistered = try await send(.unregister(UnregisterArguments(name: name))) else { throw Self.mismatch("unregister") }
    }

    /// Resolves a name; waits up to the resolution's own time limit plus a few seconds.
    public func resolve(_ arguments: ResolveArguments) async throws(ControlError) -> ResolvedRecord {
        let wait = Duration.milliseconds(Int64((max(0, min(arguments.timeoutSeconds, 3600)) * 1000).rounded())) + .seconds(5)
        guard case .resolved(let v) = try await send(.resolve(arguments), timeout: wait) else { throw Self.mismatch("resolve") }
        return v
    }

    /// The cached route entries of every cloud.
    public func cache() async throws(ControlError) -> [CacheEntryView] {
        guard case .cache(let v) = try await send(.cache) else { throw Self.mismatch("cache") }
        return v
    }

    /// The open clouds.
    public func clouds() async throws(ControlError) -> [CloudStatus] {
        guard case .clouds(let v) = try await send(.clouds) else { throw Self.mismatch("clouds") }
        return v
    }

    /// The node's status.
    public func status() async throws(ControlError) -> DaemonStatus {
        guard case .status(let v) = try await send(.status) else { throw Self.mismatch("status") }
        return v
    }

    /// Asks the node to stop; returns its process id.
    public func shutdown() async throws(ControlError) -> Int32 {
        guard case .stopping(let pid) = try await send(.shutdown) else { throw Self.mismatch("shutdown") }
        return pid
    }

    /// Whether strangers reach the node's global cloud, and where peers see it.
    public func reachability() async throws(ControlError) -> ReachabilityView {
        guard case .reachability(let v) = try await send(.reachability) else { throw Self.mismatch("reachability") }
        return v
    }

    /// A stream relay allocation from the node's relay; waits up to `timeoutSeconds` plus a few seconds.
    public func streamRelay(timeoutSeconds: Double = 10) async throws(ControlError) -> StreamRelayView {
        let wait = Duration.milliseconds(Int64((max(0, min(timeoutSeconds, 60)) * 1000).rounded())) + .seconds(5)
        guard case .streamRelay(let v) = try await send(.streamRelay(StreamRelayArguments(timeoutSeconds: timeoutSeconds)), timeout: wait) else {
            throw Self.mismatch("stream-relay")
        }
        return v
    }

    static func mismatch(_ op: String) -> ControlError {
        ControlError(.internal, "the node answered '\(op)' with another kind of reply; is it the same pnrp version?")
    }
}

extension ControlClient {
    /// Opens a session: one connection kept open for many requests, which registrations made with
    /// `untilDisconnect` last as long as.
    public func openSession() async throws(ControlError) -> ControlSession {
        try await ControlSession.open(socketPath: socketPath, group: group)
    }
}

/// The typed operations of a session that depend on its connection.
extension ControlSession {
    /// Publishes a name; with `untilDisconnect` it lasts until this session closes.
    public func register(_ arguments: RegisterArguments) async throws(ControlError) -> RegisteredName {
        guard case .registered(let v) = try await send(.register(arguments)) else { throw ControlClient.mismatch("register") }
        return v
    }

    /// Revokes a name registered through this node's control socket.
    public func unregister(_ name: String) async throws(ControlError) {
        guard case .unregistered = try await send(.unregister(UnregisterArguments(name: name))) else { throw ControlClient.mismatch("unregister") }
    }
}
