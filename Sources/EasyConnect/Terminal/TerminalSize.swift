/// A terminal's size in character cells.
public struct TerminalSize: Hashable, Sendable, CustomStringConvertible {
    /// Rows (lines).
    public var rows: Int
    /// Columns.
    public var columns: Int

    /// The largest size a shared screen may have: more is refused as a malformed frame or window.
    public static let maximum = TerminalSize(rows: 500, columns: 1000)
    /// The smallest: a screen needs a row and a column.
    public static let minimum = TerminalSize(rows: 1, columns: 1)

    /// A size.
    public init(rows: Int, columns: Int) { (self.rows, self.columns) = (rows, columns) }

    /// `columns×rows`, as terminals say it.
    public var description: String { "\(columns)×\(rows)" }

    /// True when both dimensions are within `minimum`…`maximum`.
    public var isValid: Bool { (1...Self.maximum.rows).contains(rows) && (1...Self.maximum.columns).contains(columns) }

    /// The smaller of two sizes in each dimension: the size a screen shared between two windows takes, as
    /// tmux sizes a window to the smallest client.
    public func fitting(_ other: TerminalSize) -> TerminalSize {
        TerminalSize(rows: min(rows, other.rows), columns: min(columns, other.columns))
    }
}
