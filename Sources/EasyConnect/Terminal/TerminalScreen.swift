/// The visible state of a terminal: its cells, row by row, and the cursor — what a terminal emulator
/// computes from a program's output and what a person sees. Both sides of a shared terminal hold one: the
/// User's is driven by the emulator reading the pseudo-terminal, the Helper's by the frames it receives.
///
/// The operations are those an emulator's state machine reports (put a glyph, scroll or move a rectangle,
/// erase, resize, switch to the alternate screen). A scroll of the whole screen moves rows, not cells, so
/// output that scrolls fast (`yes`, a build log) costs little per line.
public struct TerminalScreen: Hashable, Sendable {
    /// The size.
    public private(set) var size: TerminalSize
    /// The rows shown now (the alternate screen's while it is active).
    public private(set) var lines: [TerminalLine]
    /// The primary screen's rows, kept while the alternate screen is shown.
    private var savedPrimary: [TerminalLine]?
    /// The cursor.
    public var cursor: TerminalCursor
    /// Rows scrolled off the top of the whole screen so far: a hint for sending a scroll instead of rows.
    public private(set) var scrolledLines: UInt64 = 0

    /// A blank screen of `size` with the cursor at the top left.
    public init(size: TerminalSize) {
        self.size = size
        lines = Array(repeating: TerminalLine(columns: size.columns), count: size.rows)
        cursor = TerminalCursor(row: 0, column: 0, isVisible: true)
    }

    /// True while the alternate screen (full-screen programs: vim, top, less) is shown.
    public var isAlternateScreen: Bool { savedPrimary != nil }

    /// The cell at `row`, `column` (which must be on the screen).
    public subscript(row: Int, column: Int) -> TerminalCell { lines[row].cells[column] }

    /// The screen as text, one line per row, trailing spaces removed.
    public var text: [String] { lines.map(\.text) }

    // MARK: - What an emulator does

    /// Writes a character of `width` 1 or 2 at `row`, `column`. Half of a double-width character that it
    /// overwrites is blanked.
    public mutating func put(_ text: String, width: Int, row: Int, column: Int, style: TerminalStyle) {
        put(TerminalCell(text: text, width: width == 2 ? 2 : 1, style: style), row: row, column: column)
    }

    /// Writes `cell` (of width 1 or 2) at `row`, `column`; a double-width cell that does not fit before the
    /// right margin is written with width 1.
    public mutating func put(_ cell: TerminalCell, row: Int, column: Int) {
        guard (0..<size.rows).contains(row), (0..<size.columns).contains(column) else { return }
        var cell = cell
        if cell.width != 1 {
            // A double-width character with no room for its second half (at the right margin of a 1-column
            // screen) is not drawn: a cell of width 1 holding it would take two columns on a real terminal.
            if cell.width == 2, column + 1 >= size.columns { cell = TerminalCell(text: "", width: 1, style: cell.style) }
            if cell.width != 2 { cell.width = 1 }
        }
        let w = Int(cell.width)
        if lines[row].cells[column].width != 1 || (column + 1 < size.columns && lines[row].cells[column + 1].width == 0) || w == 2 {
            clearWideHalves(row: row, from: column, to: column + w)
        }
        lines[row].cells[column] = cell
        if w == 2 { lines[row].cells[column + 1] = .continuation(cell.style) }
    }

    /// Blanks the other half of any double-width character that `from..<to` cuts through.
    private mutating func clearWideHalves(row: Int, from: Int, to: Int) {
        if from > 0, from < size.columns, lines[row].cells[from].width == 0, lines[row].cells[from - 1].width == 2 {
            lines[row].cells[from - 1] = .erased(lines[row].cells[from - 1].style)
        }
        if to > 0, to < size.columns, lines[row].cells[to].width == 0, lines[row].cells[to - 1].width == 2 {
            lines[row].cells[to] = .erased(lines[row].cells[to].style)
        }
    }

