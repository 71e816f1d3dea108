import EasyConnect
import NetworkLab
import Testing

/// The settings file format: every key with good and bad values, line numbers, comments, line ends,
/// encodings, unknown and repeated keys, and bytes that are not text at all.
@Suite("Settings files", .onComputeThread)
struct SettingsFileTests {
    static let alice = "0123456789abcdef0123456789abcdef01234567"
    static let bob = "89abcdef0123456789abcdef0123456789abcdef"

    func parse(_ text: String, name: String = "settings.conf") throws(SettingsError) -> SettingsFile {
        try SettingsFile(parsing: Array(text.utf8), name: name)
    }

    /// The error reading `text` gives (failing the test when it reads).
    func error(_ text: String, name: String = "settings.conf") -> SettingsError? {
        do {
            let file = try parse(text, name: name)
            Issue.record("read without error: \(file.entries)")
            return nil
        } catch {
            return error
        }
    }

    @Test("Every key takes its documented values")
    func validValues() throws {
        let cases: [(SettingKey, String, SettingValue)] = [
            (.allowSolicitedHelp, "yes", .flag(true)), (.allowSolicitedHelp, "no", .flag(false)), (.allowSolicitedHelp, "TRUE", .flag(true)),
            (.allowOffers, "true", .flag(true)), (.allowOffers, "false", .flag(false)),
            (.sessionLogging, "No", .flag(false)),
            (.offersAllowedFrom, "", .helpers([])),
            (.offersAllowedFrom, "\(Self.alice).RAContact", .helpers([Self.alice])),
            (.offersAllowedFrom, "\(Self.alice.uppercased()).racontact ,\t\(Self.bob)", .helpers([Self.alice, Self.bob])),
            (.offersAllowedFrom, "\(Self.alice), \(Self.alice).RAContact", .helpers([Self.alice])),
            (.control, "full", .control(.full)), (.control, "view-only", .control(.viewOnly)), (.control, "View-Only", .control(.viewOnly)),
            (.bandwidth, "none", .bandwidth(.none)), (.bandwidth, "no-full-window-drag", .bandwidth(.noFullWindowDrag)),
            (.bandwidth, "no-background", .bandwidth(.noBackground)), (.bandwidth, "full", .bandwidth(.full)),
            (.maximumInvitationLifetime, "6h", .seconds(21_600)), (.maximumInvitationLifetime, "90s", .seconds(90)),
            (.maximumInvitationLifetime, "30m", .seconds(1800)), (.maximumInvitationLifetime, "2d", .seconds(172_800)),
            (.maximumInvitationLifetime, "1h30m", .seconds(5400)), (.maximumInvitationLifetime, "1h 30m", .seconds(5400)),
            (.maximumInvitationLifetime, "1m", .seconds(60)), (.maximumInvitationLifetime, "30d", .seconds(2_592_000)),
            (.consentTimeout, "120", .seconds(120)), (.consentTimeout, "10", .seconds(10)), (.consentTimeout, "90s", .seconds(90)),
            (.consentTimeout, "2m", .seconds(120)), (.consentTimeout, "1m 5s", .seconds(65)),
        ]
        for (key, text, value) in cases {
            let file = try parse("\(key.name) = \(text)")
            #expect(file.entries[key] == SettingsFile.Entry(line: 1, value: value), "\(key.name) = \(text)")
            #expect(file.entries.count == 1)
        }
    }

