import Foundation
import PeerCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The directory where a node keeps what must survive a restart: its identity key, its cache, and the
/// control socket. Files are replaced atomically (temporary file, fsync, rename, fsync of the directory);
/// a file that cannot be read back is moved aside — never overwritten — and reported.
public struct StateDirectory: Sendable, Hashable {
    /// Absolute path of the directory.
    public let path: String

    /// `$XDG_STATE_HOME/pnrp`, else `$HOME/.local/state/pnrp` (the home directory from the password
    /// database when `HOME` is not set; never a shared directory such as /tmp).
    public static var defaultPath: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/pnrp" }
        if let home = env["HOME"], home.hasPrefix("/") { return home + "/.local/state/pnrp" }
        if let entry = getpwuid(geteuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) + "/.local/state/pnrp" }
        return "/nonexistent/pnrp"
    }

    /// Uses `path` (created with mode 0700 when missing). An existing directory must be a real directory
    /// (not a symbolic link) owned by this user; if others can read or write it, it is set to 0700.
    public init(path: String = StateDirectory.defaultPath) throws(StateError) {
        self.path = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        var st = stat()
        if lstat(self.path, &st) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .io(self.path, "cannot create the directory: \(error.localizedDescription)")
            }
            guard lstat(self.path, &st) == 0 else { throw .io(self.path, "cannot read the new directory") }
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw .notADirectory(self.path) }
        guard st.st_uid == geteuid() else { throw .io(self.path, "belongs to another user (uid \(st.st_uid)); use a directory of your own") }
        if st.st_mode & 0o077 != 0, chmod(self.path, 0o700) != 0 {
            throw .io(self.path, "others can access it and it cannot be set to 0700")
        }
    }

    /// Full path of a file in the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Reads a file; nil when it does not exist.
    public func read(_ name: String) throws(StateError) -> [UInt8]? {
        let p = file(name)
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        guard let data = FileManager.default.contents(atPath: p) else { throw .io(p, "cannot read the file") }
        return Array(data)
    }

    /// Replaces `name` with `bytes` atomically, with permissions `mode`.
    public func writeAtomically(_ name: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(StateError) {
        let target = file(name)
        // A fresh name nobody can have prepared, created exclusively and never through a symbolic link.
        let suffix = SecureRandom.bytes(8).map { String($0, radix: 16) }.joined()
        let temporary = target + ".tmp.\(suffix)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(temporary, "cannot create: \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw .io(temporary, "cannot write: \(message)")
            }
            written += n
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw .io(temporary, "cannot set its mode or flush it: \(message)")
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw .io(target, "cannot replace: \(message)")
        }
        let dfd = open(path, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// Moves an unreadable file aside as `name.corrupt-<unix seconds>` and returns the new path.
    @discardableResult
    public func moveAside(_ name: String) -> String { moveAside(name, label: "corrupt") }

    /// The permission bits of a file, if it exists.
    public func mode(of name: String) -> mode_t? {
        var st = stat()
        guard stat(file(name), &st) == 0 else { return nil }
        return st.st_mode & 0o777
    }
}

/// A state-directory problem, with the path involved.
public enum StateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path exists and is not a directory.
    case notADirectory(String)
    /// A system call failed.
    case io(String, String)
    /// A file's content is not what this program writes; it was moved to the second path.
    case corrupt(String, movedTo: String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let p): "\(p) exists and is not a directory; pass another --state-dir"
        case .io(let p, let why): "\(p): \(why)"
        case .corrupt(let p, let aside, let why): "\(p) was unreadable (\(why)); kept as \(aside) and started afresh"
        }
    }
}