    /// Blanks any half of a double-width character left without its other half (a copied rectangle can cut one).
    private mutating func repairWideCharacters(row: Int) {
        let cells = lines[row].cells
        for i in cells.indices {
            if cells[i].width == 0, i == 0 || cells[i - 1].width != 2 {
                lines[row].cells[i] = .erased(cells[i].style)
            } else if cells[i].width == 2, i + 1 >= cells.count || cells[i + 1].width != 0 {
                lines[row].cells[i] = .erased(cells[i].style)
            }
        }
    }

    /// Scrolls the contents of `rect` up by `down` rows (negative: down) and left by `right` columns
    /// (negative: right); the rows and columns uncovered are erased with `eraseStyle`'s background.
    public mutating func scroll(_ rect: TerminalRect, down: Int, right: Int, eraseStyle: TerminalStyle) {
        let r = rect.clipped(to: size)
        guard !r.isEmpty else { return }
        let height = r.endRow - r.startRow, width = r.endColumn - r.startColumn
        if abs(down) >= height || abs(right) >= width {
            erase(r, style: eraseStyle)
            return
        }
        if right == 0, r.startColumn == 0, r.endColumn == size.columns {
            // Whole rows: move the rows themselves.
            if down > 0, down <= 4 {
                // The common case (a line feed at the bottom): rotate the rows, and blank the rows that left the
                // top in place as the new bottom rows, so that fast output allocates nothing per line.
                let cell = TerminalCell.erased(eraseStyle)
                for _ in 0..<down {
                    // Moved, not copied: no reference count changes hands.
                    lines.withUnsafeMutableBufferPointer { buffer in
                        let base = buffer.baseAddress!
                        let top = (base + r.startRow).move()
                        (base + r.startRow).moveInitialize(from: base + r.startRow + 1, count: r.endRow - r.startRow - 1)
                        (base + r.endRow - 1).initialize(to: top)
                    }
                    lines[r.endRow - 1].cells.withUnsafeMutableBufferPointer { $0.update(repeating: cell) }
                }
                if r.startRow == 0, r.endRow == size.rows, savedPrimary == nil { scrolledLines &+= UInt64(down) }
            } else if down > 0 {
                let blank = TerminalLine(columns: size.columns, style: eraseStyle.erased)
                lines.removeSubrange(r.startRow..<r.startRow + down)
                lines.insert(contentsOf: repeatElement(blank, count: down), at: r.endRow - down)
                if r.startRow == 0, r.endRow == size.rows, savedPrimary == nil { scrolledLines &+= UInt64(down) }
            } else if down < 0 {
                let blank = TerminalLine(columns: size.columns, style: eraseStyle.erased)
                lines.removeSubrange(r.endRow + down..<r.endRow)
                lines.insert(contentsOf: repeatElement(blank, count: -down), at: r.startRow)
            }
            return
        }
        let source = TerminalRect(startRow: r.startRow + max(down, 0), endRow: r.endRow + min(down, 0), startColumn: r.startColumn + max(right, 0), endColumn: r.endColumn + min(right, 0))
        let destination = TerminalRect(startRow: r.startRow - min(down, 0), endRow: r.endRow - max(down, 0), startColumn: r.startColumn - min(right, 0), endColumn: r.endColumn - max(right, 0))
        move(destination, from: source)
        if down > 0 { erase(TerminalRect(startRow: r.endRow - down, endRow: r.endRow, startColumn: r.startColumn, endColumn: r.endColumn), style: eraseStyle) }
        if down < 0 { erase(TerminalRect(startRow: r.startRow, endRow: r.startRow - down, startColumn: r.startColumn, endColumn: r.endColumn), style: eraseStyle) }
        if right > 0 { erase(TerminalRect(startRow: r.startRow, endRow: r.endRow, startColumn: r.endColumn - right, endColumn: r.endColumn), style: eraseStyle) }
        if right < 0 { erase(TerminalRect(startRow: r.startRow, endRow: r.endRow, startColumn: r.startColumn, endColumn: r.startColumn - right), style: eraseStyle) }
    }

