import EasyConnect
import PNRPNetwork
import PeerCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Invitation files on disk. A file is written atomically (a temporary file with mode 0600 next to it,
/// `fsync`, then its final name, then the directory flushed), so a Helper never reads half of one; an
/// existing file is never replaced unless asked (`link` fails rather than overwrite). Reading takes at most
/// `InvitationFile.maximumFileBytes`.
public enum InvitationFileStore {
    /// Writes `bytes` at `path` atomically with mode 0600. Refuses an existing `path` unless `overwrite`.
    public static func save(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(InvitationFileStoreError) {
        let suffix = SecureRandom.bytes(6).map { String($0, radix: 16) }.joined()
        let temporary = directory(of: path) + "/." + name(of: path) + ".tmp." + suffix
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path, "cannot create a file next to it: \(errorText())") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = errorText()
                close(fd)
                unlink(temporary)
                throw .io(path, "cannot write: \(why)")
            }
            written += n
        }
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0 else {
            let why = errorText()
            close(fd)
            unlink(temporary)
            throw .io(path, "cannot flush it to disk: \(why)")
        }
        close(fd)
        defer { unlink(temporary) }
        if overwrite {
            guard rename(temporary, path) == 0 else { throw .io(path, "cannot give the file its name: \(errorText())") }
        } else if link(temporary, path) != 0 {
            if errno == EEXIST { throw .exists(path) }
            // No hard links on this file system (FAT on a USB stick): reserve the name with O_EXCL, then
            // rename over the reservation.
            let reserved = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard reserved >= 0 else {
                if errno == EEXIST { throw .exists(path) }
                throw .io(path, "cannot create: \(errorText())")
            }
            close(reserved)
            guard rename(temporary, path) == 0 else {
                let why = errorText()
                unlink(path)
                throw .io(path, "cannot give the file its name: \(why)")
            }
        }
        let d = open(directory(of: path), O_RDONLY | O_CLOEXEC)
        if d >= 0 {
            fsync(d)
            close(d)
        }
    }

    /// The bytes of the regular file at `path` (at most `InvitationFile.maximumFileBytes` + 1 are read: a larger
    /// file is refused by `InvitationFile` as too large).
    public static func load(_ path: String) throws(InvitationFileStoreError) -> [UInt8] {
        // Non-blocking, so that a FIFO given by mistake is refused rather than waited on.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound(path) }
            throw .io(path, "cannot open: \(errorText())")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { throw .io(path, "is not a regular file, so not an invitation file") }
        let limit = InvitationFile.maximumFileBytes + 1
        var bytes = [UInt8](repeating: 0, count: limit)
        var total = 0
        while total < limit {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, limit - total) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path, "cannot read: \(errorText())")
            }
            if n == 0 { break }
            total += n
        }
        return Array(bytes.prefix(total))
    }

    /// Reads and opens the invitation file at `path` with `filePassword` at the system's time, allowing
    /// lifetimes up to `maximumLifetime`. Costs one Argon2id evaluation.
    public static func openInvitation(
        at path: String, filePassword: InvitationFilePassword, maximumLifetime: Duration = FileInviteOptions.defaultMaximumFileLifetime
    ) throws(InvitationFileStoreError) -> InvitationFile {
        let bytes = try load(path)
        do {
            return try InvitationFile.open(
                bytes, with: filePassword, nowUnixSeconds: UInt64(HostClock.now().nanoseconds / 1_000_000_000),
                maximumLifetimeMinutes: FileInviteOptions.minutes(maximumLifetime))
        } catch {
            throw .invalid(path, error)
        }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func name(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// Why an invitation file could not be written, read or opened.
public enum InvitationFileStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A file of that name exists and replacing it was not asked for.
    case exists(String)
    /// There is no file at the path.
    case notFound(String)
    /// A system call failed on the path: why.
    case io(String, String)
    /// The file was read but is not a usable invitation (wrong password, changed, expired, malformed …).
    case invalid(String, InvitationFileError)

    public var description: String {
        switch self {
        case .exists(let p): "\(p) already exists; choose another name, or allow replacing it (--overwrite)"
        case .notFound(let p): "there is no file \(p); check the name of the invitation file"
        case .io(let p, let why): "\(p): \(why)"
        case .invalid(_, let e): e.description
        }
    }
}
