import EasyConnect
import PropertyBased
import NetworkLab
import Testing

/// `TerminalScreen`'s operations against a plain model (a grid of cells copied one by one): scrolls of
/// regions and of parts of rows, overlapping moves, erases, resizes and the alternate screen; and, with
/// double-width characters, that no operation leaves half of one.
@Suite("TerminalScreen: scroll, move, erase, resize, wide characters", .onComputeThread)
struct TerminalScreenTests {
    static let red = TerminalStyle(flags: TerminalStyle.bold, underline: 1, foreground: .indexed(2), background: .indexed(1))

    /// A screen whose rows read `rows` (one ASCII character a cell).
    static func screen(_ rows: [String], columns: Int) -> TerminalScreen {
        var s = TerminalScreen(size: TerminalSize(rows: rows.count, columns: columns))
        for (r, text) in rows.enumerated() {
            for (c, ch) in text.enumerated() { s.put(String(ch), width: 1, row: r, column: c, style: .plain) }
        }
        return s
    }

    static func rect(_ rows: Range<Int>, _ columns: Range<Int>) -> TerminalRect {
        TerminalRect(startRow: rows.lowerBound, endRow: rows.upperBound, startColumn: columns.lowerBound, endColumn: columns.upperBound)
    }

    @Test("Scrolling a region of whole rows moves those rows only; the rows uncovered take the background")
    func scrollRegion() {
        var s = Self.screen(["a", "b", "c", "d", "e"], columns: 3)
        s.scroll(Self.rect(1..<4, 0..<3), down: 1, right: 0, eraseStyle: Self.red)
        #expect(s.text == ["a", "c", "d", "", "e"])
        #expect(s[3, 0] == .erased(Self.red) && s[3, 0].style.flags == 0 && s[3, 0].style.background == .indexed(1))
        #expect(s.scrolledLines == 0, "a region is not the whole screen")
        s.scroll(Self.rect(1..<4, 0..<3), down: -2, right: 0, eraseStyle: .plain)
        #expect(s.text == ["a", "", "", "c", "e"])
        s.scroll(Self.rect(0..<5, 0..<3), down: 2, right: 0, eraseStyle: .plain)
        #expect(s.text == ["", "c", "e", "", ""])
        #expect(s.scrolledLines == 2)
        s.scroll(Self.rect(0..<5, 0..<3), down: 7, right: 0, eraseStyle: Self.red)
        #expect(s.lines.allSatisfy { $0.cells.allSatisfy { $0 == .erased(Self.red) } }, "scrolling by the height or more erases")
    }

    @Test("Scrolling part of rows (insert and delete characters, side margins) shifts only that part")
    func scrollColumns() {
        var s = Self.screen(["abcdef", "ghijkl", "mnopqr"], columns: 6)
        s.scroll(Self.rect(0..<1, 2..<6), down: 0, right: 2, eraseStyle: Self.red)
        #expect(s.text[0] == "abef")
        #expect(s[0, 4] == .erased(Self.red) && s[0, 5] == .erased(Self.red))
        s.scroll(Self.rect(1..<3, 1..<5), down: 1, right: -1, eraseStyle: .plain)
        #expect(s.text[1] == "g nopl")
        #expect(s.text[2] == "m    r")
    }

    @Test("Overlapping moves copy as if through a buffer, in both directions")
    func overlappingMoves() {
        var right = Self.screen(["abcdef"], columns: 6)
        right.move(Self.rect(0..<1, 2..<6), from: Self.rect(0..<1, 0..<4))
        #expect(right.text == ["ababcd"])
        var left = Self.screen(["abcdef"], columns: 6)
        left.move(Self.rect(0..<1, 0..<4), from: Self.rect(0..<1, 2..<6))
        #expect(left.text == ["cdefef"])
        var down = Self.screen(["a", "b", "c", "d"], columns: 1)
        down.move(Self.rect(1..<4, 0..<1), from: Self.rect(0..<3, 0..<1))
        #expect(down.text == ["a", "a", "b", "c"])
        var clipped = Self.screen(["abcdef"], columns: 6)
        clipped.move(Self.rect(0..<1, 4..<9), from: Self.rect(0..<1, 0..<5))
        #expect(clipped.text == ["abcdab"], "a destination past the edge is clipped")
    }

