/// Why typed text is not an Easy Connect password. Each case says what to check.
public enum PasswordError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing but spaces and dashes was typed.
    case empty
    /// The password has `count` letters and digits instead of 12.
    case wrongLength(Int)
    /// `character` (at 1-based `position`, spaces and dashes not counted) never appears in a password.
    case invalidCharacter(Character, position: Int)

    public var description: String {
        switch self {
        case .empty:
            "no password was typed: enter the 12 characters the person you help reads to you"
        case .wrongLength(let n):
            "the password has \(n) letters and digits; it must have \(EasyConnectPassword.length) (spaces and dashes do not count)"
        case .invalidCharacter(let c, let p):
            "character \(p) ('\(c.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String(c) : "U+\(String($0.value, radix: 16, uppercase: true))" }.joined())') never appears in Easy Connect passwords, which use only \(String(EasyConnectPassword.alphabet)); check that character"
        }
    }
}
