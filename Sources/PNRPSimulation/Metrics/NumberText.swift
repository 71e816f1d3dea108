import Foundation

/// Locale-independent, byte-stable decimal text for the simulator's outputs (CSV, JSON, SVG).
///
/// Numbers are written in plain decimal notation — never with an exponent, never with a grouping
/// separator, always with `.` as the decimal point — rounded to a fixed number of significant digits,
/// with trailing fractional zeros removed. The rounding goes through C's `%e` conversion, which rounds the
/// exact binary value, so the same Double always gives the same text.
public enum NumberText {
    /// `value` rounded to `significantDigits` (1…17) significant digits in plain decimal notation
    /// (`0.000123457`, `123457000`, `42`, `-1.5`); nil when `value` is NaN or infinite. Negative zero
    /// is written `0`.
    public static func decimal(_ value: Double, significantDigits: Int = 6) -> String? {
        guard value.isFinite else { return nil }
        if value == 0 { return "0" }
        let digitsWanted = Swift.min(Swift.max(significantDigits, 1), 17)
        // "-d.dddde±XX": sign, mantissa digits, decimal exponent.
        let scientific = String(format: "%.\(digitsWanted - 1)e", value)
        guard let e = scientific.firstIndex(where: { $0 == "e" || $0 == "E" }),
              let exponent = Int(scientific[scientific.index(after: e)...].replacingOccurrences(of: "+", with: ""))
        else { return nil }
        var mantissa = scientific[..<e]
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa = mantissa.dropFirst() }
        let digits = Array(mantissa.filter(\.isNumber))
        guard !digits.isEmpty else { return nil }

        let integerDigits = exponent + 1  // digits before the decimal point
        var integerPart: String, fractionPart: String
        if integerDigits <= 0 {
            integerPart = "0"
            fractionPart = String(repeating: "0", count: -integerDigits) + String(digits)
        } else if integerDigits >= digits.count {
            integerPart = String(digits) + String(repeating: "0", count: integerDigits - digits.count)
            fractionPart = ""
        } else {
            integerPart = String(digits[..<integerDigits])
            fractionPart = String(digits[integerDigits...])
        }
        while fractionPart.hasSuffix("0") { fractionPart.removeLast() }
        if integerPart.isEmpty { integerPart = "0" }
        let body = fractionPart.isEmpty ? integerPart : integerPart + "." + fractionPart
        return negative && body != "0" ? "-" + body : body
    }

    /// `value` with at most `decimals` (0…10) digits after the point, trailing zeros removed (`12.5`,
    /// `3`); `0` for NaN or infinity, so that it can stand in a coordinate.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "0" }
        var text = String(format: "%.\(Swift.min(Swift.max(decimals, 0), 10))f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
