/// Why a control socket could not be opened.
public enum ControlServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A live node (with this process id, when it said) already answers on the socket.
    case alreadyRunning(path: String, pid: Int32?)
    /// Something that is not a socket occupies the path.
    case notASocket(String)
    /// The path is longer than a Unix domain socket address can hold.
    case pathTooLong(String)
    /// The socket could not be bound.
    case bind(String, String)

    /// One sentence saying what is wrong and what to do.
    public var description: String {
        switch self {
        case .alreadyRunning(let path, let pid?):
            "a pnrp node (pid \(pid)) is already running with control socket \(path); stop it with `pnrp stop` or pass another --state-dir"
        case .alreadyRunning(let path, nil):
            "something is listening on \(path) but does not answer like a pnrp node; stop it, or remove the file if nothing runs"
        case .notASocket(let path):
            "\(path) exists and is not a socket; move it away or pass another --state-dir"
        case .pathTooLong(let path):
            "the control socket path \(path) is too long for a Unix domain socket (about 100 bytes at most); pass a shorter --state-dir"
        case .bind(let path, let why):
            "cannot listen on \(path): \(why)"
        }
    }
}
