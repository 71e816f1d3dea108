import Foundation
import PNRP
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the settings file of `pnrp node --config FILE`, saying why when it cannot: missing, a directory,
/// not readable (and by whom), too large, or not UTF-8 (and where).
enum ConfigFileReader {
    /// The most a settings file may hold: it is a few `key = value` lines.
    static let maximumBytes = 1 << 20

    /// One sentence saying what is wrong with a settings file and what to do.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The settings in `path`.
    static func load(path: String) throws(Failure) -> DaemonConfigFile {
        let text = try self.text(path: path)
        do {
            return try DaemonConfigFile(text: text, path: path)
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// The file's text, checked to be a readable regular file of UTF-8.
    static func text(path: String) throws(Failure) -> String {
        func fail(_ why: String) -> Failure { Failure(description: "the config file \(path) \(why)") }
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT { throw fail("does not exist; check the path given to --config") }
            throw fail("cannot be read: \(FailureText.reason(code))")
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw fail("is a directory; --config takes a file of `key = value` lines")
        default: throw fail("is not a regular file; --config takes a file of `key = value` lines")
        }
        guard Int(st.st_size) <= maximumBytes else { throw fail("has \(st.st_size) bytes; a config file is a few `key = value` lines (at most 1 MiB)") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let code = errno
            if code == EACCES || code == EPERM {
                throw fail("cannot be read: permission denied (it belongs to uid \(st.st_uid), mode \(String(st.st_mode & 0o777, radix: 8)); you are uid \(geteuid()))")
            }
            throw fail("cannot be read: \(FailureText.reason(code))")
        }
        defer { try? handle.close() }
        let bytes: [UInt8]
        do {
            bytes = Array(try handle.read(upToCount: maximumBytes + 1) ?? Data())
        } catch {
            throw fail("cannot be read: \(error.localizedDescription)")
        }
        guard bytes.count <= maximumBytes else { throw fail("has more than 1 MiB; a config file is a few `key = value` lines") }
        if let offset = VisibleText.firstInvalidUTF8Offset(bytes) {
            let line = bytes[..<offset].filter { $0 == 0x0A }.count + 1
            throw fail("is not UTF-8 text: byte 0x\(String(bytes[offset], radix: 16)) on line \(line) (offset \(offset)); save it as UTF-8")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
