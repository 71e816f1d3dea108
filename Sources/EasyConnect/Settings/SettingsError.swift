/// What is wrong with a settings file, or one line of it. The description names the file, the line and
/// the key, says what is wrong and gives the allowed values:
///
///     policy.conf:7: consent-timeout = 300: above the maximum 120 seconds; use 10 to 120
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (its path, or the name the caller gave it).
    public var file: String
    /// The 1-based line, when the problem is on one.
    public var line: Int?
    /// The key as written, when the line has one.
    public var key: String?
    /// The value as written, when it is the value that is wrong.
    public var value: String?
    /// What is wrong.
    public var problem: SettingsProblem

    /// An error of `file`.
    public init(file: String, line: Int? = nil, key: String? = nil, value: String? = nil, problem: SettingsProblem) {
        (self.file, self.line, self.key, self.value, self.problem) = (file, line, key, value, problem)
    }

    public var description: String {
        var out = file
        if let line { out += ":\(line)" }
        if let key {
            out += ": " + Self.shown(key)
            if let value { out += " = " + Self.shown(value) }
        }
        return out + ": " + problem.description
    }

    /// Text from the file, safe to print: control characters escaped, at most 80 characters.
    static func shown(_ text: String) -> String {
        let escaped = DisplayText.escaped(text)
        return escaped.count > 80 ? String(escaped.prefix(79)) + "…" : escaped
    }
}

/// What is wrong in a settings file; each description says what to do.
public enum SettingsProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read (the reason from the system).
    case unreadable(String)
    /// A settings file named explicitly (an option or environment variable) does not exist.
    case missing
    /// The path is a directory.
    case directory
    /// The file is larger than any settings file should be.
    case tooLarge(limit: Int)
    /// The file starts with a UTF-16 byte-order mark.
    case utf16
    /// The line is not UTF-8; the first bad byte is at this 1-based byte column.
    case notUTF8(column: Int)
    /// The line holds a control character (other than a tab) at this 1-based column.
    case controlCharacter(column: Int, scalar: UInt32)
    /// The line is neither blank, a comment, nor `key = value`.
    case notAnAssignment
    /// Nothing before the `=`.
    case missingKey
    /// The key is not one of the settings; `suggestion` is the one it most likely meant.
    case unknownKey(suggestion: SettingKey?)
    /// The key was already set on `firstLine`.
    case duplicateKey(firstLine: Int)
    /// Nothing after the `=`.
    case missingValue(allowed: String)
    /// Not yes, no, true or false.
    case notABoolean
    /// Not one of `allowed`.
    case notAChoice(allowed: [String])
    /// Not a duration of the form the key takes.
    case notADuration(allowed: String)
    /// Shorter than the key's minimum.
    case belowMinimum(minimum: String, range: String)
    /// Longer than the key's maximum.
    case aboveMaximum(maximum: String, range: String)
    /// An entry of a helper list that is neither a contact address nor a fingerprint.
    case notAHelperAddress(String)
    /// An empty entry in a helper list (two commas in a row, or one at an end).
    case emptyListEntry(position: Int)

    public var description: String {
        switch self {
        case .unreadable(let why): "cannot be read: \(why)"
        case .missing: "no such file; check the path (an empty file, or /dev/null, sets nothing)"
        case .directory: "is a directory, not a settings file; give the path of the file"
        case .tooLarge(let limit): "larger than \(limit / 1024) KiB, too large for a settings file; is it the right file?"
        case .utf16: "is UTF-16 text; save it as UTF-8"
        case .notUTF8(let column): "not UTF-8 text (invalid byte at byte \(column) of the line); save the file as UTF-8"
        case .controlCharacter(let column, let scalar):
            "control character U+\(Self.hex(scalar)) at column \(column); remove it (only tabs and spaces may separate words)"
        case .notAnAssignment: "not a setting; write key = value (for example control = view-only), or start a comment with #"
        case .missingKey: "no key before '='; write key = value (for example control = view-only)"
        case .unknownKey(let suggestion):
            (suggestion.map { "unknown key; did you mean \($0.name)? " } ?? "unknown key; ")
                + "the keys are \(SettingKey.allCases.map(\.name).joined(separator: ", "))"
        case .duplicateKey(let first): "set again (first set on line \(first)); keep one of the two lines"
        case .missingValue(let allowed): "no value after '='; use \(allowed)"
        case .notABoolean: "not a yes/no value; use yes, no, true or false"
        case .notAChoice(let allowed): "not an allowed value; use \(Self.either(allowed))"
        case .notADuration(let allowed): "not a duration; use \(allowed)"
        case .belowMinimum(let minimum, let range): "below the minimum \(minimum); use \(range)"
        case .aboveMaximum(let maximum, let range): "above the maximum \(maximum); use \(range)"
        case .notAHelperAddress(let entry):
            "'\(SettingsError.shown(entry))' is not a helper's contact address; use <40 hex digits>.RAContact or the 40-hex fingerprint `easy-connect identity show` prints on the helper's computer"
        case .emptyListEntry(let position): "entry \(position) of the list is empty; separate contact addresses with single commas"
        }
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func either(_ words: [String]) -> String {
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
    }
}
