import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive lock a node holds on its state directory for as long as it runs: `flock` on
/// `node.lock` in the directory, with the holder's process id written in the file. A second node on the
/// same directory cannot take it, whatever happened to `control.sock`, and learns the first one's id.
///
/// The kernel releases the lock when the process ends, however it ends (even SIGKILL): a file left
/// behind by a node that no longer runs never blocks the next one.
///
/// ```swift
/// let lock = try StateDirectoryLock.acquire(in: directory)   // throws .held(pid:) if a node runs
/// defer { lock.release() }
/// ```
public final class StateDirectoryLock: @unchecked Sendable {
    /// Name of the lock file in the state directory.
    public static let fileName = "node.lock"

    /// Path of the lock file.
    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var released = false

    private init(path: String, descriptor: Int32) { (self.path, self.descriptor) = (path, descriptor) }

    /// Why the lock could not be taken.
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// Another process holds it: the process id it wrote, when it could be read.
        case held(path: String, pid: Int32?)
        /// The lock file could not be opened or locked.
        case io(path: String, reason: String)

        /// Whether another process holds the lock.
        public var isHeld: Bool {
            if case .held = self { true } else { false }
        }

        public var description: String {
            switch self {
            case .held(let path, let pid?):
                "a pnrp node (pid \(pid)) is already running with this state directory (it holds \(path)); stop it with `pnrp stop` or `kill \(pid)`, or pass another --state-dir"
            case .held(let path, nil):
                "a pnrp node is already running with this state directory (it holds \(path)); stop it with `pnrp stop`, or pass another --state-dir"
            case .io(let path, let reason):
                "cannot lock \(path): \(reason); check the state directory's permissions or pass another --state-dir"
            }
        }
    }

    /// Takes the lock of `directory` and writes this process's id in it. When another process holds it,
    /// tries again for up to `patience` (a client probing with `holder(in:)` holds it for an instant),
    /// then throws `.held` with that process's id.
    public static func acquire(in directory: StateDirectory, patience: Duration = .milliseconds(300)) throws(Failure) -> StateDirectoryLock {
        let path = directory.file(fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        let attempts = max(1, Int(patience / .milliseconds(50)) + 1)
        for attempt in 0..<attempts {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                let text = Array("\(getpid())\n".utf8)
                _ = ftruncate(fd, 0)
                _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
                _ = fsync(fd)
                return StateDirectoryLock(path: path, descriptor: fd)
            }
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw .io(path: path, reason: String(cString: strerror(code)))
            }
            if attempt < attempts - 1 { usleep(50_000) }
        }
        let pid = readPID(fd)
        close(fd)
        throw .held(path: path, pid: pid)
    }

    /// A process holding a state directory's lock.
    public struct Holder: Hashable, Sendable {
        /// Its process id, when the file could be read.
        public var pid: Int32?

        /// A holder with process id `pid`.
        public init(pid: Int32?) { self.pid = pid }
    }

    /// The process holding the lock of the state directory at `directory`, or nil when none does (or there
    /// is no lock file). Never creates the file.
    public static func holder(in directory: String) -> Holder? {
        let path = directory + "/" + fileName
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return Holder(pid: readPID(fd))
    }

    /// Releases the lock and empties the file (the kernel releases it anyway when the process ends).
    /// Calling it again does nothing.
    public func release() {
        lock.withLock {
            guard !released else { return }
            released = true
            _ = ftruncate(descriptor, 0)
            // Unlocked before closing: a child process forked in the meantime holds a copy of the descriptor
            // until it execs or exits, and a close alone would leave the lock held through that copy.
            _ = flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }

    deinit { release() }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