    @Test("Every key refuses bad values, naming file, line, key and value with the allowed values")
    func invalidValues() throws {
        let cases: [(SettingKey, String, SettingsProblem)] = [
            (.allowSolicitedHelp, "maybe", .notABoolean), (.allowSolicitedHelp, "1", .notABoolean),
            (.allowOffers, "on", .notABoolean), (.sessionLogging, "y", .notABoolean),
            (.allowSolicitedHelp, "", .missingValue(allowed: SettingKey.allowSolicitedHelp.allowedValues)),
            (.offersAllowedFrom, "bob", .notAHelperAddress("bob")),
            (.offersAllowedFrom, String(Self.alice.dropLast()), .notAHelperAddress(String(Self.alice.dropLast()))),
            (.offersAllowedFrom, Self.alice + "0", .notAHelperAddress(Self.alice + "0")),
            (.offersAllowedFrom, "\(Self.alice).EasyConnect", .notAHelperAddress("\(Self.alice).EasyConnect")),
            (.offersAllowedFrom, ".RAContact", .notAHelperAddress(".RAContact")),
            (.offersAllowedFrom, "g123456789abcdef0123456789abcdef01234567", .notAHelperAddress("g123456789abcdef0123456789abcdef01234567")),
            (.offersAllowedFrom, "\(Self.alice),", .emptyListEntry(position: 2)),
            (.offersAllowedFrom, "\(Self.alice),,\(Self.bob)", .emptyListEntry(position: 2)),
            (.control, "partial", .notAChoice(allowed: ["full", "view-only"])),
            (.control, "", .missingValue(allowed: "full or view-only")),
            (.bandwidth, "high", .notAChoice(allowed: ["none", "no-full-window-drag", "no-background", "full"])),
            (.maximumInvitationLifetime, "6", .notADuration(allowed: SettingKey.maximumInvitationLifetime.allowedValues)),
            (.maximumInvitationLifetime, "6 hours", .notADuration(allowed: SettingKey.maximumInvitationLifetime.allowedValues)),
            (.maximumInvitationLifetime, "-1h", .notADuration(allowed: SettingKey.maximumInvitationLifetime.allowedValues)),
            (.maximumInvitationLifetime, "1h30", .notADuration(allowed: SettingKey.maximumInvitationLifetime.allowedValues)),
            (.maximumInvitationLifetime, "9999999999d", .notADuration(allowed: SettingKey.maximumInvitationLifetime.allowedValues)),
            (.maximumInvitationLifetime, "59s", .belowMinimum(minimum: "1 minute", range: "1m to 30d")),
            (.maximumInvitationLifetime, "0s", .belowMinimum(minimum: "1 minute", range: "1m to 30d")),
            (.maximumInvitationLifetime, "31d", .aboveMaximum(maximum: "30 days", range: "1m to 30d")),
            (.maximumInvitationLifetime, "720h1s", .aboveMaximum(maximum: "30 days", range: "1m to 30d")),
            (.consentTimeout, "9", .belowMinimum(minimum: "10 seconds", range: "10 to 120")),
            (.consentTimeout, "121", .aboveMaximum(maximum: "120 seconds", range: "10 to 120")),
            (.consentTimeout, "1h", .aboveMaximum(maximum: "120 seconds", range: "10 to 120")),
            (.consentTimeout, "two minutes", .notADuration(allowed: SettingKey.consentTimeout.allowedValues)),
            (.consentTimeout, "1.5m", .notADuration(allowed: SettingKey.consentTimeout.allowedValues)),
            (.consentTimeout, "６０", .notADuration(allowed: SettingKey.consentTimeout.allowedValues)),
        ]
        for (key, text, problem) in cases {
            let e = try #require(error("# a comment\n\n  \(key.name) =\t\(text)  # why\n", name: "/etc/easy-connect/policy.conf"), "\(key.name) = \(text)")
            #expect(e.problem == problem, "\(key.name) = \(text): \(e)")
            #expect(e.file == "/etc/easy-connect/policy.conf")
            #expect(e.line == 3)
            #expect(e.key == key.name)
            #expect(e.value == text)
            #expect(e.description.hasPrefix("/etc/easy-connect/policy.conf:3: \(key.name) = \(text.prefix(60))"), "\(e)")
        }
    }

