/// One value for the small JSON writer: `jsonObject(_:)` and `jsonArray(_:)` write these in the order
/// given, compactly and byte-stably (numbers through `NumberText`, no dictionary reordering).
public enum JSONItem: Sendable, Equatable {
    /// A number, written with `significantDigits` significant digits; NaN and infinities become `null`.
    case number(Double, significantDigits: Int = 6)
    /// An integer, written exactly.
    case integer(Int)
    /// A string, escaped.
    case string(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// Text that already is JSON (an object or array written by `jsonObject(_:)` or `jsonArray(_:)`),
    /// inserted as is.
    case raw(String)

    /// The JSON text of the value.
    public var text: String {
        switch self {
        case .number(let value, let digits): NumberText.decimal(value, significantDigits: digits) ?? "null"
        case .integer(let value): String(value)
        case .string(let value): jsonString(value)
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        case .raw(let json): json
        }
    }
}

extension JSONItem: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A JSON object with the keys in the order given: `{"a":1,"b":"x"}`. A repeated key is written twice,
/// as given; avoid it.
public func jsonObject(_ pairs: [(String, JSONItem)]) -> String {
    "{" + pairs.map { jsonString($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
}

/// A JSON array of the items in order: `[1,"x",null]`.
public func jsonArray(_ items: [JSONItem]) -> String {
    "[" + items.map(\.text).joined(separator: ",") + "]"
}

/// `text` as a JSON string literal: quotes, backslashes and control characters escaped (`\n`, `\t`,
/// `\r`, `\b`, `\f`, else `\u00XX`), everything else as UTF-8.
public func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16, uppercase: false)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
