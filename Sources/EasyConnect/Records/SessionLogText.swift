/// The rule for text in a session log. Names, chat messages and reasons come from the network: a control
/// character could break the XML (NUL and most C0 controls are not allowed in XML 1.0 at all, U+FFFE and
/// U+FFFF neither) or, shown later by `easy-connect logs show`, move a terminal's cursor. Every such
/// character becomes a visible `\u{…}` escape, both when a log is written and when one is read.
///
/// The rule is idempotent (cleaning clean text changes nothing), so a log read back equals the log
/// written. Backslashes are kept as they are: `\u{7}` in a log is either an escaped BEL or those five
/// characters as typed, which a log can live with (chat shown live uses `DisplayText.escaped`, which
/// tells them apart).
public enum SessionLogText {
    /// `text` with every character that is a control (`DisplayText.isControl`: C0, DEL, C1, line and
    /// paragraph separators, bidirectional controls) or a Unicode noncharacter (U+FDD0…U+FDEF, U+xFFFE,
    /// U+xFFFF) replaced by `\u{hex}`.
    public static func cleaned(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for s in text.unicodeScalars {
            if needsEscape(s) {
                out += "\\u{\(String(s.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }

    /// True for what `cleaned` replaces.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        DisplayText.isControl(scalar) || (0xFDD0...0xFDEF).contains(scalar.value) || scalar.value & 0xFFFE == 0xFFFE
    }
}
