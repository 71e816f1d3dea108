/// A rectangle of cells: rows `startRow..<endRow`, columns `startColumn..<endColumn` (the way terminal
/// emulators such as libvterm describe the areas they scroll, move and erase).
public struct TerminalRect: Hashable, Sendable {
    /// First row.
    public var startRow: Int
    /// One past the last row.
    public var endRow: Int
    /// First column.
    public var startColumn: Int
    /// One past the last column.
    public var endColumn: Int

    /// A rectangle.
    public init(startRow: Int, endRow: Int, startColumn: Int, endColumn: Int) {
        (self.startRow, self.endRow, self.startColumn, self.endColumn) = (startRow, endRow, startColumn, endColumn)
    }

    /// The rectangle clipped to a screen of `size`.
    func clipped(to size: TerminalSize) -> TerminalRect {
        TerminalRect(
            startRow: max(0, min(startRow, size.rows)), endRow: max(0, min(endRow, size.rows)),
            startColumn: max(0, min(startColumn, size.columns)), endColumn: max(0, min(endColumn, size.columns)))
    }

    var isEmpty: Bool { startRow >= endRow || startColumn >= endColumn }
}
