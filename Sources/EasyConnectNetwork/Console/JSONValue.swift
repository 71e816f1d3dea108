import EasyConnect
import Foundation

/// A JSON value: what one line of the `easy-connect --json` protocol holds, in either direction.
///
/// Encoding goes through `JSONEncoder`, so every string is escaped by the encoder; `JSONValue.line`
/// additionally writes the C1 controls, the line and paragraph separators and the bidirectional
/// controls as `\uXXXX` escapes, so that no line can move a terminal's cursor even when a script
/// prints it as it is.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A string.
    case string(String)
    /// A signed integer.
    case integer(Int64)
    /// An unsigned integer too large for `integer`.
    case unsigned(UInt64)
    /// A number with a fractional part.
    case double(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// Decodes any JSON value; integers become `integer` (or `unsigned` above `Int64.max`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .integer(i)
        } else if let u = try? container.decode(UInt64.self) {
            self = .unsigned(u)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes the value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .integer(let i): try container.encode(i)
        case .unsigned(let u): try container.encode(u)
        case .double(let d): try container.encode(d)
        case .bool(let b): try container.encode(b)
        case .null: try container.encodeNil()
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a whole number, if it is one (`3`, or `3.0`), within `UInt64`.
    public var wholeNumber: UInt64? {
        switch self {
        case .integer(let i): i >= 0 ? UInt64(i) : nil
        case .unsigned(let u): u
        case .double(let d): d >= 0 && d < 18_446_744_073_709_551_616.0 && d.rounded() == d ? UInt64(d) : nil
        default: nil
        }
    }

    /// One line of compact JSON with sorted keys and no trailing newline (see the type's note on escaping).
    public var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: it holds only strings, finite numbers, booleans and containers.
        // A non-finite double is the only exception; it is written as null.
        let data = (try? encoder.encode(self.finite)) ?? Data("null".utf8)
        return Self.escapingTerminalControls(String(decoding: data, as: UTF8.self))
    }

    /// The same value with every non-finite double replaced by null (JSON has no NaN or infinity).
    private var finite: JSONValue {
        switch self {
        case .double(let d) where !d.isFinite: .null
        case .array(let a): .array(a.map(\.finite))
        case .object(let o): .object(o.mapValues(\.finite))
        default: self
        }
    }

    /// `json` with every scalar `DisplayText` counts as a control written as a `\uXXXX` escape. JSON's
    /// structure is ASCII, so such scalars can only be inside strings, where the escape is equivalent.
    static func escapingTerminalControls(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { $0.value >= 0x7F && DisplayText.isControl($0) }) else { return json }
        var out = String.UnicodeScalarView()
        for s in json.unicodeScalars {
            if s.value >= 0x7F, DisplayText.isControl(s) {
                let hex = String(s.value, radix: 16)
                for c in "\\u" + String(repeating: "0", count: 4 - hex.count) + hex { out.append(contentsOf: c.unicodeScalars) }
            } else {
                out.append(s)
            }
        }
        return String(out)
    }

    /// Parses one JSON text; nil when it is not JSON.
    public static func parse(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// The compact JSON text.
    public var description: String { line }
}
