import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRPNetwork
import PeerCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of the command itself (not of a session): what to tell the person, the `reason` of the JSON
/// `disconnected` event, and the exit status.
struct CommandFailure: Error {
    /// The exit status.
    var status: ExitStatus
    /// The `reason` field of the `disconnected` event (`bad-input`, `invitation-waiting`, or an outcome kind).
    var reason: String
    /// The `code` field of the `error` event printed before it.
    var code: String
    /// One sentence saying what is wrong and what to do.
    var message: String
    /// More fields of the `error` event (`file`, `line`, `key` of a settings error).
    var fields: [String: JSONValue] = [:]

    /// Bad input (exit status 2).
    static func badInput(_ message: String, code: String = "bad-input") -> CommandFailure {
        CommandFailure(status: .badInput, reason: "bad-input", code: code, message: message)
    }
}

/// The data directory (`--data-dir`): `identity.key` (mode 0600), `invitation.lock`, the state
/// directories of the embedded PNRP nodes (`node-invite`, `node-help`) and the session logs
/// (`Remote Assistance Logs`). Created with mode 0700.
struct DataDirectory {
    /// The directory.
    let state: StateDirectory

    /// Uses `path`, creating it when missing.
    init(path: String) throws(CommandFailure) {
        do {
            state = try StateDirectory(path: path)
        } catch {
            switch error {
            case .notADirectory(let p): throw .badInput("\(p) exists and is not a directory; pass another --data-dir")
            default: throw .badInput("cannot use the data directory: \(error.description); pass another --data-dir")
            }
        }
    }

    /// The contact history, `RAContactHistory.xml`.
    var contacts: ContactBook { ContactBook(directory: state) }

    /// The record of the contact `text` names, with its key checked against its address.
    func contact(_ text: String) throws(CommandFailure) -> ContactRecord {
        do throws(ContactError) {
            return try contacts.load().trustedKey(for: ContactAddress(parsing: text)).0
        } catch {
            throw CommandFailure(error)
        }
    }

    /// The key file's path.
    var identityPath: String { state.file(NodeIdentity.fileName) }

    /// The identity key, created on first use (atomically, mode 0600). A file that cannot be read as a key is
    /// moved aside (never overwritten) and a new key is made; `warnings` say so, naming the new path.
    func identity() throws(CommandFailure) -> (identity: NodeIdentity, created: Bool, warnings: [String]) {
        // Two commands starting at once (a User and a Helper on one machine) must not both create a key.
        let lock = try FileLock.acquire(state.file("identity.lock"), wait: true)
        defer { lock?.release() }
        let existed = FileManager.default.fileExists(atPath: identityPath)
        var warnings: [String] = []
        let loaded: NodeIdentity?
        do {
            loaded = try NodeIdentity.load(from: state, createIfMissing: true, warnings: &warnings)
        } catch {
            throw .badInput("cannot read or create your key \(identityPath): \(error.description)")
        }
        guard let identity = loaded else {
            throw CommandFailure(status: .internalError, reason: "internal", code: "internal", message: "no key could be created in \(state.path)")
        }
        let created = !existed || warnings.contains { $0.contains("kept as") }
        return (identity, created, warnings)
    }

    /// The state directory of the embedded PNRP node for `role`, locked for this process. When another
    /// process of the same role holds `node-<role>`, the next free `node-<role>-2`… is used.
    func nodeDirectory(role: ConnectionRole) throws(CommandFailure) -> (StateDirectory, FileLock) {
        let base = role == .user ? "node-invite" : "node-help"
        for n in 1...16 {
            let name = n == 1 ? base : "\(base)-\(n)"
            guard let lock = try FileLock.acquire(state.file(name + ".lock"), wait: false) else { continue }
            do {
                return (try StateDirectory(path: state.file(name)), lock)
            } catch {
                lock.release()
                throw .badInput("cannot use \(state.file(name)) for the embedded PNRP node: \(error.description)")
            }
        }
        throw .badInput("16 easy-connect processes of this role already run with the data directory \(state.path)")
    }
}

/// An exclusive `flock` on a file, held until `release()` or the end of the process.
final class FileLock: @unchecked Sendable {
    /// The locked file's descriptor.
    let fd: Int32
    /// Its path.
    let path: String

    private var released = false

    private init(fd: Int32, path: String) { (self.fd, self.path) = (fd, path) }

    /// Locks `path` (created with mode 0600): waits for the lock when `wait`, else returns nil when another
    /// process holds it.
    static func acquire(_ path: String, wait: Bool) throws(CommandFailure) -> FileLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .badInput("cannot open \(path): \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .badInput("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        return FileLock(fd: fd, path: path)
    }

    /// Replaces the file's content (it tells other processes who holds the lock).
    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = ftruncate(fd, 0)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Empties the file and unlocks it.
    func release() {
        guard !released else { return }
        released = true
        _ = ftruncate(fd, 0)
        _ = flock(fd, LOCK_UN)  // a forked child's copy of the descriptor must not keep the lock
        close(fd)
    }
}
