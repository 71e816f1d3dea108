/// Why a scenario file could not be read. Every case but `unreadableFile` names the place in the
/// file (line and column, both from 1) and the key path of the offending value, e.g.
/// `network.latency.max`; its description reads like a compiler diagnostic:
///
///     quickstart.yaml:7:10: network.loss: expected a number from 0 to 1, found "half"
public enum ScenarioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A place in a scenario file.
    public struct Location: Equatable, Sendable, CustomStringConvertible {
        /// The file as the caller named it (`<input>` for text).
        public var file: String
        /// Line, from 1.
        public var line: Int
        /// Column, from 1, counted in Unicode scalars.
        public var column: Int

        /// Builds a location.
        public init(file: String, line: Int, column: Int) {
            self.file = file
            self.line = line
            self.column = column
        }

        /// `file:line:column`.
        public var description: String { "\(file):\(line):\(column)" }
    }

    /// The text is not well-formed YAML (or holds more than one document, or repeats a key).
    case syntax(Location, problem: String)
    /// A key the schema does not know at that place. `allowed` lists the keys that are;
    /// `suggestion` is the closest of them when it is close enough to be a likely typo.
    case unknownKey(Location, path: String, allowed: [String], suggestion: String?)
    /// A required key is absent. The location is the section that lacks it.
    case missingKey(Location, path: String)
    /// The value has the wrong kind: text where a number is expected, a list where a mapping is...
    case wrongType(Location, path: String, expected: String, found: String)
    /// A number outside its range, or a bound that contradicts another one.
    case outOfRange(Location, path: String, expected: String, found: String)
    /// A duration that is not a number followed by `ms`, `s`, `m` or `h`.
    case badDuration(Location, path: String, found: String)
    /// A value outside a fixed set of words.
    case badEnumValue(Location, path: String, allowed: [String], found: String)
    /// A text value that does not have the required form (e.g. a scenario name with spaces).
    case invalidValue(Location, path: String, expected: String, found: String)
    /// The file could not be read.
    case unreadableFile(path: String, reason: String)

    /// Where the problem is (nil for `unreadableFile`).
    public var location: Location? {
        switch self {
        case .syntax(let l, _), .unknownKey(let l, _, _, _), .missingKey(let l, _), .wrongType(let l, _, _, _),
             .outOfRange(let l, _, _, _), .badDuration(let l, _, _), .badEnumValue(let l, _, _, _),
             .invalidValue(let l, _, _, _):
            return l
        case .unreadableFile:
            return nil
        }
    }

    /// The dotted key path of the offending value ("" for the whole document, nil when there is none).
    public var keyPath: String? {
        switch self {
        case .unknownKey(_, let p, _, _), .missingKey(_, let p), .wrongType(_, let p, _, _), .outOfRange(_, let p, _, _),
             .badDuration(_, let p, _), .badEnumValue(_, let p, _, _), .invalidValue(_, let p, _, _):
            return p
        case .syntax, .unreadableFile:
            return nil
        }
    }

    /// The diagnostic, `file:line:column: key.path: message`.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read scenario file: \(reason)"
        case .syntax(let l, let problem):
            return "\(l): YAML syntax error: \(problem)"
        default:
            break
        }
        let prefix = location.map { "\($0): " } ?? ""
        let path = keyPath.map { $0.isEmpty ? "" : "\($0): " } ?? ""
        return prefix + path + message
    }

    private var message: String {
        switch self {
        case .unknownKey(_, let p, let allowed, let suggestion):
            let key = p.split(separator: ".").last.map(String.init) ?? p
            let hint = suggestion.map { "; did you mean \"\($0)\"?" } ?? ""
            let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            return "unknown key \"\(key)\"\(hint) (allowed here: \(list))"
        case .missingKey(_, let p):
            let parts = p.split(separator: ".")
            let key = parts.last.map(String.init) ?? p
            let parent = parts.dropLast().joined(separator: ".")
            return "missing required key \"\(key)\"" + (parent.isEmpty ? "" : " in \(parent)")
        case .wrongType(_, _, let expected, let found), .outOfRange(_, _, let expected, let found),
             .invalidValue(_, _, let expected, let found):
            return "expected \(expected), found \(found)"
        case .badDuration(_, _, let found):
            return "expected a duration, a number and a unit ms, s, m or h (250ms, 15s, 10m, 2h), found \(found)"
        case .badEnumValue(_, _, let allowed, let found):
            return "expected one of \(allowed.joined(separator: ", ")), found \(found)"
        case .syntax, .unreadableFile:
            return ""
        }
    }
}
