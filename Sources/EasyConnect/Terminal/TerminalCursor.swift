/// Where the cursor is and whether it is shown.
public struct TerminalCursor: Hashable, Sendable {
    /// Row, from 0.
    public var row: Int
    /// Column, from 0.
    public var column: Int
    /// False while a program hides it (`CSI ? 25 l`).
    public var isVisible: Bool

    /// A cursor.
    public init(row: Int, column: Int, isVisible: Bool) { (self.row, self.column, self.isVisible) = (row, column, isVisible) }
}
