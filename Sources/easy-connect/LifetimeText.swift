import Foundation

/// A lifetime as typed after `--lifetime`: a number of seconds (`600`), or a number with a unit, `s`, `m`
/// (`min`) or `h` (`90m`, `6h`).
enum LifetimeText {
    /// The seconds of `text`, or nil when it is not a lifetime.
    static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let value = Int(digits) else { return nil }
        switch trimmed.dropFirst(digits.count) {
        case "", "s": return value
        case "m", "min": return value * 60
        case "h": return value * 3600
        default: return nil
        }
    }

    /// `6 hours`, `90 minutes`, `45 seconds`.
    static func spoken(_ seconds: Int) -> String {
        func unit(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        if seconds % 3600 == 0 { return unit(seconds / 3600, "hour") }
        if seconds % 60 == 0 { return unit(seconds / 60, "minute") }
        return unit(seconds, "second")
    }
}
