/// The byte form of a `ScreenFrame` (the body of a `terminalFrame` message, before any compression):
///
/// | field | bytes |
/// |---|---|
/// | flags | 1: bit 0 full frame |
/// | rows, columns | 2 + 2 |
/// | cursor row, column | 2 + 2 |
/// | cursor flags | 1: bit 0 visible |
/// | rows scrolled up | 2 |
/// | line count | 2 |
/// | each line | row (2), run count (2), runs |
///
/// A run is a style — flags (1), underline (1), foreground and background colours (1 kind byte: 0 default,
/// 1 palette + index, 2 RGB + 3 bytes) — then a cell count (2) and the cells. A cell is one byte for a blank
/// (0x00) or a printable ASCII character (0x20–0x7E), else 0x01, its width (1 or 2) and its UTF-8 text
/// (1 + n, at most 24 bytes). The continuation of a double-width character is not sent; cells after the
/// last run are default blanks. Every count and position is checked against the size; text with control
/// characters is refused, so nothing a peer sends can reach the Helper's terminal as an escape sequence.
extension ScreenFrame {
    /// Longest text of one cell (a base character and its combining marks), in UTF-8 bytes.
    public static let maximumCellTextBytes = TerminalCell.maximumTextBytes

    /// The bytes.
    public func encoded() -> [UInt8] {
        var w = MessageWriter(capacity: 64 + lines.count * 24)
        w.write(UInt8(isFull ? 1 : 0))
        w.write(UInt16(clamping: size.rows)); w.write(UInt16(clamping: size.columns))
        w.write(UInt16(clamping: cursor.row)); w.write(UInt16(clamping: cursor.column))
        w.write(UInt8(cursor.isVisible ? 1 : 0))
        w.write(UInt16(clamping: scrolledUp))
        w.write(UInt16(clamping: lines.count))
        for (row, line) in lines {
            w.write(UInt16(clamping: row))
            Self.encode(line, into: &w)
        }
        return w.bytes
    }

    private static func encode(_ line: TerminalLine, into w: inout MessageWriter) {
        let used = line.usedCount
        // Runs of cells with one style (continuation cells belong to the run of their character).
        var runs: [(style: TerminalStyle, start: Int, end: Int)] = []
        var i = 0
        while i < used {
            let style = line.cells[i].style
            let start = i
            i += 1
            while i < used, line.cells[i].style == style || line.cells[i].width == 0 { i += 1 }
            runs.append((style, start, i))
        }
        w.write(UInt16(clamping: runs.count))
        for run in runs {
            encode(run.style, into: &w)
            // A continuation cell goes with its character; a stray one (never made by `TerminalScreen`) is a blank.
            var cells: [TerminalCell] = []
            for index in run.start..<run.end {
                let cell = line.cells[index]
                if cell.width == 0 {
                    if index == 0 || line.cells[index - 1].width != 2 { cells.append(.erased(cell.style)) }
                } else if cell.width == 2, index + 1 >= line.cells.count || line.cells[index + 1].width != 0 {
                    cells.append(TerminalCell(text: cell.text, width: 1, style: cell.style))
                } else {
                    cells.append(cell)
                }
            }
            w.write(UInt16(clamping: cells.count))
            for cell in cells {
                if cell.width == 1, cell.isEmpty {
                    w.write(UInt8(0))
                } else if cell.width == 1, let b = cell.asciiByte, (0x20...0x7E).contains(b) {
                    w.write(b)
                } else if cell.isEmpty {
                    w.write(UInt8(1)); w.write(cell.width); w.write(UInt8(1)); w.write(UInt8(0x20))  // a blank double-width cell
                } else {
                    let bytes = cell.textBytes
                    w.write(UInt8(1)); w.write(cell.width); w.write(UInt8(bytes.count)); w.write(bytes: bytes)
                }
            }
        }
    }

    private static func encode(_ style: TerminalStyle, into w: inout MessageWriter) {
        w.write(style.flags); w.write(style.underline)
        for color in [style.foreground, style.background] {
            switch color {
            case .default: w.write(UInt8(0))
            case .indexed(let i): w.write(UInt8(1)); w.write(i)
            case .rgb(let r, let g, let b): w.write(UInt8(2)); w.write(r); w.write(g); w.write(b)
            }
        }
    }

