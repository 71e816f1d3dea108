/// Text that came from the network or a file (peer names, friendly names, cloud and interface names, error
/// texts from another process), made safe to show to a person: nothing in it can move the cursor, recolour
/// or retitle a terminal, or reorder what follows. The one rule of the package for such text.
public enum VisibleText {
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

    /// `text` with every control character replaced by a visible `\u{…}` escape and every backslash
    /// doubled (so the escape cannot be forged), safe to print to a terminal or a log line. Text without
    /// controls or backslashes comes back unchanged.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || isControl($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s == "\\" {
                out.append(contentsOf: "\\\\".unicodeScalars)
            } else if isControl(s) {
                out.append(contentsOf: "\\u{\(String(s.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }

    /// The output of a JSON encoder with every scalar `isControl` counts written as a `\uXXXX` escape,
    /// the newlines and tabs of its layout excepted. An encoder escapes C0 controls inside strings but
    /// leaves DEL, C1, the separators and the bidirectional controls raw; JSON's structure is ASCII, so such
    /// scalars can only be inside strings, where the escape means the same.
    public static func escapingJSONControls(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" }) else { return json }
        var out = String.UnicodeScalarView()
        for s in json.unicodeScalars {
            if isControl(s), s != "\n", s != "\t" {
                let hex = String(s.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex).unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }

    /// `bytes` decoded as UTF-8 and shown with `escaped`, except that each byte that is not part of a
    /// well-formed UTF-8 sequence is shown as `\x{ff}`: for telling a person which argument or line is not
    /// UTF-8 and where.
    public static func escaped(utf8 bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        var out = ""
        var valid = [UInt8]()
        var i = 0
        while i < b.count {
            let length = wellFormedLength(b, at: i)
            if length > 0 {
                valid.append(contentsOf: b[i..<i + length])
                i += length
            } else {
                out += escaped(String(decoding: valid, as: UTF8.self))
                valid.removeAll()
                out += "\\x{\(String(b[i], radix: 16))}"
                i += 1
            }
        }
        return out + escaped(String(decoding: valid, as: UTF8.self))
    }

    /// The offset of the first byte of `bytes` that is not part of a well-formed UTF-8 sequence, or nil when
    /// all of them are.
    public static func firstInvalidUTF8Offset(_ bytes: some Collection<UInt8>) -> Int? {
        let b = Array(bytes)
        var i = 0
        while i < b.count {
            let length = wellFormedLength(b, at: i)
            if length == 0 { return i }
            i += length
        }
        return nil
    }

    /// The length of the well-formed UTF-8 sequence starting at `i` (Unicode table 3-7), or 0.
    private static func wellFormedLength(_ b: [UInt8], at i: Int) -> Int {
        let lead = b[i]
        func continuation(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { i + k < b.count && range.contains(b[i + k]) }
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return continuation(1) ? 2 : 0
        case 0xE0: return continuation(1, 0xA0...0xBF) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(1) && continuation(2) ? 3 : 0
        case 0xED: return continuation(1, 0x80...0x9F) && continuation(2) ? 3 : 0
        case 0xF0: return continuation(1, 0x90...0xBF) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4: return continuation(1, 0x80...0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default: return 0
        }
    }
}
