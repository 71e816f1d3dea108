/// What a `ControlServer` hands each request to: the daemon's logic, or a test double.
public protocol ControlHandler: Sendable {
    /// Answers `request`. Never throws: every failure is a `ControlResponse.failure`.
    func handle(_ request: ControlRequest) async -> ControlResponse
    /// Answers `request`, which arrived on `connection`. The default answers with `handle(_:)`; a handler
    /// that ties state to a connection (registrations made with `untilDisconnect`) implements this one.
    func handle(_ request: ControlRequest, on connection: ControlConnectionID) async -> ControlResponse
    /// `connection` has closed, however its client ended; called once, after its last request was answered.
    /// The default does nothing.
    func connectionClosed(_ connection: ControlConnectionID) async
}

extension ControlHandler {
    /// Answers with `handle(_:)`.
    public func handle(_ request: ControlRequest, on connection: ControlConnectionID) async -> ControlResponse { await handle(request) }

    /// Does nothing.
    public func connectionClosed(_ connection: ControlConnectionID) async {}
}

/// Identifies one client connection of a `ControlServer` for as long as the server runs.
public struct ControlConnectionID: Hashable, Sendable, CustomStringConvertible {
    /// A per-server counter.
    public var rawValue: UInt64
    /// Wraps a counter value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "connection#\(rawValue)" }
}
