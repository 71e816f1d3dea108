import Foundation
import PNRP

// How every `pnrp` command writes: text that came from the network or a file goes through
// `VisibleText.escaped` before it is printed (a name's friendly text could otherwise recolour, retitle or
// rewrite the terminal of whoever resolves it), and JSON escapes every such character as JSON does.

/// Prints `value` as pretty, key-sorted JSON on stdout, every control character escaped.
func printJSON(_ value: some Encodable) throws {
    print(try jsonText(value, pretty: true))
}

/// `value` as key-sorted JSON (pretty or on one line), every control character escaped: an encoder escapes
/// C0 controls but leaves DEL, C1 and the bidirectional controls raw.
func jsonText(_ value: some Encodable, pretty: Bool) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return VisibleText.escapingJSONControls(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// A JSON string literal for `s`: quotes and backslashes escaped, every control character as `\uXXXX`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where VisibleText.isControl(u): out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// Writes a line to standard error. Callers escape what they quote; a control character left in the line
/// anyway is escaped here, so that no message can drive the terminal.
func printError(_ line: String) {
    let safe = VisibleText.containsControl(line) ? VisibleText.escaped(line) : line
    FileHandle.standardError.write(Data((safe + "\n").utf8))
}
