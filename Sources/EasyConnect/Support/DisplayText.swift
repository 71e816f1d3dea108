/// Rules for text that came from a peer and will be shown to a person.
public enum DisplayText {
    /// True when `scalar` could move the cursor, recolour or retitle a terminal, or reorder what follows:
    /// C0 and C1 controls, DEL, the line and paragraph separators, and the bidirectional embedding,
    /// override and isolate controls.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// True when `text` holds a control character (see `isControl`).
    public static func containsControl(_ text: String) -> Bool { text.unicodeScalars.contains(where: isControl) }

    /// `text` with every control character replaced by a visible `\u{…}` escape (backslashes doubled),
    /// safe to print to a terminal.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            if s == "\\" {
                out += "\\\\"
            } else if isControl(s) {
                out += "\\u{\(String(s.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }
}
