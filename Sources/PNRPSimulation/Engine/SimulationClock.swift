import Foundation
import PNRP

/// Parses and prints the durations of scenario files: a number and a unit, `ms`, `s`, `m` or `h`
/// (`250ms`, `15s`, `10m`, `2h`, `1.5s`).
public enum DurationText {
    /// The duration `text` names, or nil when it is not a number followed by a known unit.
    public static func parse(_ text: String) -> NodeDuration? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count)
            // "ms" also ends in "s": make sure the number part is a number.
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            let ns = value * scale
            guard ns < 1.8e19 else { return nil }
            return NodeDuration(nanoseconds: UInt64(ns.rounded()))
        }
        return nil
    }

    /// The shortest exact text for `d`, as `parse` reads it: the largest whole unit (`2h`, `10m`, `15s`,
    /// `200ms`), else milliseconds with the decimals needed (`0.25ms`).
    public static func format(_ d: NodeDuration) -> String {
        let ns = d.nanoseconds
        if ns == 0 { return "0s" }
        for (unit, size) in [("h", UInt64(3_600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000)] where ns % size == 0 {
            return "\(ns / size)\(unit)"
        }
        var fraction = String(ns % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(ns / 1_000_000).\(fraction)ms"
    }
}
