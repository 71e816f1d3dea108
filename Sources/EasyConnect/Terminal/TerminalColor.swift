/// A cell's foreground or background colour, as a terminal names it: the terminal's default, one of the
/// 256 palette entries (0–15 the classic ANSI colours), or 24-bit RGB.
public enum TerminalColor: Hashable, Sendable {
    /// The terminal's own default colour (`SGR 39` / `SGR 49`).
    case `default`
    /// Palette entry 0–255 (`SGR 30–37, 90–97`, `38;5;N`).
    case indexed(UInt8)
    /// 24-bit colour (`SGR 38;2;R;G;B`).
    case rgb(UInt8, UInt8, UInt8)

    /// The nearest entry of the xterm 256-colour palette (the 6×6×6 cube or the grey ramp); palette and
    /// default colours are returned unchanged. The `full` bandwidth level sends colours this way.
    public var reducedTo256: TerminalColor {
        guard case .rgb(let r, let g, let b) = self else { return self }
        func cubeIndex(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        let levels = [0, 95, 135, 175, 215, 255]
        let (ri, gi, bi) = (cubeIndex(r), cubeIndex(g), cubeIndex(b))
        let cube = (levels[ri], levels[gi], levels[bi])
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = 8 + greyIndex * 10
        func distance(_ c: (Int, Int, Int)) -> Int {
            let (dr, dg, db) = (c.0 - Int(r), c.1 - Int(g), c.2 - Int(b))
            return dr * dr + dg * dg + db * db
        }
        if distance((grey, grey, grey)) < distance(cube) { return .indexed(UInt8(232 + greyIndex)) }
        return .indexed(UInt8(16 + 36 * ri + 6 * gi + bi))
    }
}
