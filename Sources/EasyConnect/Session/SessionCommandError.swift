/// Why a command could not be carried out now. Nothing was sent.
public enum SessionCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The session has not started (or has ended).
    case notInSession
    /// Only the other role may do this (`pause` is the User's, `request control` the Helper's …).
    case wrongRole(action: String, allowedFor: ConnectionRole)
    /// The sharing state does not allow it now.
    case notNow(action: String, why: String)
    /// No transfer with this ID is waiting for this action.
    case unknownTransfer(UInt32)
    /// The text or name is too long or malformed.
    case badInput(String)

    public var description: String {
        switch self {
        case .notInSession: "there is no session yet (or it has ended)"
        case .wrongRole(let a, let r): "only the \(r == .user ? "person being helped" : "helper") can \(a)"
        case .notNow(let a, let why): "cannot \(a) now: \(why)"
        case .unknownTransfer(let id): "no file transfer \(id) is waiting for that"
        case .badInput(let why): why
        }
    }
}
