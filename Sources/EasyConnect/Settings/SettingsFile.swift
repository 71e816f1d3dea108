/// One settings file, read: the keys it sets, each with its line. The format (`docs/easy-connect.md`,
/// "Settings"): UTF-8 text (a leading byte-order mark is skipped; LF or CRLF line ends), one `key = value`
/// per line, `#` starts a comment, blank lines are ignored. Unknown keys, keys set twice and bad values
/// are errors naming the file, line and key; a file with any error sets nothing. Reading never traps,
/// whatever the bytes.
///
/// ```swift
/// let file = try SettingsFile(parsing: bytes, name: "/etc/easy-connect/policy.conf")
/// file.entries[.control]   // Entry(line: 3, value: .control(.viewOnly))
/// ```
public struct SettingsFile: Sendable, Hashable {
    /// A key's value and the line that set it.
    public struct Entry: Sendable, Hashable {
        /// The 1-based line.
        public var line: Int
        /// The value.
        public var value: SettingValue

        /// An entry.
        public init(line: Int, value: SettingValue) { (self.line, self.value) = (line, value) }
    }

    /// The file's path (or the name the caller gave it), as errors and sources show it.
    public let name: String
    /// The keys the file sets.
    public let entries: [SettingKey: Entry]

    /// The largest file read: 64 KiB, far more than every key with a long list of Helpers needs.
    public static let maximumBytes = 64 * 1024

    /// A file setting `entries` (for programs that build settings without text).
    public init(name: String, entries: [SettingKey: Entry]) { (self.name, self.entries) = (name, entries) }

    /// Reads `bytes`, the content of the file `name`; throws its first error.
    public init(parsing bytes: some Collection<UInt8>, name: String) throws(SettingsError) {
        let (entries, errors) = Self.scan(Array(bytes), name: name)
        if let first = errors.first { throw first }
        self.init(name: name, entries: entries)
    }

    /// Every error in `bytes` (empty when the file is valid), in line order: what `settings check` lists.
    public static func problems(in bytes: some Collection<UInt8>, name: String) -> [SettingsError] {
        scan(Array(bytes), name: name).errors
    }

    /// The defaults with this file's values applied.
    public var settings: EasyConnectSettings {
        var s = EasyConnectSettings()
        for (key, entry) in entries { s.set(key, to: entry.value) }
        return s
    }

    // MARK: - Reading

    private static func scan(_ bytes: [UInt8], name: String) -> (entries: [SettingKey: Entry], errors: [SettingsError]) {
        func fileError(_ problem: SettingsProblem, line: Int? = nil) -> SettingsError { SettingsError(file: name, line: line, problem: problem) }
        guard bytes.count <= maximumBytes else { return ([:], [fileError(.tooLarge(limit: maximumBytes))]) }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.starts(with: [0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE]) { return ([:], [fileError(.utf16, line: 1)]) }

        var entries: [SettingKey: Entry] = [:]
        var errors: [SettingsError] = []
        for (index, rawLine) in body.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var lineBytes = rawLine
            if lineBytes.last == 0x0D { lineBytes = lineBytes.dropLast() }
            let text: String
            switch decode(lineBytes) {
            case .failure(let problem):
                errors.append(fileError(problem, line: number))
                continue
            case .success(let decoded):
                text = decoded
            }
            // A comment runs from `#` to the end of the line; no value contains `#`.
            let content = (text.firstIndex(of: "#").map { text[..<$0] } ?? text[...]).trimmingBlanks()
            if content.isEmpty { continue }
            guard let equals = content.firstIndex(of: "=") else {
                errors.append(SettingsError(file: name, line: number, key: content, problem: .notAnAssignment))
                continue
            }
            let keyText = content[..<equals].trimmingBlanks()
            let valueText = content[content.index(after: equals)...].trimmingBlanks()
            guard !keyText.isEmpty else {
                errors.append(SettingsError(file: name, line: number, problem: .missingKey))
                continue
            }
            guard let key = SettingKey(rawValue: keyText) else {
                errors.append(SettingsError(file: name, line: number, key: keyText, problem: .unknownKey(suggestion: SettingKey.suggestion(for: keyText))))
                continue
            }
            if let first = entries[key] {
                errors.append(SettingsError(file: name, line: number, key: keyText, problem: .duplicateKey(firstLine: first.line)))
                continue
            }
            switch key.parse(valueText) {
            case .success(let value):
                entries[key] = Entry(line: number, value: value)
            case .failure(let problem):
                errors.append(SettingsError(file: name, line: number, key: keyText, value: valueText, problem: problem))
                // Later lines setting it again are still duplicates.
                entries[key] = Entry(line: number, value: EasyConnectSettings.defaults.value(of: key))
            }
        }
        return (errors.isEmpty ? entries : [:], errors)
    }

    /// The line as text: strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF) with no
    /// control character but the tab.
    private static func decode(_ bytes: ArraySlice<UInt8>) -> Result<String, SettingsProblem> {
        var iterator = bytes.makeIterator()
        var decoder = Unicode.UTF8()
        var scalars = String.UnicodeScalarView()
        var byteOffset = 0
        var column = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                column += 1
                if scalar != "\t", DisplayText.isControl(scalar) { return .failure(.controlCharacter(column: column, scalar: scalar.value)) }
                byteOffset += UTF8.width(scalar)
                scalars.append(scalar)
            case .emptyInput:
                return .success(String(scalars))
            case .error:
                return .failure(.notUTF8(column: byteOffset + 1))
            }
        }
    }
}
