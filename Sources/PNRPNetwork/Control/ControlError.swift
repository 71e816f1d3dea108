/// Why a control request failed, as the daemon reports it and the client commands show it. The kind
/// decides the command's exit code; the message is one sentence for a person.
public struct ControlError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// The request was malformed or asked for something impossible (bad name, unknown cloud, bad JSON).
        case badInput
        /// The name is not registered here, or no node in the cloud publishes it.
        case notFound
        /// No answer within the time limit.
        case timeout
        /// No daemon answers on the state directory's control socket.
        case noDaemon
        /// Anything else: a bug, a socket failure, a daemon shutting down.
        case `internal`
    }

    /// The class of failure.
    public var kind: Kind
    /// What went wrong and, where possible, what to do about it.
    public var message: String
    /// For programs: the exact reason within the kind, where one operation has several a client may act on
    /// (`stream-relay`: `StreamRelayView.failureCode`). Absent otherwise.
    public var code: String?

    /// Builds an error.
    public init(_ kind: Kind, _ message: String, code: String? = nil) {
        (self.kind, self.message, self.code) = (kind, message, code)
    }

    /// The message.
    public var description: String { message }
}
