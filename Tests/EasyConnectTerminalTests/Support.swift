import EasyConnect
import EasyConnectTerminal

/// A small deterministic random number generator (SplitMix64), so that a failing property names the seed
/// that reproduces it.
struct SplitMix: RandomNumberGenerator {
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

/// Random program output: text (ASCII, double-width, combining marks), line ends, and the escape
/// sequences that move the cursor, set the pen, erase, scroll, insert and delete, switch screens and set
/// margins — the operations `VTermEmulator` turns into `TerminalScreen` changes.
enum RandomOutput {
    static let words = ["a", "hello", "x y z", "0123456789", "~!@#$%^&*()_+{}|:<>?", "the quick brown fox jumps over the lazy dog"]
    static let wide = ["漢", "字", "日本語", "한국", "Ｆｕｌｌ", "😀"]
    static let combining = ["e\u{301}", "a\u{308}\u{323}", "\u{301}", "n\u{303}o", "\u{200B}"]
    static let sgrParameters = [
        "0", "1", "3", "4", "5", "7", "9", "21", "4:3", "22", "23", "24", "25", "27", "29", "31", "32", "37", "39", "41", "44", "47", "49", "90", "97",
        "100", "107",
    ]

    /// Output of `count` random pieces for a screen of `size`.
    static func output(_ rng: inout SplitMix, size: TerminalSize, pieces count: Int) -> [UInt8] {
        (0..<count).flatMap { _ in piece(&rng, size: size) }
    }

    /// One random piece.
    static func piece(_ rng: inout SplitMix, size: TerminalSize) -> [UInt8] {
        func n(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        func row() -> Int { n(1...size.rows + 1) }
        func column() -> Int { n(1...size.columns + 1) }
        let csi = "\u{1B}["
        let text: String
        switch n(0...39) {
        case 0...7: text = words.randomElement(using: &rng)!
        case 8...9: text = wide.randomElement(using: &rng)!
        case 10: text = combining.randomElement(using: &rng)!
        case 11...13: text = ["\r\n", "\n", "\r", "\t", "\u{8}", "\u{1B}D", "\u{1B}M", "\u{1B}E"].randomElement(using: &rng)!
        case 14...16:
            var p = sgrParameters.randomElement(using: &rng)!
            switch n(0...5) {
            case 0: p = "38;5;\(n(0...255))"
            case 1: p = "48;5;\(n(0...255))"
            case 2: p = "38;2;\(n(0...255));\(n(0...255));\(n(0...255))"
            case 3: p = "48;2;\(n(0...255));\(n(0...255));\(n(0...255))"
            default: break
            }
            text = csi + p + "m"
        case 17...18: text = csi + "\(row());\(column())H"
        case 19: text = csi + ["A", "B", "C", "D", "G", "d"].randomElement(using: &rng)!.withCount(n(0...3))
        case 20: text = csi + "\(n(0...2))J"
        case 21: text = csi + "\(n(0...2))K"
        case 22: text = csi + "\(n(1...size.rows + 1))" + ["L", "M"].randomElement(using: &rng)!
        case 23: text = csi + "\(n(1...size.columns + 1))" + ["@", "P", "X"].randomElement(using: &rng)!
        case 24: text = csi + "\(n(1...size.rows + 1))" + ["S", "T"].randomElement(using: &rng)!
        case 25:
            let top = n(1...size.rows), bottom = n(top...size.rows)
            text = n(0...3) == 0 ? csi + "r" : csi + "\(top);\(bottom)r"
        case 26: text = csi + ["?1049h", "?1049l", "?1047h", "?1047l", "?47h", "?47l"].randomElement(using: &rng)!
        case 27: text = csi + ["?25l", "?25h"].randomElement(using: &rng)!
        case 28: text = ["\u{1B}7", "\u{1B}8", csi + "4h", csi + "4l", csi + "?7l", csi + "?7h", csi + "?6h", csi + "?6l"].randomElement(using: &rng)!
        case 29:
            // Left and right margins (DECLRMM): scrolls and inserts then move parts of rows.
            let left = n(1...size.columns), right = n(left...size.columns)
            text = n(0...2) == 0 ? csi + "?69l" : csi + "?69h" + csi + "\(left);\(right)s"
        case 30...33: text = String(repeating: words.randomElement(using: &rng)! + " ", count: n(1...4))
        case 34: text = String(repeating: "\r\n", count: n(1...size.rows + 2))
        case 35: text = "\u{1B}]2;title \(n(0...9))\u{7}"
        case 36: text = ["\u{85}", "\u{9B}", "\u{9B}31m", "\u{7F}", "\u{0}", "\u{7}"].randomElement(using: &rng)!
        case 37: text = csi + "!p"  // soft reset
        default:
            // A few raw bytes, whatever they mean.
            return (0..<n(1...4)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return Array(text.utf8)
    }

    /// A random screen size within `maximum`.
    static func size(_ rng: inout SplitMix, maximum: TerminalSize = TerminalSize(rows: 8, columns: 24)) -> TerminalSize {
        TerminalSize(rows: Int.random(in: 1...maximum.rows, using: &rng), columns: Int.random(in: 1...maximum.columns, using: &rng))
    }
}

extension String {
    /// `self` with a count in front (`"A"` → `"3A"`), or `self` for 0.
    fileprivate func withCount(_ count: Int) -> String { count == 0 ? self : "\(count)\(self)" }
}

extension VTermEmulator {
    /// An emulator of `rows`×`columns` that has read `output`.
    convenience init(rows: Int, columns: Int, output: String = "") {
        self.init(size: TerminalSize(rows: rows, columns: columns))
        write(Array(output.utf8))
    }

    /// Reads `text`.
    func write(_ text: String) { write(Array(text.utf8)) }
}

extension TerminalScreen {
    /// A description of the rows that differ from `other`'s, for failure messages.
    func differences(from other: TerminalScreen) -> String {
        guard size == other.size else { return "sizes \(size) and \(other.size)" }
        var out: [String] = []
        for row in 0..<size.rows where lines[row] != other.lines[row] {
            let column = (0..<size.columns).first { lines[row].cells[$0] != other.lines[row].cells[$0] }!
            out.append("row \(row) column \(column): \(lines[row].cells[column]) ≠ \(other.lines[row].cells[column])")
        }
        if cursor != other.cursor { out.append("cursor \(cursor) ≠ \(other.cursor)") }
        return out.joined(separator: "\n")
    }

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

extension TerminalCell {
    /// True when the text holds a C0, DEL or C1 control character.
    var hasControlCharacter: Bool { text.unicodeScalars.contains { $0.properties.generalCategory == .control } }
}
