import PeerCrypto

/// The 12-character password a User reads to a Helper.
///
/// Characters are drawn uniformly and independently from a 28-symbol alphabet: the consonants and digits
/// of [MS-RAIOP] 3.1.5.1's "Allowed Characters" without `L` (it is read like `1` and `I`). There are no
/// vowels, so no words, and none of the look-alikes 0/O and 1/I/L. Each character holds log2(28) ≈ 4.807
/// bits, the whole password 57.7 bits.
///
/// The password plays two parts, as a magic-wormhole nameplate and code do (`docs/easy-connect.md`):
/// - the first `rendezvousLength` characters (28.8 bits) name the invitation in the cloud
///   (`Rendezvous`), at a cost of one Argon2id evaluation per guess for anyone trying to find them;
/// - all 12 characters key the PAKE (`CPace`), so the other 6 (28.8 bits) can only be tested by talking
///   to the User, three times at most.
///
/// The value never prints itself: `description` is redacted; `grouped` is for showing it to its owner.
public struct EasyConnectPassword: Sendable, CustomStringConvertible {
    /// The symbols a password is made of.
    public static let alphabet: [Character] = Array("BCDFGHJKMNPQRSTVWXYZ23456789")
    /// Characters in a password.
    public static let length = 12
    /// Leading characters that name the rendezvous.
    public static let rendezvousLength = 6
    /// Bits per character: log2(28).
    public static let bitsPerCharacter = 4.807354922057604
    /// Bits in a whole password: 12 × log2(28).
    public static let totalBits = bitsPerCharacter * Double(length)
    /// Bits in the rendezvous part: 6 × log2(28).
    public static let rendezvousBits = bitsPerCharacter * Double(rendezvousLength)

    /// The 12 characters, upper case.
    public let characters: String

    private init(validated: String) { characters = validated }

    /// Parses what a person typed: either case, spaces and dashes ignored.
    public init(parsing text: String) throws(PasswordError) {
        var out = ""
        var position = 0
        for c in text where c != " " && c != "-" && c != "\t" {
            position += 1
            // Some characters upper-case to several ("ß" to "SS"): none of them is in the alphabet.
            let upper = c.uppercased()
            guard upper.count == 1, let u = upper.first, Self.alphabet.contains(u) else { throw .invalidCharacter(c, position: position) }
            out.append(u)
        }
        guard position > 0 else { throw .empty }
        guard out.count == Self.length else { throw .wrongLength(out.count) }
        self.init(validated: out)
    }

    /// Draws a new password, each character uniformly from `alphabet` with `entropy` (the system's secure
    /// generator in the `easy-connect` command; a seeded stream in tests).
    public static func generate(using entropy: inout some EntropySource) -> EasyConnectPassword {
        var text = ""
        for _ in 0..<length { text.append(alphabet[entropy.uniform(alphabet.count)]) }
        return EasyConnectPassword(validated: text)
    }

    /// The first six characters: what names the invitation in the cloud.
    public var rendezvousPart: String { String(characters.prefix(Self.rendezvousLength)) }

    /// The password as the PAKE takes it: its 12 ASCII bytes.
    public var pakeInput: [UInt8] { Array(characters.utf8) }

    /// Three groups of four for reading aloud: `BCDF GHJK MNPQ`.
    public var grouped: String {
        let c = Array(characters)
        return stride(from: 0, to: c.count, by: 4).map { String(c[$0..<min($0 + 4, c.count)]) }.joined(separator: " ")
    }

    /// Redacted: a password never ends up in a log line by accident.
    public var description: String { "EasyConnectPassword(redacted)" }
}
