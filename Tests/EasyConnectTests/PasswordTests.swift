import EasyConnect
import PeerCrypto
import NetworkLab
import Testing

@Suite("Easy Connect passwords", .onComputeThread)
struct PasswordTests {
    @Test("Typed passwords are accepted in either case, with spaces and dashes ignored")
    func parsing() throws {
        let p = try EasyConnectPassword(parsing: "bcdf-ghjk mnpq")
        #expect(p.characters == "BCDFGHJKMNPQ")
        #expect(p.grouped == "BCDF GHJK MNPQ")
        #expect(p.rendezvousPart == "BCDFGH")
        #expect(p.pakeInput == Array("BCDFGHJKMNPQ".utf8))
        #expect("\(p)" == "EasyConnectPassword(redacted)")
    }

    @Test("Look-alike and foreign characters, wrong lengths and empty input are refused with the reason")
    func refusals() {
        #expect(throws: PasswordError.invalidCharacter("0", position: 1)) { try EasyConnectPassword(parsing: "0CDF GHJK MNPQ") }
        #expect(throws: PasswordError.invalidCharacter("o", position: 2)) { try EasyConnectPassword(parsing: "Bo") }
        for c in ["1", "I", "L", "O", "A", "E", "U", "é", "\u{1b}", "ß", "ﬁ", "ǅ", "🇫🇷"] {
            #expect(throws: PasswordError.self) { try EasyConnectPassword(parsing: "BCDFGHJKMNP" + c) }
        }
        #expect(throws: PasswordError.wrongLength(11)) { try EasyConnectPassword(parsing: "BCDF GHJK MNP") }
        #expect(throws: PasswordError.wrongLength(13)) { try EasyConnectPassword(parsing: "BCDF GHJK MNPQR") }
        #expect(throws: PasswordError.empty) { try EasyConnectPassword(parsing: " - ") }
        let message = PasswordError.invalidCharacter("\u{1b}", position: 3).description
        #expect(!message.contains("\u{1b}"))
    }

    @Test("Generated passwords use every symbol of the alphabet and nothing else, about uniformly")
    func generation() {
        var entropy = DeterministicEntropy(seed: 42)
        var counts: [Character: Int] = [:]
        for _ in 0..<2_000 {
            let p = EasyConnectPassword.generate(using: &entropy)
            #expect(p.characters.count == 12)
            for c in p.characters { counts[c, default: 0] += 1 }
        }
        #expect(Set(counts.keys) == Set(EasyConnectPassword.alphabet))
        // 24,000 draws over 28 symbols: about 857 each; a biased draw (e.g. modulo bias) would show here.
        for (_, n) in counts { #expect(n > 700 && n < 1_020) }
        #expect(abs(EasyConnectPassword.totalBits - 57.69) < 0.01)
        #expect(abs(EasyConnectPassword.rendezvousBits - 28.84) < 0.01)
    }

    @Test("The alphabet has no look-alikes and no vowels")
    func alphabet() {
        let a = Set(EasyConnectPassword.alphabet)
        #expect(a.count == 28)
        for c in "01OILAEIOU" { #expect(!a.contains(c)) }
    }
}