    /// Decodes a frame; anything malformed — a size beyond `TerminalSize.maximum`, a row or cell beyond the
    /// screen, control characters, trailing bytes — is a `MessageError`. It never traps.
    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var r = MessageReader(bytes)
        let flags = try r.readUInt8("frame flags")
        guard flags <= 1 else { throw .badValue(field: "frame flags", reason: "are 0x\(String(flags, radix: 16))") }
        let size = TerminalSize(rows: Int(try r.readUInt16("rows")), columns: Int(try r.readUInt16("columns")))
        guard size.isValid else { throw .badValue(field: "screen size", reason: "is \(size); a shared screen has 1×1 to \(TerminalSize.maximum)") }
        let cursorRow = Int(try r.readUInt16("cursor row")), cursorColumn = Int(try r.readUInt16("cursor column"))
        guard cursorRow < size.rows, cursorColumn < size.columns else { throw .badValue(field: "cursor", reason: "is outside the \(size) screen") }
        let cursorFlags = try r.readUInt8("cursor flags")
        guard cursorFlags <= 1 else { throw .badValue(field: "cursor flags", reason: "are 0x\(String(cursorFlags, radix: 16))") }
        let scrolled = Int(try r.readUInt16("rows scrolled"))
        guard scrolled <= size.rows else { throw .badValue(field: "rows scrolled", reason: "is \(scrolled), more than the \(size.rows) rows") }
        let count = Int(try r.readUInt16("line count"))
        guard count <= size.rows else { throw .badValue(field: "line count", reason: "is \(count), more than the \(size.rows) rows") }
        var lines: [(row: Int, line: TerminalLine)] = []
        lines.reserveCapacity(count)
        var previous = -1
        for _ in 0..<count {
            let row = Int(try r.readUInt16("row"))
            guard row < size.rows, row > previous else { throw .badValue(field: "row", reason: "\(row) is out of order or outside the \(size.rows) rows") }
            previous = row
            lines.append((row, try Self.decodeLine(&r, columns: size.columns)))
        }
        try r.expectEnd(of: "the screen frame")
        self.init(size: size, isFull: flags & 1 != 0, scrolledUp: scrolled, lines: lines, cursor: TerminalCursor(row: cursorRow, column: cursorColumn, isVisible: cursorFlags & 1 != 0))
    }

    private static func decodeLine(_ r: inout MessageReader, columns: Int) throws(MessageError) -> TerminalLine {
        var cells: [TerminalCell] = []
        cells.reserveCapacity(columns)
        let runCount = Int(try r.readUInt16("run count"))
        guard runCount <= columns else { throw .badValue(field: "run count", reason: "is \(runCount), more than the \(columns) columns") }
        for _ in 0..<runCount {
            let style = try decodeStyle(&r)
            let cellCount = Int(try r.readUInt16("cell count"))
            guard cellCount >= 1 else { throw .badValue(field: "cell count", reason: "is 0") }
            for _ in 0..<cellCount {
                let first = try r.readUInt8("cell")
                let cell: TerminalCell
                switch first {
                case 0: cell = TerminalCell(text: "", width: 1, style: style)
                case 0x20...0x7E: cell = TerminalCell(ascii: first, style: style)
                case 1:
                    let width = try r.readUInt8("cell width")
                    guard width == 1 || width == 2 else { throw .badValue(field: "cell width", reason: "is \(width)") }
                    let length = Int(try r.readUInt8("cell text length"))
                    guard (1...maximumCellTextBytes).contains(length) else { throw .badValue(field: "cell text", reason: "has \(length) bytes; 1 to \(maximumCellTextBytes) are allowed") }
                    let raw = try r.readBytes(length, "cell text")
                    guard let text = String(validating: raw, as: UTF8.self) else { throw .badValue(field: "cell text", reason: "is not valid UTF-8") }
                    guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                        throw .badValue(field: "cell text", reason: "holds a control character")
                    }
                    cell = TerminalCell(text: text, width: width, style: style)
                default:
                    throw .badValue(field: "cell", reason: "starts with 0x\(String(first, radix: 16)), which is neither a printable character nor 0x00 or 0x01")
                }
                cells.append(cell)
                if cell.width == 2 { cells.append(.continuation(style)) }
                guard cells.count <= columns else { throw .badValue(field: "line", reason: "has more cells than the \(columns) columns") }
            }
        }
        cells.append(contentsOf: repeatElement(TerminalCell.blank, count: columns - cells.count))
        return TerminalLine(cells: cells)
    }

    private static func decodeStyle(_ r: inout MessageReader) throws(MessageError) -> TerminalStyle {
        let flags = try r.readUInt8("style flags")
        guard flags & ~TerminalStyle.allFlags == 0 else { throw .badValue(field: "style flags", reason: "are 0x\(String(flags, radix: 16))") }
        let underline = try r.readUInt8("underline")
        guard underline <= 3 else { throw .badValue(field: "underline", reason: "is \(underline)") }
        func color(_ field: String) throws(MessageError) -> TerminalColor {
            switch try r.readUInt8(field) {
            case 0: return .default
            case 1: return .indexed(try r.readUInt8(field))
            case 2: return .rgb(try r.readUInt8(field), try r.readUInt8(field), try r.readUInt8(field))
            case let kind: throw .badValue(field: field, reason: "has kind \(kind)")
            }
        }
        return TerminalStyle(flags: flags, underline: underline, foreground: try color("foreground"), background: try color("background"))
    }
}
