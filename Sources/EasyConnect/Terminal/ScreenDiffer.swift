/// Makes the frames that bring the Helper's copy of a screen to the User's: it remembers the screen as last
/// sent and, for each new frame, sends the rows that differ — after a scroll when the screen scrolled, so
/// that output running through the screen costs the new rows, not the whole screen.
public struct ScreenDiffer: Sendable {
    private var sent: TerminalScreen?
    private var sentScrolledLines: UInt64 = 0
    /// Send 256 colours instead of RGB (the `full` bandwidth level).
    public var reducesColours: Bool

    /// A differ whose first frame is full.
    public init(reducesColours: Bool = false) { self.reducesColours = reducesColours }

    /// Makes the next frame a full one (after a pause, or when the receiver's state is unknown).
    public mutating func reset() { sent = nil }

    /// The frame from the last one sent to `screen`, or nil when nothing changed.
    public mutating func frame(for screen: TerminalScreen) -> ScreenFrame? {
        defer { commit(screen) }
        return pendingFrame(for: screen)
    }

    /// Remembers `screen` as the one the receiver now holds (its frame was sent).
    public mutating func commit(_ screen: TerminalScreen) {
        sent = screen
        sentScrolledLines = screen.scrolledLines
    }

    /// The frame from the last one sent to `screen`, or nil when nothing changed, without remembering it:
    /// call `commit` once it is sent (a frame that could not be sent leaves the differ where it was).
    public func pendingFrame(for screen: TerminalScreen) -> ScreenFrame? {
        guard var previous = sent, previous.size == screen.size else {
            return reduced(ScreenFrame(fullFrameOf: screen))
        }
        var scrolled = 0
        let delta = screen.scrolledLines &- sentScrolledLines
        if delta > 0, delta < UInt64(screen.size.rows) {
            var shifted = previous
            shifted.shiftUp(Int(delta))
            if changedRows(shifted, screen).count < changedRows(previous, screen).count {
                previous = shifted
                scrolled = Int(delta)
            }
        }
        let rows = changedRows(previous, screen)
        guard !rows.isEmpty || scrolled > 0 || previous.cursor != screen.cursor else { return nil }
        return reduced(ScreenFrame(size: screen.size, isFull: false, scrolledUp: scrolled, lines: rows.map { ($0, screen.lines[$0]) }, cursor: screen.cursor))
    }

    /// True when `screen` differs from the last frame sent by at most `rows` rows, with no scrolling and the
    /// same size (a keystroke's echo, a clock ticking): a change the pacing lets through at once. Nothing is
    /// committed.
    public func isSmallChange(for screen: TerminalScreen, rows: Int = 2) -> Bool {
        guard let previous = sent, previous.size == screen.size, screen.scrolledLines == sentScrolledLines else { return false }
        var changed = 0
        for row in 0..<screen.size.rows where previous.lines[row] != screen.lines[row] {
            changed += 1
            if changed > rows { return false }
        }
        return true
    }

    private func changedRows(_ a: TerminalScreen, _ b: TerminalScreen) -> [Int] {
        (0..<b.size.rows).filter { a.lines[$0] != b.lines[$0] }
    }

    private func reduced(_ frame: ScreenFrame) -> ScreenFrame {
        guard reducesColours else { return frame }
        var f = frame
        for i in f.lines.indices { f.lines[i].line = f.lines[i].line.reducedTo256 }
        return f
    }
}
