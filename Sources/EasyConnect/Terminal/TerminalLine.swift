/// One row of a terminal screen.
public struct TerminalLine: Hashable, Sendable {
    /// Its cells, exactly as many as the screen has columns.
    public var cells: [TerminalCell]

    /// A row of `columns` blank cells in `style`.
    public init(columns: Int, style: TerminalStyle = .plain) {
        cells = Array(repeating: style == .plain ? .blank : .erased(style), count: columns)
    }

    /// A row made of `cells`.
    public init(cells: [TerminalCell]) { self.cells = cells }

    /// The row as plain text: each cell's text, a space for a blank one, nothing for a continuation cell,
    /// trailing spaces removed (what `tmux capture-pane` prints).
    public var text: String {
        var s = ""
        s.reserveCapacity(cells.count)
        for cell in cells where cell.width != 0 {
            if let b = cell.asciiByte {
                s.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                s += cell.isEmpty ? " " : cell.text
            }
        }
        while s.last == " " { s.removeLast() }
        return s
    }

    /// The same row with RGB colours reduced to the 256-colour palette (what the `full` bandwidth level sends).
    public var reducedTo256: TerminalLine {
        var line = self
        for i in line.cells.indices { line.cells[i].style = line.cells[i].style.reducedTo256 }
        return line
    }

    /// The number of cells up to the last one that is not a default blank.
    var usedCount: Int {
        var n = cells.count
        while n > 0, cells[n - 1].isDefaultBlank { n -= 1 }
        return n
    }
}
