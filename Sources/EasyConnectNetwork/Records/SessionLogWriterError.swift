/// Why a session log cannot be kept.
public enum SessionLogWriterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The log directory cannot be created or used.
    case directory(String, reason: String)
    /// A file operation failed.
    case io(String, reason: String)
    /// Every name for this second is taken (`-2` … `-999`).
    case namesExhausted(directory: String, stem: String)

    public var description: String {
        switch self {
        case .directory(let path, let why):
            "cannot keep session logs in \(path): \(why); choose another directory, or turn session logs off (easy-connect: --no-session-log)"
        case .io(let path, let why): "cannot write the session log \(path): \(why)"
        case .namesExhausted(let directory, let stem):
            "every name from \(stem).xml to \(stem)-999.xml is taken in \(directory); move old logs away"
        }
    }
}
