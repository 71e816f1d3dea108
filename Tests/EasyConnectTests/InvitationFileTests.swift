import EasyConnect
import Foundation
import PNRP
import PeerCrypto
import NetworkLab
import Testing

/// Password-protected invitation files (`.MsRcIncident`): the outline, the round trip, and every way a file
/// is refused — wrong password, expiry, any changed or missing byte, lifetimes, short passwords, files that
/// are not ours.
@Suite("Invitation files", .onComputeThread)
struct InvitationFileTests {
    /// Cheap Argon2id (8 KiB, 1 pass): the exhaustive tests open thousands of files.
    static let cheap = InvitationFileCost(memoryKiB: 8, passes: 1)
    static let start: UInt64 = 1_700_000_000
    static let filePassword = try! InvitationFilePassword("correct horse")

    static func content(lifetimeMinutes: UInt32 = 360, name: String = "Ursula") throws -> InvitationFile {
        var invitation = Fixtures.invitation()
        invitation.displayName = name
        invitation.endpoints.append(SessionEndpoint(address: IPv6Address(bytes: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1])!, port: 40_001))
        return try InvitationFile(invitation: invitation, password: Fixtures.password(), startUnixSeconds: start, lifetimeMinutes: lifetimeMinutes)
    }

    static func sealed(cost: InvitationFileCost = cheap, lifetimeMinutes: UInt32 = 360, seed: UInt64 = 1) throws -> [UInt8] {
        var entropy = DeterministicEntropy(seed: seed)
        return try content(lifetimeMinutes: lifetimeMinutes).sealed(with: filePassword, cost: cost, entropy: &entropy)
    }

    static func refusal(_ bytes: [UInt8], password: InvitationFilePassword = filePassword, now: UInt64 = start, maximum: UInt32 = 360) -> InvitationFileError? {
        do {
            _ = try InvitationFile.open(bytes, with: password, nowUnixSeconds: now, maximumLifetimeMinutes: maximum)
            return nil
        } catch {
            return error
        }
    }

    /// The case of an error, without its values.
    static func kind(_ error: InvitationFileError) -> String {
        switch error {
        case .passwordTooShort: "passwordTooShort"
        case .passwordTooLong: "passwordTooLong"
        case .passwordControlCharacter: "passwordControlCharacter"
        case .wrongPasswordOrChanged: "wrongPasswordOrChanged"
        case .expired: "expired"
        case .lifetimeOutOfRange: "lifetimeOutOfRange"
        case .notAnInvitationFile: "notAnInvitationFile"
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupportedVersion"
        case .unencodable: "unencodable"
        case .keyDerivation: "keyDerivation"
        }
    }

    @Test("Round trip at the standard cost: the Helper gets the invitation, the PAKE password and the visible attributes")
    func roundTrip() throws {
        let written = try Self.content()
        let bytes = try Self.sealed(cost: .standard)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("<?xml version=\"1.0\""))
        for part in ["<UPLOADINFO TYPE=\"Escalated\">", "<UPLOADDATA ", "USERNAME=\"Ursula\"", "DtStart=\"1700000000\"", "DtLength=\"360\"", "RCTICKETENCRYPTED=\"1\"", "RCTICKET=\"", "L=\"0\"", "ECVERSION=\"1\"", "</UPLOADINFO>"] {
            #expect(text.contains(part), "the file lacks \(part): \(text)")
        }
        #expect(!text.contains("BCDF") && !text.contains("ursula-laptop"), "the PAKE password and the computer name travel only encrypted")
        #expect(bytes.count < 1500)

        let opened = try InvitationFile.open(bytes, with: try InvitationFilePassword("correct horse"), nowUnixSeconds: Self.start + 60)
        #expect(opened.invitation == written.invitation)
        #expect(opened.invitation.expiresAt == Self.start + 360 * 60)
        #expect(opened.password.characters == "BCDFGHJKMNPQ")
        #expect(opened.header == InvitationFileHeader(userName: "Ursula", startUnixSeconds: Self.start, lifetimeMinutes: 360))
        #expect(try InvitationFile.readHeader(bytes) == opened.header)
    }

    @Test("Time and randomness are inputs: the same seed writes the same bytes, another seed other bytes")
    func deterministic() throws {
        #expect(try Self.sealed(seed: 5) == Self.sealed(seed: 5))
        #expect(try Self.sealed(seed: 5) != Self.sealed(seed: 6))
    }

    @Test("A wrong password is refused with \"wrong password, or the file was changed\"")
    func wrongPassword() throws {
        let bytes = try Self.sealed(cost: .standard)
        for wrong in ["correct horsE", "correct horse ", "incorrect horse", "123456"] {
            let error = Self.refusal(bytes, password: try InvitationFilePassword(wrong))
            #expect(error == .wrongPasswordOrChanged, "\(wrong)")
        }
        #expect(InvitationFileError.wrongPasswordOrChanged.description.contains("wrong password, or the file was changed"))
    }

    @Test("The same password typed composed or decomposed opens the file (NFC)")
    func normalisedPassword() throws {
        var entropy = DeterministicEntropy(seed: 3)
        let bytes = try Self.content().sealed(with: try InvitationFilePassword("caf\u{E9} cr\u{E8}me"), cost: Self.cheap, entropy: &entropy)
        #expect(Self.refusal(bytes, password: try InvitationFilePassword("cafe\u{301} cre\u{300}me")) == nil)
        #expect(InvitationFilePassword.minimumCharacters == 6)
    }

    @Test("An expired file is refused, saying when it expired; the second before expiry still opens")
    func expired() throws {
        let bytes = try Self.sealed()
        let expiry = Self.start + 360 * 60
        #expect(Self.refusal(bytes, now: expiry - 1) == nil)
        let error = Self.refusal(bytes, now: expiry)
        #expect(error == .expired(expiresAt: expiry))
        #expect(error?.description.contains("expired at 2023-11-15T04:13:20Z") == true, "\(String(describing: error))")
        #expect(Self.refusal(bytes, now: expiry + 86_400) == .expired(expiresAt: expiry))
        // A Helper whose clock is behind the User's still opens it.
        #expect(Self.refusal(bytes, now: Self.start - 600) == nil)
    }

    @Test("Every single-bit change at every position of a file is refused")
    func everyFlippedBit() throws {
        let bytes = try Self.sealed()
        #expect(Self.refusal(bytes) == nil)
        var kinds: [String: Int] = [:]
        for position in bytes.indices {
            for bit in 0..<8 {
                var changed = bytes
                changed[position] ^= UInt8(1 << bit)
                guard let error = Self.refusal(changed) else {
                    Issue.record("flipping bit \(bit) of byte \(position) ('\(Character(Unicode.Scalar(bytes[position])))') went unnoticed")
                    continue
                }
                kinds[Self.kind(error), default: 0] += 1
            }
        }
        // Changes to the ticket and to the visible values are caught by the AEAD; the rest by the outline.
        #expect(kinds["wrongPasswordOrChanged", default: 0] > 1000, "\(kinds)")
        #expect(kinds["malformed", default: 0] > 100, "\(kinds)")
    }

    @Test("Changing a visible attribute to another well-formed value breaks the AEAD (its associated data covers them all)")
    func visibleAttributesAuthenticated() throws {
        let text = String(decoding: try Self.sealed(), as: UTF8.self)
        let edits = [
            ("USERNAME=\"Ursula\"", "USERNAME=\"Ursulb\""),
            ("USERNAME=\"Ursula\"", "USERNAME=\"Mallory\""),
            ("DtStart=\"1700000000\"", "DtStart=\"1700000001\""),
            ("DtStart=\"1700000000\"", "DtStart=\"1800000000\""),
            ("DtLength=\"360\"", "DtLength=\"359\""),
            ("DtLength=\"360\"", "DtLength=\"60\""),
        ]
        for (from, to) in edits {
            #expect(text.contains(from))
            let changed = Array(text.replacingOccurrences(of: from, with: to).utf8)
            #expect(Self.refusal(changed) == .wrongPasswordOrChanged, "\(to)")
        }
        let other = Array(text.replacingOccurrences(of: "ECVERSION=\"1\"", with: "ECVERSION=\"2\"").utf8)
        #expect(Self.refusal(other) == .unsupportedVersion("2"))
        // Swapping in the ticket of another file (another salt and nonce) fails as well.
        let second = String(decoding: try Self.sealed(seed: 9), as: UTF8.self)
        let ticket = { (t: String) in String(t.split(separator: "RCTICKET=\"")[1].prefix { $0 != "\"" }) }
        let swapped = Array(text.replacingOccurrences(of: ticket(text), with: ticket(second)).utf8)
        #expect(Self.refusal(swapped) == nil || Self.refusal(swapped) == .wrongPasswordOrChanged)
        #expect(Self.refusal(Array(second.utf8)) == nil)
    }

    @Test("Every truncation of a file is refused")
    func truncated() throws {
        let bytes = try Self.sealed()
        for length in 0..<bytes.count {
            let error = Self.refusal(Array(bytes.prefix(length)))
            #expect(error != nil, "the first \(length) bytes were accepted")
        }
        #expect(Self.refusal([]) == .notAnInvitationFile("the file is empty"))
        // Cut inside the ticket but closed again: the ciphertext is short.
        let text = String(decoding: bytes, as: UTF8.self)
        let ticket = String(text.split(separator: "RCTICKET=\"")[1].prefix { $0 != "\"" })
        let shorter = Array(text.replacingOccurrences(of: ticket, with: String(ticket.prefix(ticket.count - 8))).utf8)
        #expect(Self.refusal(shorter) != nil)
    }

    @Test("Lifetimes: zero and above the maximum are refused by the writer; a reader with a lower maximum refuses the file")
    func lifetimes() throws {
        #expect(throws: InvitationFileError.lifetimeOutOfRange(minutes: 361, maximumMinutes: 360)) { try Self.content(lifetimeMinutes: 361) }
        #expect(throws: InvitationFileError.lifetimeOutOfRange(minutes: 0, maximumMinutes: 360)) { try Self.content(lifetimeMinutes: 0) }
        #expect(InvitationFileError.lifetimeOutOfRange(minutes: 361, maximumMinutes: 360).description.contains("more than the 360 minutes (6 hours) allowed"))
        // A setting may raise the maximum for both sides.
        let day = try InvitationFile(invitation: Fixtures.invitation(), password: Fixtures.password(), startUnixSeconds: Self.start, lifetimeMinutes: 1440, maximumLifetimeMinutes: 1440)
        var entropy = DeterministicEntropy(seed: 2)
        let long = try day.sealed(with: Self.filePassword, cost: Self.cheap, entropy: &entropy)
        #expect(Self.refusal(long) == .lifetimeOutOfRange(minutes: 1440, maximumMinutes: 360))
        #expect(Self.refusal(long, maximum: 1440) == nil)
        // A lower maximum on the Helper's side refuses a 6-hour file.
        #expect(Self.refusal(try Self.sealed(), maximum: 60) == .lifetimeOutOfRange(minutes: 360, maximumMinutes: 60))
    }

    @Test("File passwords: fewer than 6 characters, control characters and more than 1024 bytes are refused")
    func filePasswords() throws {
        #expect(throws: InvitationFileError.passwordTooShort(characters: 5)) { try InvitationFilePassword("abcde") }
        #expect(throws: InvitationFileError.passwordTooShort(characters: 0)) { try InvitationFilePassword("") }
        // Six characters, whatever their bytes: "é" typed decomposed is one character.
        #expect(throws: InvitationFileError.passwordTooShort(characters: 5)) { try InvitationFilePassword("e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}") }
        _ = try InvitationFilePassword("abcdef")
        _ = try InvitationFilePassword("日本語のパス")
        #expect(throws: InvitationFileError.passwordControlCharacter(position: 4)) { try InvitationFilePassword("abc\ndef") }
        #expect(throws: InvitationFileError.passwordTooLong(bytes: 1025)) { try InvitationFilePassword(String(repeating: "a", count: 1025)) }
        #expect(InvitationFileError.passwordTooShort(characters: 5).description == "the file password has 5 characters; it needs at least 6")
        #expect("\(try InvitationFilePassword("secret-password"))" == "InvitationFilePassword(redacted)")
    }

    @Test("Files that are not ours are refused with what they are, naming the element or attribute at fault")
    func notOurs() throws {
        func refused(_ text: String) -> InvitationFileError? { Self.refusal(Array(text.utf8)) }
        let good = String(decoding: try Self.sealed(), as: UTF8.self)

        // A Windows Remote Assistance ticket (made-up values), in UTF-8 and as Windows writes it, UTF-16.
        let windows =
            "<?xml version=\"1.0\"?><UPLOADINFO TYPE=\"Escalated\"><UPLOADDATA USERNAME=\"ada\" RCTICKET=\"65538,1,192.0.2.7:3389;ada-pc:3389,*,Zm9v,*,*,YmFy\" PassStub=\"abc\" RCTICKETENCRYPTED=\"1\" DtStart=\"1700000000\" DtLength=\"360\" L=\"0\"/></UPLOADINFO>"
        #expect(refused(windows)?.description.contains("Windows Remote Assistance invitation") == true, "\(String(describing: refused(windows)))")
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in windows.utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(Self.refusal(utf16)?.description.contains("UTF-16") == true)

        #expect(refused("hello") == .notAnInvitationFile("it does not start with an XML declaration (<?xml …?>)"))
        #expect(refused("<?xml version=\"1.0\"?><html/>") == .notAnInvitationFile("its root element is <html>, not <UPLOADINFO>"))
        #expect(refused("<?xml version=\"1.1\"?><UPLOADINFO/>")?.description.contains("the XML declaration") == true)
        #expect(Self.refusal([0x3C, 0x3F, 0xC3, 0x28]) == .notAnInvitationFile("it is not UTF-8 text"))
        #expect(Self.refusal([UInt8](repeating: 0x20, count: InvitationFile.maximumFileBytes + 1))?.description.contains("at most 65536") == true)

        let missing = good.replacingOccurrences(of: "DtStart=\"1700000000\" ", with: "")
        #expect(refused(missing) == .malformed(location: "attribute DtStart of <UPLOADDATA>", reason: "is missing"))
        let extra = good.replacingOccurrences(of: "L=\"0\"", with: "L=\"0\" PassStub=\"x\"")
        #expect(refused(extra) == .malformed(location: "attribute PassStub of <UPLOADDATA>", reason: "is not part of an invitation file"))
        let zeros = good.replacingOccurrences(of: "DtLength=\"360\"", with: "DtLength=\"0360\"")
        #expect(refused(zeros)?.description.contains("attribute DtLength of <UPLOADDATA> is \"0360\", not a number of minutes") == true)
        let type = good.replacingOccurrences(of: "TYPE=\"Escalated\"", with: "TYPE=\"Unsolicited\"")
        #expect(refused(type) == .malformed(location: "attribute TYPE of <UPLOADINFO>", reason: "is \"Unsolicited\"; it must be \"Escalated\""))
        let doctype = good.replacingOccurrences(of: "<UPLOADINFO", with: "<!DOCTYPE UPLOADINFO [<!ENTITY x \"y\">]>\n<UPLOADINFO")
        #expect(refused(doctype)?.description.contains("document type declaration") == true)
        let comment = good.replacingOccurrences(of: "</UPLOADINFO>", with: "<!-- hi --></UPLOADINFO>")
        #expect(refused(comment)?.description.contains("comment") == true)
        let twice = good.replacingOccurrences(of: "L=\"0\"", with: "L=\"0\" L=\"0\"")
        #expect(refused(twice)?.description.contains("is not well-formed XML") == true, "\(String(describing: refused(twice)))")
        let sibling = good.replacingOccurrences(of: "</UPLOADINFO>", with: "<EXTRA/></UPLOADINFO>")
        #expect(refused(sibling) == .malformed(location: "<UPLOADDATA>", reason: "must be the only element inside <UPLOADINFO>, and empty"))
        let content = good.replacingOccurrences(of: "</UPLOADINFO>", with: "text</UPLOADINFO>")
        #expect(refused(content) != nil)
        let after = good + "<UPLOADINFO/>"
        #expect(refused(after) != nil)
        let notBase64 = good.replacingOccurrences(of: "RCTICKET=\"", with: "RCTICKET=\"*")
        #expect(refused(notBase64) == .malformed(location: "attribute RCTICKET of <UPLOADDATA>", reason: "is not Base64 text"))
        #expect(refused(good.replacingOccurrences(of: "ECVERSION=\"1\"", with: "ECVERSION=\"x\""))?.description.contains("ECVERSION") == true)
    }

    @Test("Random and mutated inputs never trap the decoder")
    func fuzz() throws {
        let good = try Self.sealed()
        var random = DeterministicEntropy(seed: 77)
        for round in 0..<3000 {
            var bytes: [UInt8]
            switch round % 4 {
            case 0: bytes = random.bytes(random.uniform(300))
            case 1:
                bytes = good
                for _ in 0..<(1 + random.uniform(8)) { bytes[random.uniform(bytes.count)] = random.bytes(1)[0] }
            case 2:
                bytes = good
                let at = random.uniform(bytes.count)
                bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.uniform(40)))
            default:
                bytes = good
                bytes.insert(contentsOf: random.bytes(1 + random.uniform(20)), at: random.uniform(bytes.count))
            }
            _ = Self.refusal(bytes)
            _ = try? InvitationFile.readHeader(bytes)
        }
    }

    @Test("Paths get .MsRcIncident unless they end with it")
    func paths() {
        #expect(InvitationFile.pathWithExtension("/tmp/help-me") == "/tmp/help-me.MsRcIncident")
        #expect(InvitationFile.pathWithExtension("/tmp/help-me.MsRcIncident") == "/tmp/help-me.MsRcIncident")
        #expect(InvitationFile.pathWithExtension("/tmp/HELP.msrcincident") == "/tmp/HELP.msrcincident")
        #expect(InvitationFile.pathWithExtension("inv.xml") == "inv.xml.MsRcIncident")
    }

    @Test("Unix times as ISO 8601 text")
    func isoText() {
        #expect(UnixTimeText.iso8601(0) == "1970-01-01T00:00:00Z")
        #expect(UnixTimeText.iso8601(1_700_000_000) == "2023-11-14T22:13:20Z")
        #expect(UnixTimeText.iso8601(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(UnixTimeText.iso8601(4_102_444_799) == "2099-12-31T23:59:59Z")
    }
}
