/// One update of a shared screen, from the User's emulator to the Helper: the screen's size, how many rows
/// scrolled off the top since the previous frame, the rows that differ after that scroll, and the cursor.
/// A full frame (the first one, after a resize, after a pause) starts from a blank screen of its size.
///
/// The Helper applies frames to its own `TerminalScreen`; after each one it holds exactly the User's screen.
public struct ScreenFrame: Hashable, Sendable {
    /// The screen's size.
    public var size: TerminalSize
    /// True when the receiver starts from a blank screen of `size` rather than from its previous one.
    public var isFull: Bool
    /// Rows that scrolled off the top since the previous frame (applied before `lines`).
    public var scrolledUp: Int
    /// The rows that changed, by row number.
    public var lines: [(row: Int, line: TerminalLine)]
    /// The cursor.
    public var cursor: TerminalCursor

    /// A frame.
    public init(size: TerminalSize, isFull: Bool, scrolledUp: Int, lines: [(row: Int, line: TerminalLine)], cursor: TerminalCursor) {
        (self.size, self.isFull, self.scrolledUp, self.lines, self.cursor) = (size, isFull, scrolledUp, lines, cursor)
    }

    /// A full frame of `screen`: every row that is not blank.
    public init(fullFrameOf screen: TerminalScreen) {
        let blank = TerminalLine(columns: screen.size.columns)
        self.init(
            size: screen.size, isFull: true, scrolledUp: 0,
            lines: screen.lines.enumerated().compactMap { $0.element == blank ? nil : ($0.offset, $0.element) }, cursor: screen.cursor)
    }

    /// Brings `screen` to the state this frame describes. A frame for another size than `screen`'s that is
    /// not full is a protocol error, reported by the return value (false) with nothing changed.
    public func apply(to screen: inout TerminalScreen) -> Bool {
        if isFull {
            screen = TerminalScreen(size: size)
        } else {
            guard screen.size == size else { return false }
            screen.shiftUp(scrolledUp)
        }
        for (row, line) in lines { screen.setLine(row, line) }
        screen.cursor = TerminalCursor(row: min(cursor.row, size.rows - 1), column: min(cursor.column, size.columns - 1), isVisible: cursor.isVisible)
        return true
    }

    public static func == (a: ScreenFrame, b: ScreenFrame) -> Bool {
        a.size == b.size && a.isFull == b.isFull && a.scrolledUp == b.scrolledUp && a.cursor == b.cursor && a.lines.elementsEqual(b.lines, by: { $0.row == $1.row && $0.line == $1.line })
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(size)
        hasher.combine(isFull)
        hasher.combine(scrolledUp)
        hasher.combine(cursor)
        for (row, line) in lines {
            hasher.combine(row)
            hasher.combine(line)
        }
    }
}