    @Test("Cutting a double-width character by erase, put, move or resize leaves no half of it")
    func wideCharactersCut() {
        func wide() -> TerminalScreen {
            var s = TerminalScreen(size: TerminalSize(rows: 2, columns: 6))
            s.put("漢", width: 2, row: 0, column: 0, style: Self.red)
            s.put("字", width: 2, row: 0, column: 2, style: .plain)
            s.put("x", width: 1, row: 0, column: 4, style: .plain)
            return s
        }
        var erased = wide()
        erased.erase(Self.rect(0..<1, 1..<3), style: .plain)
        #expect(erased[0, 0] == .erased(Self.red), "the first half of 漢 is blanked, keeping its background")
        #expect(erased[0, 3] == .erased(.plain), "the second half of 字 is blanked")
        #expect(erased.wideCharactersArePaired)
        var overwritten = wide()
        overwritten.put("y", width: 1, row: 0, column: 1, style: .plain)
        #expect(overwritten[0, 0].text.isEmpty && overwritten[0, 0].width == 1)
        overwritten.put("中", width: 2, row: 0, column: 3, style: .plain)
        #expect(overwritten[0, 2].text.isEmpty && overwritten[0, 5] == .blank)
        #expect(overwritten.wideCharactersArePaired)
        var moved = wide()
        moved.move(Self.rect(1..<2, 0..<3), from: Self.rect(0..<1, 1..<4))
        #expect(moved[1, 0].width == 1 && moved[1, 0].text.isEmpty, "a continuation without its character is blanked")
        #expect(moved[1, 1] == TerminalCell(text: "字", width: 2) && moved[1, 2].width == 0)
        moved.move(Self.rect(1..<2, 4..<6), from: Self.rect(0..<1, 0..<2))
        #expect(moved[1, 4].text == "漢" && moved[1, 5].width == 0)
        moved.move(Self.rect(1..<2, 1..<2), from: Self.rect(0..<1, 4..<5))
        #expect(moved.wideCharactersArePaired)
        var resized = wide()
        resized.resize(to: TerminalSize(rows: 2, columns: 3))
        #expect(resized.text[0] == "漢", "字 no longer fits")
        #expect(resized.wideCharactersArePaired)
        var tooNarrow = TerminalScreen(size: TerminalSize(rows: 1, columns: 1))
        tooNarrow.put("漢", width: 2, row: 0, column: 0, style: .plain)
        #expect(tooNarrow[0, 0].text.isEmpty, "a double-width character in a one-column screen is not drawn in one cell")
    }

    @Test("Resizing keeps the rows around the cursor; the alternate screen keeps and restores the primary one")
    func resizeAndAlternateScreen() {
        var s = Self.screen(["1", "2", "3", "4"], columns: 2)
        s.cursor = TerminalCursor(row: 3, column: 1, isVisible: true)
        #expect(s.resize(to: TerminalSize(rows: 2, columns: 2)) == 2)
        #expect(s.text == ["3", "4"] && s.cursor.row == 1)
        s.cursor.row = 0
        #expect(s.resize(to: TerminalSize(rows: 1, columns: 5)) == 0)
        #expect(s.text == ["3"] && s.lines[0].cells.count == 5)
        #expect(s.resize(to: TerminalSize(rows: 0, columns: 5)) == 0 && s.size == TerminalSize(rows: 1, columns: 5), "invalid sizes are ignored")
        var a = Self.screen(["main"], columns: 5)
        a.setAlternateScreen(true)
        #expect(a.isAlternateScreen && a.text == [""])
        a.put("z", width: 1, row: 0, column: 0, style: .plain)
        a.resize(to: TerminalSize(rows: 2, columns: 3))
        a.setAlternateScreen(false)
        #expect(!a.isAlternateScreen && a.text == ["mai", ""], "the primary screen was resized with the alternate one")
    }

    // MARK: - Against a model

    /// One operation on a screen.
    enum Operation: CustomStringConvertible {
        case put(String, width: Int, row: Int, column: Int, style: TerminalStyle)
        case erase(TerminalRect, TerminalStyle)
        case move(TerminalRect, TerminalRect)
        case scroll(TerminalRect, down: Int, right: Int, TerminalStyle)
        case resize(TerminalSize)
        case alternate(Bool)
        case cursor(Int, Int)

