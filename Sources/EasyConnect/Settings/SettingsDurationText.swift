/// Durations as settings files write them: a number and a unit, `s`, `m`, `h` or `d` (`90s`, `30m`, `6h`,
/// `2d`), several of them added up (`1h30m`); a bare number counts as seconds where a key allows it.
public enum SettingsDurationText {
    /// The seconds `text` stands for; nil when it is not a duration (or is larger than any setting could
    /// use). `unitless`: whether a bare number (seconds) is accepted.
    public static func parse(_ text: String, unitless: Bool) -> Int? {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        var total = 0
        var parts = 0
        var sawUnit = false
        func skipSpaces() { while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 } }
        skipSpaces()
        while i < scalars.count {
            var digits = 0
            var number = 0
            while i < scalars.count, let d = digit(scalars[i]) {
                digits += 1
                guard digits <= 9 else { return nil }  // 999,999,999 days is beyond every bound already
                number = number * 10 + d
                i += 1
            }
            guard digits > 0 else { return nil }
            skipSpaces()
            let multiplier: Int
            if i < scalars.count, let m = unit(scalars[i]) {
                multiplier = m
                sawUnit = true
                i += 1
            } else {
                multiplier = 1
                guard i == scalars.count, parts == 0, unitless else { return nil }
            }
            let (product, overflow1) = number.multipliedReportingOverflow(by: multiplier)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
            parts += 1
            skipSpaces()
        }
        guard parts > 0, sawUnit || unitless else { return nil }
        return total
    }

    /// `seconds` in the largest unit that writes it exactly: `6h`, `90s`, `2d`, `30m`.
    public static func format(_ seconds: Int) -> String {
        if seconds > 0, seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// `seconds` for people: `6 hours`, `90 seconds`, `1 day`.
    public static func words(_ seconds: Int) -> String {
        func plural(_ n: Int, _ unit: String) -> String { "\(n) \(unit)\(n == 1 ? "" : "s")" }
        if seconds > 0, seconds % 86_400 == 0 { return plural(seconds / 86_400, "day") }
        if seconds > 0, seconds % 3600 == 0 { return plural(seconds / 3600, "hour") }
        if seconds > 0, seconds % 60 == 0 { return plural(seconds / 60, "minute") }
        return plural(seconds, "second")
    }

    private static func digit(_ s: Unicode.Scalar) -> Int? {
        s.value >= 0x30 && s.value <= 0x39 ? Int(s.value - 0x30) : nil
    }

    private static func unit(_ s: Unicode.Scalar) -> Int? {
        switch s {
        case "s", "S": 1
        case "m", "M": 60
        case "h", "H": 3600
        case "d", "D": 86_400
        default: nil
        }
    }
}