    @Test("An error reads file:line: key = value: what is wrong; the allowed values")
    func messageFormat() {
        let text = "# policy\n\nallow-offers = no\n# consent\n\ncontrol = full\nconsent-timeout = 300\n"
        #expect(error(text, name: "policy.conf")?.description == "policy.conf:7: consent-timeout = 300: above the maximum 120 seconds; use 10 to 120")
        #expect(
            error("control = partial", name: "a.conf")?.description == "a.conf:1: control = partial: not an allowed value; use full or view-only")
        #expect(
            error("allow-offers = maybe", name: "a.conf")?.description == "a.conf:1: allow-offers = maybe: not a yes/no value; use yes, no, true or false")
        #expect(
            error("bandwidth = high", name: "a.conf")?.description
                == "a.conf:1: bandwidth = high: not an allowed value; use none, no-full-window-drag, no-background or full")
        let lifetime = error("maximum-invitation-lifetime = 40d", name: "a.conf")?.description ?? ""
        #expect(lifetime.hasPrefix("a.conf:1: maximum-invitation-lifetime = 40d: above the maximum 30 days; use 1m to 30d"), "\(lifetime)")
        // A long value is cut short in the message; the error keeps it whole.
        let long = String(repeating: "x", count: 500)
        let e = error("control = \(long)")
        #expect(e?.value == long)
        #expect((e?.description.count ?? 0) < 300)
    }

    @Test("Line numbers count every line: comments, blank lines, indented and trailing comments")
    func lineNumbers() throws {
        let text = """
            # Easy Connect settings

               # indented comment
            control = view-only   # trailing comment
            \t
            session-logging=no
              bandwidth   =   none\t
            #consent-timeout = 5
            consent-timeout = 30#no space before the comment
            """
        let file = try parse(text)
        #expect(file.entries[.control] == .init(line: 4, value: .control(.viewOnly)))
        #expect(file.entries[.sessionLogging] == .init(line: 6, value: .flag(false)))
        #expect(file.entries[.bandwidth] == .init(line: 7, value: .bandwidth(.none)))
        #expect(file.entries[.consentTimeout] == .init(line: 9, value: .seconds(30)))
        #expect(file.entries.count == 4)
        #expect(try parse("").entries.isEmpty)
        #expect(try parse("\n\n# nothing\n").entries.isEmpty)
        #expect(error("\n\n\n\ncontrol\n")?.line == 5)
        #expect(error("\n\n\n\ncontrol\n")?.problem == .notAnAssignment)
        #expect(error("\n= yes\n")?.problem == .missingKey)
        #expect(error("\n= yes\n")?.line == 2)
    }

    @Test("Unknown keys are refused, with the key most likely meant")
    func unknownKeys() {
        let e = error("\ncontrol = full\nconsent_timeout = 30\n")
        #expect(e?.line == 3)
        #expect(e?.key == "consent_timeout")
        #expect(e?.problem == .unknownKey(suggestion: .consentTimeout))
        #expect(e?.description.contains("did you mean consent-timeout?") == true)
        #expect(error("AllowOffers = yes")?.problem == .unknownKey(suggestion: .allowOffers))
        #expect(error("Control = full")?.problem == .unknownKey(suggestion: .control))
        let other = error("colour = red")
        #expect(other?.problem == .unknownKey(suggestion: nil))
        #expect(other?.description.contains("the keys are allow-solicited-help, allow-offers, offers-allowed-from, control") == true)
    }

    @Test("A key set twice is refused at its second line, naming the first")
    func duplicateKeys() {
        let e = error("control = full\n\nsession-logging = yes\ncontrol = full\n")
        #expect(e?.line == 4)
        #expect(e?.key == "control")
        #expect(e?.problem == .duplicateKey(firstLine: 1))
        #expect(e?.description == "settings.conf:4: control: set again (first set on line 1); keep one of the two lines")
        // Even when the first line's value was wrong, the second is a duplicate too.
        let both = SettingsFile.problems(in: Array("control = partial\ncontrol = full\n".utf8), name: "s")
        #expect(both.map(\.line) == [1, 2])
        #expect(both.last?.problem == .duplicateKey(firstLine: 1))
    }

    @Test("CRLF line ends and a UTF-8 byte-order mark are accepted; UTF-16 and lone CRs are not")
    func lineEndsAndMarks() throws {
        let crlf = try parse("# windows\r\ncontrol = view-only\r\n\r\nconsent-timeout = 60\r\n")
        #expect(crlf.entries[.control] == .init(line: 2, value: .control(.viewOnly)))
        #expect(crlf.entries[.consentTimeout] == .init(line: 4, value: .seconds(60)))
        let bom = try SettingsFile(parsing: [0xEF, 0xBB, 0xBF] + Array("control = view-only\nbandwidth = none".utf8), name: "s")
        #expect(bom.entries[.control] == .init(line: 1, value: .control(.viewOnly)))
        #expect(bom.entries[.bandwidth]?.line == 2)
        // A BOM anywhere else is a character like any other, not a key.
        #expect(error("control = full\n\u{FEFF}bandwidth = none")?.problem == .unknownKey(suggestion: nil))

        for mark: [UInt8] in [[0xFF, 0xFE], [0xFE, 0xFF]] {
            let utf16 = mark + Array("c\0o\0".utf8)
            #expect(throws: SettingsError(file: "s", line: 1, problem: .utf16)) { try SettingsFile(parsing: utf16, name: "s") }
        }
        // Old Mac line ends are not line ends: the CR is a control character.
        let cr = error("control = full\rbandwidth = none")
        #expect(cr?.problem == .controlCharacter(column: 15, scalar: 0x0D))
        #expect(cr?.description.contains("U+000D") == true)
    }

    @Test("Bytes that are not UTF-8 text are refused with their line, and never trap")
    func notUTF8() {
        let cases: [([UInt8], Int)] = [
            ([0xFF], 1),  // never valid
            ([0xC0, 0xAF], 1),  // overlong '/'
            ([0xED, 0xA0, 0x80], 1),  // an encoded surrogate
            ([0xF4, 0x90, 0x80, 0x80], 1),  // past U+10FFFF
            ([0xE2, 0x82], 1),  // cut short
            ([0x80], 1),  // a continuation byte alone
        ]
        for (bad, _) in cases {
            let bytes = Array("control = full\n# fine\nbandwidth = n".utf8) + bad + Array("one\nsession-logging = yes\n".utf8)
            #expect(throws: SettingsError(file: "s", line: 3, problem: .notUTF8(column: 14))) { try SettingsFile(parsing: bytes, name: "s") }
        }
        // Inside a comment too: the whole file must be text.
        #expect(throws: SettingsError(file: "s", line: 1, problem: .notUTF8(column: 3))) { try SettingsFile(parsing: Array("# ".utf8) + [0xFE], name: "s") }
        let e = SettingsError(file: "s", line: 3, problem: .notUTF8(column: 14))
        #expect(e.description == "s:3: not UTF-8 text (invalid byte at byte 14 of the line); save the file as UTF-8")
    }

    @Test("Control characters other than tabs are refused; multi-byte text in comments is fine")
    func controlCharacters() throws {
        for scalar: UInt32 in [0x00, 0x07, 0x1B, 0x7F, 0x85, 0x2028, 0x202E] {
            let c = String(Character(Unicode.Scalar(scalar)!))
            let e = error("control = full\nbandwidth = n\(c)one")
            #expect(e?.line == 2)
            #expect(e?.problem == .controlCharacter(column: 14, scalar: scalar), "U+\(String(scalar, radix: 16))")
            #expect(e?.description.contains(c) == false)
        }
        let file = try parse("# Réglages — ça marche ✓ 🙂\ncontrol = view-only # vue seule\n")
        #expect(file.entries[.control]?.line == 2)
    }

    @Test("A file larger than 64 KiB is refused before reading a line")
    func tooLarge() throws {
        let line = Array("# padding padding padding padding padding padding padding padding\n".utf8)
        var bytes: [UInt8] = []
        while bytes.count <= SettingsFile.maximumBytes { bytes += line }
        #expect(throws: SettingsError(file: "s", problem: .tooLarge(limit: SettingsFile.maximumBytes))) { try SettingsFile(parsing: bytes, name: "s") }
        let fits = Array(bytes.prefix(SettingsFile.maximumBytes - 100)) + Array("\ncontrol = view-only\n".utf8)
        #expect(try SettingsFile(parsing: fits, name: "s").entries[.control] != nil)
    }

    @Test("problems(in:) lists every error in line order; a file with an error sets nothing")
    func allProblems() {
        let text = "control = partial\nfoo = 1\nconsent-timeout = 300\nbandwidth = none\ncontrol = full\nnonsense\n"
        let errors = SettingsFile.problems(in: Array(text.utf8), name: "x.conf")
        #expect(errors.map(\.line) == [1, 2, 3, 5, 6])
        #expect(errors.map(\.key) == ["control", "foo", "consent-timeout", "control", "nonsense"])
        #expect(SettingsFile.problems(in: Array("control = full\n".utf8), name: "x").isEmpty)
        #expect(throws: SettingsError.self) { try SettingsFile(parsing: Array(text.utf8), name: "x.conf") }
    }

    @Test("The documented example is valid and sets every key")
    func example() throws {
        let file = try parse(SettingsFormat.example)
        #expect(Set(file.entries.keys) == Set(SettingKey.allCases))
        let s = file.settings
        #expect(s.control == .viewOnly && s.allowOffers && s.offersAllowedFrom == [Self.alice])
        #expect(s.maximumInvitationLifetime == .seconds(7200) && s.consentTimeout == .seconds(60) && s.bandwidth == .noBackground)
        #expect(SettingsFormat.keyTable.contains("consent-timeout"))
        for key in SettingKey.allCases { #expect(SettingsFormat.keyTable.contains(key.name)) }
    }

    @Test("Every key's default, written out, reads back as the default")
    func defaultsRoundTrip() throws {
        let text = SettingKey.allCases.map { "\($0.name) = \($0.text(in: .defaults))" }.joined(separator: "\n")
        #expect(try parse(text).settings == .defaults)
        let example = try parse(SettingsFormat.example).settings
        let written = SettingKey.allCases.map { "\($0.name) = \($0.text(in: example))" }.joined(separator: "\n")
        #expect(try parse(written).settings == example)
    }

    @Test("Durations: units, sums, bare seconds only where allowed, no overflow")
    func durations() {
        #expect(SettingsDurationText.parse("90s", unitless: false) == 90)
        #expect(SettingsDurationText.parse("2D", unitless: false) == 172_800)
        #expect(SettingsDurationText.parse("1d2h3m4s", unitless: false) == 93_784)
        #expect(SettingsDurationText.parse("45", unitless: true) == 45)
        #expect(SettingsDurationText.parse("45", unitless: false) == nil)
        #expect(SettingsDurationText.parse("1h 5", unitless: true) == nil)
        for bad in ["", " ", "s", "h1", "1x", "1 h h", "+1s", "999999999999s", "1s-1s"] {
            #expect(SettingsDurationText.parse(bad, unitless: true) == nil, "\(bad)")
        }
        #expect(SettingsDurationText.parse("999999999d", unitless: false) == 999_999_999 * 86_400)
        #expect(SettingsDurationText.format(21_600) == "6h" && SettingsDurationText.format(90) == "90s" && SettingsDurationText.format(0) == "0s")
        #expect(SettingsDurationText.words(60) == "1 minute" && SettingsDurationText.words(2_592_000) == "30 days")
    }

    @Test("Random and mutated bytes never trap, and every error names a line of the file")
    func hostileBytes() {
        var generator = SplitMix(seed: 0x5E77_1265)
        let seed = Array(SettingsFormat.example.utf8)
        let alphabet = Array("=#,\n\r\t abcdefghijklmnopqrstuvwxyz-0123456789.RAContact".utf8) + [0x00, 0x80, 0xC3, 0xE2, 0xEF, 0xBB, 0xBF, 0xFF]
        for round in 0..<3000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1:
                bytes = (0..<Int(generator.next() % 300)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            default:
                bytes = seed
                for _ in 0..<Int(1 + generator.next() % 6) where !bytes.isEmpty {
                    let at = Int(generator.next() % UInt64(bytes.count))
                    switch generator.next() % 3 {
                    case 0: bytes[at] = UInt8(truncatingIfNeeded: generator.next())
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                    }
                }
            }
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
            for e in SettingsFile.problems(in: bytes, name: "fuzz") {
                if let line = e.line { #expect(line >= 1 && line <= lines) }
                #expect(!e.description.isEmpty)
                #expect(!DisplayText.containsControl(e.description), "\(e.description.debugDescription)")
            }
            if let file = try? SettingsFile(parsing: bytes, name: "fuzz") {
                for entry in file.entries.values { #expect(entry.line >= 1 && entry.line <= lines) }
            }
        }
    }
}

/// A small deterministic generator for the hostile-bytes test.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
