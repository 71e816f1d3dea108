import EasyConnect

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the settings files (only reads: nothing is ever written or repaired) and combines them.
///
/// ```swift
/// let locations = SettingsLocations.standard(environment: ProcessInfo.processInfo.environment, home: home)
/// let loaded = try SettingsLoader.load(locations)        // throws(SettingsError) naming file:line: key
/// if !loaded.effective.settings.solicitedHelpDecision.isAllowed { … }
/// ```
public enum SettingsLoader {
    /// The settings in force at `locations`. An invalid file, or a missing file named explicitly, is
    /// refused with its first error.
    public static func load(_ locations: SettingsLocations) throws(SettingsError) -> LoadedSettings {
        let user = try readFile(locations.user)
        let policy = try readFile(locations.policy)
        return LoadedSettings(locations: locations, effective: EffectiveSettings(user: user, policy: policy))
    }

    /// The file at `place`, read; nil when it is absent from its standard place.
    public static func readFile(_ place: SettingsLocations.Place) throws(SettingsError) -> SettingsFile? {
        guard let bytes = try readBytes(place.path, mustExist: place.explicit) else { return nil }
        return try SettingsFile(parsing: bytes, name: place.path)
    }

    /// The bytes of `path` (at most `SettingsFile.maximumBytes` + 1); nil when it does not exist and need
    /// not.
    public static func readBytes(_ path: String, mustExist: Bool) throws(SettingsError) -> [UInt8]? {
        func failure(_ problem: SettingsProblem) -> SettingsError { SettingsError(file: path, problem: problem) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                if mustExist { throw failure(.missing) }
                return nil
            }
            if code == EISDIR { throw failure(.directory) }
            throw failure(.unreadable(String(cString: strerror(code))))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(.unreadable(String(cString: strerror(errno)))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw failure(.directory) }
        // Opened without blocking (a FIFO with no writer must not hang the command); read normally.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count <= SettingsFile.maximumBytes {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(.unreadable(String(cString: strerror(errno))))
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }
}