    /// Copies the cells of `source` to `destination` (same size; they may overlap).
    public mutating func move(_ destination: TerminalRect, from source: TerminalRect) {
        let d = destination.clipped(to: size), s = source.clipped(to: size)
        let height = min(d.endRow - d.startRow, s.endRow - s.startRow), width = min(d.endColumn - d.startColumn, s.endColumn - s.startColumn)
        guard height > 0, width > 0 else { return }
        let copied = (0..<height).map { Array(lines[s.startRow + $0].cells[s.startColumn..<s.startColumn + width]) }
        for i in 0..<height {
            clearWideHalves(row: d.startRow + i, from: d.startColumn, to: d.startColumn + width)
            lines[d.startRow + i].cells.replaceSubrange(d.startColumn..<d.startColumn + width, with: copied[i])
            repairWideCharacters(row: d.startRow + i)
        }
    }

    /// Blanks the cells of `rect` with `style`'s background.
    public mutating func erase(_ rect: TerminalRect, style: TerminalStyle) {
        let r = rect.clipped(to: size)
        guard !r.isEmpty else { return }
        let blank = TerminalCell.erased(style)
        for row in r.startRow..<r.endRow {
            if r.startColumn == 0, r.endColumn == size.columns {
                lines[row] = TerminalLine(columns: size.columns, style: style.erased)
                continue
            }
            clearWideHalves(row: row, from: r.startColumn, to: r.endColumn)
            for column in r.startColumn..<r.endColumn { lines[row].cells[column] = blank }
        }
    }

    /// Shows the alternate screen (blank) or goes back to the primary one, as it was.
    public mutating func setAlternateScreen(_ on: Bool) {
        if on, savedPrimary == nil {
            savedPrimary = lines
            lines = Array(repeating: TerminalLine(columns: size.columns), count: size.rows)
        } else if !on, let primary = savedPrimary {
            lines = primary
            savedPrimary = nil
        }
    }

    /// Changes the size: rows are cut or added at the bottom, except that rows leave at the top when the
    /// cursor would otherwise fall off the screen; columns are cut or added at the right. Returns how many
    /// rows moved up (the cursor moves with them).
    @discardableResult
    public mutating func resize(to newSize: TerminalSize) -> Int {
        guard newSize.isValid, newSize != size else { return 0 }
        func resized(_ rows: [TerminalLine], droppingTop: Int) -> [TerminalLine] {
            var rows = Array(rows.dropFirst(droppingTop))
            for i in rows.indices {
                let count = rows[i].cells.count
                if newSize.columns < count {
                    rows[i].cells.removeLast(count - newSize.columns)
                    if rows[i].cells.last?.width == 2 { rows[i].cells[newSize.columns - 1] = .erased(rows[i].cells[newSize.columns - 1].style) }
                } else if newSize.columns > count {
                    rows[i].cells.append(contentsOf: repeatElement(TerminalCell.blank, count: newSize.columns - count))
                }
            }
            if rows.count > newSize.rows { rows.removeLast(rows.count - newSize.rows) }
            while rows.count < newSize.rows { rows.append(TerminalLine(columns: newSize.columns)) }
            return rows
        }
        let dropped = max(0, cursor.row + 1 - newSize.rows)
        lines = resized(lines, droppingTop: dropped)
        if let primary = savedPrimary { savedPrimary = resized(primary, droppingTop: dropped) }
        size = newSize
        cursor.row = min(max(0, cursor.row - dropped), newSize.rows - 1)
        cursor.column = min(cursor.column, newSize.columns - 1)
        return dropped
    }

    /// Replaces row `row` (used by frames).
    mutating func setLine(_ row: Int, _ line: TerminalLine) {
        guard (0..<size.rows).contains(row), line.cells.count == size.columns else { return }
        lines[row] = line
    }

    /// Scrolls every row up by `count` with no regard to the alternate screen (used by frames).
    mutating func shiftUp(_ count: Int) {
        guard count > 0 else { return }
        let n = min(count, size.rows)
        lines.removeFirst(n)
        lines.append(contentsOf: repeatElement(TerminalLine(columns: size.columns), count: n))
    }
}