        var description: String {
            switch self {
            case .put(let t, let w, let r, let c, _): "put(\(t), \(w), \(r), \(c))"
            case .erase(let r, _): "erase(\(r.startRow)..<\(r.endRow), \(r.startColumn)..<\(r.endColumn))"
            case .move(let d, let s): "move(\(d.startRow),\(d.startColumn) ← \(s.startRow)..<\(s.endRow), \(s.startColumn)..<\(s.endColumn))"
            case .scroll(let r, let d, let rt, _): "scroll(\(r.startRow)..<\(r.endRow), \(r.startColumn)..<\(r.endColumn), down \(d), right \(rt))"
            case .resize(let s): "resize(\(s))"
            case .alternate(let on): "alternate(\(on))"
            case .cursor(let r, let c): "cursor(\(r), \(c))"
            }
        }

        func apply(to s: inout TerminalScreen) {
            switch self {
            case .put(let t, let w, let r, let c, let style): s.put(t, width: w, row: r, column: c, style: style)
            case .erase(let r, let style): s.erase(r, style: style)
            case .move(let d, let src): s.move(d, from: src)
            case .scroll(let r, let down, let right, let style): s.scroll(r, down: down, right: right, eraseStyle: style)
            case .resize(let size): s.resize(to: size)
            case .alternate(let on): s.setAlternateScreen(on)
            case .cursor(let r, let c): s.cursor = TerminalCursor(row: min(r, s.size.rows - 1), column: min(c, s.size.columns - 1), isVisible: true)
            }
        }
    }

    /// The model: cells copied one at a time, rectangles clipped to the screen.
    struct Model {
        var size: TerminalSize
        var cells: [[TerminalCell]]
        var saved: [[TerminalCell]]?
        var cursor = TerminalCursor(row: 0, column: 0, isVisible: true)
        var scrolled: UInt64 = 0

        init(size: TerminalSize) {
            self.size = size
            cells = Array(repeating: Array(repeating: .blank, count: size.columns), count: size.rows)
        }

        func clip(_ r: TerminalRect) -> (rows: Range<Int>, columns: Range<Int>) {
            let rows = max(0, min(r.startRow, size.rows))..<max(0, min(r.endRow, size.rows))
            let columns = max(0, min(r.startColumn, size.columns))..<max(0, min(r.endColumn, size.columns))
            return (rows.isEmpty || columns.isEmpty) ? (0..<0, 0..<0) : (rows, columns)
        }

        mutating func apply(_ op: Operation) {
            switch op {
            case .put(let t, _, let r, let c, let style):
                if (0..<size.rows).contains(r), (0..<size.columns).contains(c) { cells[r][c] = TerminalCell(text: t, width: 1, style: style) }
            case .erase(let rect, let style):
                let (rows, columns) = clip(rect)
                for r in rows { for c in columns { cells[r][c] = .erased(style) } }
            case .move(let d, let s):
                let (dr, dc) = clip(d), (sr, sc) = clip(s)
                let h = min(dr.count, sr.count), w = min(dc.count, sc.count)
                let old = cells
                for i in 0..<max(0, h) { for j in 0..<max(0, w) { cells[dr.lowerBound + i][dc.lowerBound + j] = old[sr.lowerBound + i][sc.lowerBound + j] } }
            case .scroll(let rect, let down, let right, let style):
                let (rows, columns) = clip(rect)
                guard !rows.isEmpty else { return }
                if down > 0, right == 0, rows == 0..<size.rows, columns == 0..<size.columns, saved == nil, down < rows.count { scrolled += UInt64(down) }
                let old = cells
                for r in rows {
                    for c in columns {
                        let (sr, sc) = (r + down, c + right)
                        cells[r][c] = rows.contains(sr) && columns.contains(sc) && abs(down) < rows.count && abs(right) < columns.count ? old[sr][sc] : .erased(style)
                    }
                }
            case .resize(let new):
                guard new.isValid, new != size else { return }
                let dropped = max(0, cursor.row + 1 - new.rows)
                func resized(_ grid: [[TerminalCell]]) -> [[TerminalCell]] {
                    var g = Array(grid.dropFirst(dropped)).map { row in
                        Array(row.prefix(new.columns)) + Array(repeating: TerminalCell.blank, count: max(0, new.columns - row.count))
                    }
                    g = Array(g.prefix(new.rows))
                    while g.count < new.rows { g.append(Array(repeating: .blank, count: new.columns)) }
                    return g
                }
                cells = resized(cells)
                if let s = saved { saved = resized(s) }
                size = new
                cursor.row = min(max(0, cursor.row - dropped), new.rows - 1)
                cursor.column = min(cursor.column, new.columns - 1)
            case .alternate(let on):
                if on, saved == nil {
                    saved = cells
                    cells = Array(repeating: Array(repeating: .blank, count: size.columns), count: size.rows)
                } else if !on, let s = saved {
                    cells = s
                    saved = nil
                }
            case .cursor(let r, let c):
                cursor = TerminalCursor(row: min(r, size.rows - 1), column: min(c, size.columns - 1), isVisible: true)
            }
        }
    }

