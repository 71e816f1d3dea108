/// One character cell of a terminal screen: the text drawn there (a base character and any combining
/// marks; empty when nothing was written), its width, and its style.
///
/// A double-width character occupies two cells: the first holds the text with `width` 2, the second is a
/// continuation cell (`width` 0, no text) that nothing is drawn into.
public struct TerminalCell: Hashable, Sendable {
    /// The characters shown; "" for a blank cell.
    public var text: String
    /// 1, 2 for the first cell of a double-width character, 0 for its continuation.
    public var width: UInt8
    /// How it is drawn.
    public var style: TerminalStyle

    /// A cell.
    public init(text: String, width: UInt8 = 1, style: TerminalStyle = .plain) {
        (self.text, self.width, self.style) = (text, width, style)
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
    public var isDefaultBlank: Bool { width == 1 && text.isEmpty && style == .plain }
}
