import EasyConnect

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One file of a session log directory, read: the log, or why it cannot be read (the file is left as it is).
public struct SessionLogEntry: Sendable {
    /// The file's name (`20250314092653.xml`).
    public let fileName: String
    /// The file's full path.
    public let path: String
    /// The log, when the file is one.
    public let log: SessionLog?
    /// Why the file is not a readable log (nil when `log` is set).
    public let problem: String?
}

/// Reading a directory of session logs (`<data directory>/Remote Assistance Logs`): `easy-connect logs`
/// lists and shows them, and embedders can do the same. Nothing here changes or deletes a file.
public enum SessionLogFolder {
    /// Every `*.xml` file of `directory`, newest first (by the time in its name, then its `-2`, `-3` …
    /// suffix), each read or with the reason it cannot be. A directory that does not exist holds no log.
    public static func entries(in directory: String) throws(SessionLogWriterError) -> [SessionLogEntry] {
        try names(in: directory).map { entry(at: directory + "/" + $0) }
    }

    /// The names of the log files of `directory`, newest first.
    public static func names(in directory: String) throws(SessionLogWriterError) -> [String] {
        guard let dir = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw .directory(directory, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".xml"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted { order($0) > order($1) }
    }

    /// Reads the log at `path` (a regular file, not followed through a symbolic link, at most
    /// `SessionLog.maximumBytes`).
    public static func entry(at path: String) -> SessionLogEntry {
        let name = String(path.split(separator: "/").last ?? Substring(path))
        func failed(_ why: String) -> SessionLogEntry { SessionLogEntry(fileName: name, path: path, log: nil, problem: why) }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return failed("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return failed("cannot read: \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT == S_IFREG else { return failed("not a regular file") }
        guard Int(st.st_size) <= SessionLog.maximumBytes else {
            return failed(SessionLogError.tooLarge(bytes: Int(st.st_size), limit: SessionLog.maximumBytes).description)
        }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var total = 0
        while total < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return failed("cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            total += n
        }
        bytes.removeLast(bytes.count - total)
        do {
            return SessionLogEntry(fileName: name, path: path, log: try SessionLog(parsing: bytes), problem: nil)
        } catch {
            return failed(error.description)
        }
    }

    /// Sorting key: `20250314092653-2.xml` → ("20250314092653", 2); other names sort by name, suffix 1.
    private static func order(_ name: String) -> (String, Int) {
        let stem = String(name.dropLast(4))
        if let dash = stem.lastIndex(of: "-"), let n = Int(stem[stem.index(after: dash)...]), n > 1 {
            return (String(stem[..<dash]), n)
        }
        return (stem, 1)
    }
}
