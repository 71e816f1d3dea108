/// How a cell is drawn: its attributes (bold, italic, underline …) and colours — the SGR state a terminal
/// emulator keeps as its "pen" and stores with each cell it writes.
public struct TerminalStyle: Hashable, Sendable {
    /// Attribute bits (`bold`, `italic`, …).
    public var flags: UInt8
    /// Underline: 0 none, 1 single, 2 double, 3 curly.
    public var underline: UInt8
    /// Foreground colour.
    public var foreground: TerminalColor
    /// Background colour.
    public var background: TerminalColor

    /// `SGR 1`.
    public static let bold: UInt8 = 1
    /// `SGR 3`.
    public static let italic: UInt8 = 2
    /// `SGR 5`.
    public static let blink: UInt8 = 4
    /// `SGR 7`.
    public static let reverse: UInt8 = 8
    /// `SGR 9`.
    public static let strike: UInt8 = 16
    /// Every defined flag.
    public static let allFlags: UInt8 = 31

    /// The style of a freshly reset terminal.
    public static let plain = TerminalStyle(flags: 0, underline: 0, foreground: .default, background: .default)

    /// A style.
    public init(flags: UInt8, underline: UInt8, foreground: TerminalColor, background: TerminalColor) {
        (self.flags, self.underline, self.foreground, self.background) = (flags, underline, foreground, background)
    }

    /// What an erase leaves behind: blank cells keep only the background colour (background colour erase).
    public var erased: TerminalStyle { TerminalStyle(flags: 0, underline: 0, foreground: .default, background: background) }

    /// The same style with RGB colours reduced to the 256-colour palette.
    public var reducedTo256: TerminalStyle {
        TerminalStyle(flags: flags, underline: underline, foreground: foreground.reducedTo256, background: background.reducedTo256)
    }
}
