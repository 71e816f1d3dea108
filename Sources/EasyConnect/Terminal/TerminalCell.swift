/// One character cell of a terminal screen: the text drawn there (a base character and any combining
/// marks; empty when nothing was written), its width, and its style.
///
/// A double-width character occupies two cells: the first holds the text with `width` 2, the second is a
/// continuation cell (`width` 0, no text) that nothing is drawn into.
///
/// The text is kept inline, as up to `maximumTextBytes` bytes of UTF-8, so that a cell is plain data:
/// copying, comparing and blanking cells (a screen scrolling a million lines) touches no reference count.
public struct TerminalCell: Hashable, Sendable {
    /// The UTF-8 bytes of the text, little-endian in three words.
    private var utf8: (UInt64, UInt64, UInt64)
    /// How many of them are used.
    private var utf8Count: UInt8
    /// 1, 2 for the first cell of a double-width character, 0 for its continuation.
    public var width: UInt8
    /// How it is drawn.
    public var style: TerminalStyle

    /// Longest text a cell keeps, in UTF-8 bytes; a longer grapheme cluster keeps its first characters.
    public static let maximumTextBytes = 24

    /// A cell showing `text` (cut to `maximumTextBytes` at a character boundary).
    public init(text: String, width: UInt8 = 1, style: TerminalStyle = .plain) {
        utf8 = (0, 0, 0)
        utf8Count = 0
        self.width = width
        self.style = style
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard bytes.count + encoded.count <= Self.maximumTextBytes else { break }
            bytes += encoded
        }
        store(bytes)
    }

    /// A cell showing one printable ASCII character.
    public init(ascii: UInt8, style: TerminalStyle) {
        utf8 = (UInt64(ascii), 0, 0)
        utf8Count = 1
        width = 1
        self.style = style
    }

    private mutating func store(_ bytes: [UInt8]) {
        var words: [UInt64] = [0, 0, 0]
        for (i, b) in bytes.enumerated() { words[i / 8] |= UInt64(b) << (8 * UInt64(i % 8)) }
        utf8 = (words[0], words[1], words[2])
        utf8Count = UInt8(bytes.count)
    }

    /// The text's UTF-8 bytes.
    public var textBytes: [UInt8] {
        let words = [utf8.0, utf8.1, utf8.2]
        return (0..<Int(utf8Count)).map { UInt8(truncatingIfNeeded: words[$0 / 8] >> (8 * UInt64($0 % 8))) }
    }

    /// The characters shown; "" for a blank cell.
    public var text: String { utf8Count == 0 ? "" : String(decoding: textBytes, as: UTF8.self) }

    /// True when nothing was written here.
    public var isEmpty: Bool { utf8Count == 0 }

    /// The character when it is a single ASCII byte.
    public var asciiByte: UInt8? { utf8Count == 1 ? UInt8(truncatingIfNeeded: utf8.0) : nil }

    public static func == (a: TerminalCell, b: TerminalCell) -> Bool {
        a.utf8Count == b.utf8Count && a.utf8.0 == b.utf8.0 && a.utf8.1 == b.utf8.1 && a.utf8.2 == b.utf8.2 && a.width == b.width && a.style == b.style
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(utf8Count)
        hasher.combine(utf8.0)
        hasher.combine(utf8.1)
        hasher.combine(utf8.2)
        hasher.combine(width)
        hasher.combine(style)
    }

    /// A blank cell with the default style.
    public static let blank = TerminalCell(text: "", width: 1, style: .plain)

    /// A blank cell left by erasing with `style`'s background.
    public static func erased(_ style: TerminalStyle) -> TerminalCell {
        TerminalCell(text: "", width: 1, style: style.erased)
    }

    /// The continuation of a double-width character.
    public static func continuation(_ style: TerminalStyle) -> TerminalCell {
        TerminalCell(text: "", width: 0, style: style)
    }

    /// True for a blank cell with the default style: trailing ones are not sent.
    public var isDefaultBlank: Bool { width == 1 && utf8Count == 0 && style == .plain }
}
