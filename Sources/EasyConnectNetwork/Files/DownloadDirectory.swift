import EasyConnect
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where received files go, and how they get there without ever appearing half-written or overwriting
/// anything: bytes land in a hidden partial file (`.NAME.XXXXXXXX.partial`, mode 0600) opened with
/// `O_EXCL`; once the SHA-256 matches, the partial file is flushed to disk (`fsync`) and hard-linked
/// under the first free name among `FileNameSanitizer.candidates` (`link` fails rather than replace an
/// existing file), then the partial name is removed and the directory flushed. A failed or cancelled
/// transfer removes its partial file.
public struct DownloadDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// Uses `path`, creating it (mode 0700) when missing.
    public init(path: String) throws(FileStoreError) {
        var isDirectory = stat()
        if stat(path, &isDirectory) != 0 {
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw .system("cannot create the download folder \(path)", errno) }
        } else if isDirectory.st_mode & S_IFMT != S_IFDIR {
            throw .notADirectory(path)
        }
        self.path = path
    }

    /// Opens a new partial file for `safeName`. `tag` keeps names of concurrent transfers apart.
    public func createPartial(safeName: String, tag: UInt64) throws(FileStoreError) -> PartialFile {
        for attempt in 0..<16 {
            let hex = String(tag &+ UInt64(attempt), radix: 16)
            let partial = "\(path)/.\(safeName).\(hex).partial"
            let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return PartialFile(fd: fd, partialPath: partial, safeName: safeName, directory: path) }
            if errno != EEXIST { throw .system("cannot create \(partial)", errno) }
        }
        throw .system("cannot create a partial file for \(safeName)", EEXIST)
    }
}

/// A received file while it is incomplete. The session writes it on its event loop and commits it
/// (`fsync`, final name) on its disk thread; every operation holds a lock, and once the file is discarded
/// or committed its descriptor is closed and later writes fail (a write that comes late must never land
/// in whatever file or socket reuses the descriptor number).
public final class PartialFile: @unchecked Sendable {
    private let fd: Int32
    /// Where its bytes are until it is complete.
    public let partialPath: String
    let safeName: String
    let directory: String
    private let lock = NIOLock()
    private var isOpen = true

    init(fd: Int32, partialPath: String, safeName: String, directory: String) {
        (self.fd, self.partialPath, self.safeName, self.directory) = (fd, partialPath, safeName, directory)
    }

    deinit { if isOpen { close(fd) } }

    /// Writes `bytes` at `offset` (a blocking page-cache write: the session makes it on its own event loop
    /// thread, next to the decryption). Fails once the file was
    /// discarded or committed.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(FileStoreError) {
        try write(bytes[...], at: offset)
    }

    /// Writes `bytes` at `offset` (a blocking page-cache write: the session makes it on its own event loop
    /// thread, next to the decryption). Fails once the file was
    /// discarded or committed.
    public func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(FileStoreError) {
        lock.lock()
        defer { lock.unlock() }
        guard isOpen else { throw .system("cannot write \(partialPath): the transfer has ended", EBADF) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("cannot write \(partialPath)", errno)
            }
            done += n
        }
    }

    /// Flushes the bytes to disk and gives the file its final name: the first of `candidates` that does
    /// not exist. Returns the final path. Blocking.
    public func commit() throws(FileStoreError) -> String {
        lock.lock()
        defer { lock.unlock() }
        guard isOpen else { throw .system("cannot store \(partialPath): the transfer has ended", EBADF) }
        guard fsync(fd) == 0 else { throw .system("cannot flush \(partialPath) to disk", errno) }
        close(fd)
        isOpen = false
        for name in FileNameSanitizer.candidates(for: safeName) {
            let final = "\(directory)/\(name)"
            if link(partialPath, final) == 0 {
                unlink(partialPath)
                syncDirectory()
                return final
            }
            if errno == EEXIST { continue }
            // No hard links on this file system: reserve the name with O_EXCL, then rename over the reservation.
            let reserved = open(final, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if reserved < 0 {
                if errno == EEXIST { continue }
                throw .system("cannot create \(final)", errno)
            }
            close(reserved)
            guard rename(partialPath, final) == 0 else {
                unlink(final)
                throw .system("cannot rename \(partialPath) to \(final)", errno)
            }
            syncDirectory()
            return final
        }
        throw .system("no free name for \(safeName) in \(directory)", EEXIST)
    }

    /// Removes the partial file (transfer failed or cancelled); writes still queued fail from now on.
    public func discard() {
        lock.lock()
        defer { lock.unlock() }
        if isOpen {
            close(fd)
            isOpen = false
        }
        unlink(partialPath)
    }

    private func syncDirectory() {
        let d = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if d >= 0 {
            fsync(d)
            close(d)
        }
    }
}

/// A file being sent: opened once, read at increasing offsets (blocking page-cache reads, made on the
/// session's own event loop thread, next to the encryption).
public final class OutgoingFile: @unchecked Sendable {
    let fd: Int32
    /// Its path.
    public let path: String
    /// The name the other side sees (the last path component).
    public let name: String
    /// Its size when offered.
    public let size: UInt64

    /// Opens `path` for reading.
    public init(path: String) throws(FileStoreError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("cannot open \(path)", errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw .system("cannot read \(path)", errno)
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notARegularFile(path)
        }
        self.fd = fd
        self.path = path
        self.name = String(path.split(separator: "/").last ?? Substring(path))
        self.size = UInt64(st.st_size)
    }

    deinit { close(fd) }

    /// Up to `count` bytes at `offset`, after `headroom` bytes left for the caller (zero).
    public func read(at offset: UInt64, count: Int, headroom: Int = 0) throws(FileStoreError) -> [UInt8] {
        var failure: Int32?
        let out = [UInt8](unsafeUninitializedCapacity: headroom + count) { buffer, initialized in
            for i in 0..<headroom { buffer[i] = 0 }
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + headroom + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = headroom + done
        }
        if let failure { throw .system("cannot read \(path)", failure) }
        return out
    }
}

/// Why a file could not be stored or read.
public enum FileStoreError: Error, Sendable, CustomStringConvertible {
    /// A system call failed.
    case system(String, Int32)
    /// The download path exists and is not a directory.
    case notADirectory(String)
    /// The path to send is not a regular file.
    case notARegularFile(String)

    public var description: String {
        switch self {
        case .system(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .notADirectory(let p): "\(p) is not a directory: choose another download folder"
        case .notARegularFile(let p): "\(p) is not a regular file: only files can be sent"
        }
    }
}
