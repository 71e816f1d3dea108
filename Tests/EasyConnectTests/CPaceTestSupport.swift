/// Hex conversion for the CPace test literals. Whitespace in a literal is ignored, so long vectors can wrap.
enum CPaceHex {
    static func string(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    static func bytes(_ text: String) -> [UInt8] {
        let digits = text.filter { !$0.isWhitespace }.map { $0.hexDigitValue! }
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(digits[$0] << 4 | digits[$0 + 1]) }
    }
}