    static let styles = [TerminalStyle.plain, red, TerminalStyle(flags: 0, underline: 0, foreground: .default, background: .rgb(1, 2, 3))]

    static func randomOperation(_ g: inout some RandomNumberGenerator, size: TerminalSize, wide: Bool) -> Operation {
        func n(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &g) }
        func rect() -> TerminalRect {
            let r0 = n(-1...size.rows), c0 = n(-1...size.columns)
            return TerminalRect(startRow: r0, endRow: n(r0...size.rows + 1), startColumn: c0, endColumn: n(c0...size.columns + 1))
        }
        let style = styles.randomElement(using: &g)!
        switch n(0...12) {
        case 0...3:
            let w = wide && n(0...2) == 0 ? 2 : 1
            return .put(w == 2 ? ["漢", "字", "😀"].randomElement(using: &g)! : String(UnicodeScalar(UInt8(n(0x21...0x7E)))), width: w, row: n(-1...size.rows), column: n(-1...size.columns), style: style)
        case 4: return .erase(rect(), style)
        case 5, 6: return .move(rect(), rect())
        case 7, 8:
            let whole = n(0...1) == 0
            let r = whole ? TerminalRect(startRow: n(0...size.rows - 1), endRow: size.rows, startColumn: 0, endColumn: size.columns) : rect()
            return .scroll(r, down: n(-3...3), right: whole ? 0 : n(-3...3), style)
        case 9: return .resize(TerminalSize(rows: n(1...8), columns: n(1...10)))
        case 10: return .alternate(n(0...1) == 0)
        default: return .cursor(n(0...size.rows), n(0...size.columns))
        }
    }

    @Test("Narrow characters: every operation gives the model's cells, cursor and scroll count")
    func againstTheModel() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var g = SeededGenerator(seed: seed)
            let size = TerminalSize(rows: Int.random(in: 1...6, using: &g), columns: Int.random(in: 1...8, using: &g))
            var screen = TerminalScreen(size: size)
            var model = Model(size: size)
            var done: [Operation] = []
            for _ in 0..<40 {
                let op = Self.randomOperation(&g, size: screen.size, wide: false)
                done.append(op)
                op.apply(to: &screen)
                model.apply(op)
                let same = screen.lines.map(\.cells) == model.cells && screen.size == model.size && screen.cursor == model.cursor && screen.scrolledLines == model.scrolled
                #expect(same, "seed \(seed): \(done)")
                if !same { return }
            }
        }
    }

    @Test("Wide characters: after any operation every double-width cell has its continuation and vice versa")
    func wideCharactersStayPaired() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var g = SeededGenerator(seed: seed)
            var screen = TerminalScreen(size: TerminalSize(rows: Int.random(in: 1...6, using: &g), columns: Int.random(in: 1...8, using: &g)))
            var done: [Operation] = []
            for _ in 0..<60 {
                let op = Self.randomOperation(&g, size: screen.size, wide: true)
                done.append(op)
                op.apply(to: &screen)
                let ok = screen.wideCharactersArePaired && screen.lines.count == screen.size.rows && screen.lines.allSatisfy { $0.cells.count == screen.size.columns }
                #expect(ok, "seed \(seed): \(done)")
                if !ok { return }
            }
        }
    }
}

/// SplitMix64: a seeded generator, so that a failing property names the seed that reproduces it.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension TerminalScreen {
    /// True when every double-width cell is followed by its continuation and every continuation follows one.
    var wideCharactersArePaired: Bool {
        lines.allSatisfy { line in
            line.cells.indices.allSatisfy { i in
                switch line.cells[i].width {
                case 2: i + 1 < line.cells.count && line.cells[i + 1].width == 0
                case 0: i > 0 && line.cells[i - 1].width == 2
                default: true
                }
            }
        }
    }
}
