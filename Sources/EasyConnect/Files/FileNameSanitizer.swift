/// Turns a file name offered by the other side into one that is safe to create in the download folder.
///
/// - Only the last path component is kept (`/` and `\` both separate), so `../../.ssh/authorized_keys`
///   becomes `authorized_keys` inside the download folder and `/etc/passwd` becomes `passwd`.
/// - Control characters (terminal escapes, newlines) and NUL are dropped; `.` and `..` and names made only
///   of dots or spaces become `received-file`; a leading dot is replaced so nothing arrives hidden; leading
///   and trailing spaces are trimmed.
/// - The result is at most 200 UTF-8 bytes, keeping the extension when it is short.
///
/// Existing files are never overwritten: `candidates` gives `name`, `name (1).ext`, `name (2).ext`, … and
/// the driver creates the first one that does not exist, atomically.
public enum FileNameSanitizer {
    /// Longest sanitised name in UTF-8 bytes.
    public static let maximumBytes = 200
    /// The name used when nothing usable is left.
    public static let fallback = "received-file"

    /// The safe version of `offered`.
    public static func sanitize(_ offered: String) -> String {
        let last = offered.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var name = String(String.UnicodeScalarView(last.unicodeScalars.filter { !DisplayText.isControl($0) }))
        name = name.trimmingSpaces()
        if name.allSatisfy({ $0 == "." || $0 == " " }) { return fallback }
        if name.hasPrefix(".") { name = "_" + name.dropFirst() }
        name = fitted(name)
        return name.isEmpty ? fallback : name
    }

    /// `name`, then `stem (1).ext`, `stem (2).ext`, … up to `limit` candidates.
    public static func candidates(for name: String, limit: Int = 1000) -> [String] {
        let (stem, ext) = split(name)
        return [name] + (1..<max(1, limit)).map { fitted("\(stem) (\($0))\(ext)", keepingSuffix: " (\($0))\(ext)") }
    }

    private static func split(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        let ext = String(name[dot...])
        guard ext.utf8.count <= 16 else { return (name, "") }
        return (String(name[..<dot]), ext)
    }

    private static func fitted(_ name: String) -> String {
        let (_, ext) = split(name)
        return fitted(name, keepingSuffix: ext)
    }

    /// Cuts `name` to `maximumBytes`, keeping `suffix` whole at its end.
    private static func fitted(_ name: String, keepingSuffix suffix: String) -> String {
        guard name.utf8.count > maximumBytes else { return name }
        let head = name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name
        let room = maximumBytes - suffix.utf8.count
        var out = ""
        for c in head {
            guard out.utf8.count + String(c).utf8.count <= room else { break }
            out.append(c)
        }
        return out + suffix
    }
}

extension String {
    /// Without leading and trailing spaces.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
