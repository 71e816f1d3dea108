import EasyConnect
import NetworkLab
import Testing

/// The session log format: XML written with `XMLDocument` and read back with `XMLParser`, every record kind,
/// hostile text from the network, and files that are not logs.
@Suite("Session log format", .onComputeThread)
struct SessionLogTests {
    static func time(_ h: Int, _ m: Int, _ s: Int, day: Int = 14) -> SessionLogTime {
        SessionLogTime(year: 2025, month: 3, day: day, hour: h, minute: m, second: s)!
    }

    /// A log holding one record of every kind, with every field somewhere.
    static func everyKind() -> SessionLog {
        var log = SessionLog(role: .user, start: time(9, 26, 53), utcOffset: 3600)
        for (n, kind) in SessionLogRecord.Kind.allCases.enumerated() {
            var fields: [SessionLogField: String] = [:]
            let field = SessionLogField.allCases[n % SessionLogField.allCases.count]
            fields[field] = "value \(n)"
            fields[.name] = "Hector \(n)"
            let text = kind == .chatMessage ? "Hector: Hello — 你好 🙂" : nil
            let event = kind == .chatMessage ? nil : "Something happened (\(kind.rawValue))"
            log.append(SessionLogRecord(kind: kind, time: time(9, 27, n % 60, day: n < 10 ? 14 : 15), event: event, fields: fields, text: text))
        }
        return log
    }

    @Test("Every record kind and every field survives writing and reading, in order")
    func roundTrip() throws {
        let log = Self.everyKind()
        let bytes = log.xml()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\""), "\(text.prefix(80))")
        #expect(text.contains("<SESSION ROLE=\"user\" VERSION=\"1\" START=\"2025-03-14T09:26:53+01:00\">"))
        #expect(text.contains("<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:06\""))
        let back = try SessionLog(parsing: bytes)
        #expect(back == log)
        #expect(back.records.map(\.kind) == SessionLogRecord.Kind.allCases)
        #expect(back.records.first { $0.kind == .chatMessage }?.chat?.name == "Hector")
        #expect(back.fileName == "20250314092653.xml")
        // A Helper's log, west of UTC, with no records.
        let empty = SessionLog(role: .helper, start: Self.time(23, 59, 59), utcOffset: -(5 * 3600 + 30 * 60))
        #expect(empty.startText == "2025-03-14T23:59:59-05:30")
        #expect(try SessionLog(parsing: empty.xml()) == empty)
    }

    @Test("Hostile names and chat (controls, NUL, ]]>, markup, U+FFFE, bidi overrides) are escaped and the file still parses")
    func hostileText() throws {
        // Noncharacters cannot be written as literals.
        let nonCharacters = String(String.UnicodeScalarView([0xFFFE, 0xFFFF, 0xFDD0, 0x10FFFF].compactMap(Unicode.Scalar.init)))
        let hostile = "  a\u{0}b\u{1}\u{7}\u{8}\u{1B}[31mred\u{1B}]0;title\u{7} ]]> <SESSION/> </CHAT_MESSAGE> &amp; & \"' " + nonCharacters + "\u{85}\u{2028}\u{202E}txt\r\n\ttab  "
        var log = SessionLog(role: .helper, start: Self.time(10, 0, 0), utcOffset: 0)
        log.append(SessionLogRecord(kind: .connectionEstablished, time: Self.time(10, 0, 1), event: "You are connected to \(hostile)", fields: [.name: hostile, .computerName: hostile, .reason: hostile]))
        log.append(SessionLogRecord(kind: .chatMessage, time: Self.time(10, 0, 2), fields: [.direction: "received"], text: "\(hostile): \(hostile)"))
        let bytes = log.xml()
        #expect(!bytes.contains(0) && !bytes.contains(0x1B) && !bytes.contains(0x07))
        let back = try SessionLog(parsing: bytes)
        #expect(back == log)
        let chat = try #require(back.records.last?.text)
        #expect(!chat.unicodeScalars.contains(where: SessionLogText.needsEscape))
        #expect(chat.contains("]]> <SESSION/> </CHAT_MESSAGE> &amp; & \"'"))
        #expect(chat.contains("a\\u{0}b\\u{1}\\u{7}\\u{8}\\u{1b}[31mred"))
        #expect(chat.contains("\\u{fffe}\\u{ffff}\\u{fdd0}\\u{10ffff}\\u{85}\\u{2028}\\u{202e}txt\\u{d}\\u{a}\\u{9}tab  "))
        #expect(chat.hasPrefix("  a"), "leading spaces are kept")
        #expect(back.records[0][.name] == SessionLogText.cleaned(hostile))
        #expect(back.peerName == SessionLogText.cleaned(hostile))
    }

    @Test("Cleaning is idempotent and leaves ordinary text alone")
    func cleaning() {
        let nonCharacters = String(String.UnicodeScalarView([0xFFFE, 0x78, 0xFFFF].compactMap(Unicode.Scalar.init)))
        for text in ["Hello, world", "naïve café — 你好 🙂 C:\\Users\\x", "tab\there", "\u{0}\u{1F}\u{7F}\u{9F}", "\\u{7}", nonCharacters, ""] {
            let once = SessionLogText.cleaned(text)
            #expect(SessionLogText.cleaned(once) == once, "\(text.debugDescription)")
            #expect(!once.unicodeScalars.contains(where: SessionLogText.needsEscape))
        }
        #expect(SessionLogText.cleaned("naïve café — 你好 🙂 C:\\Users") == "naïve café — 你好 🙂 C:\\Users")
        // Every scalar of the BMP's control and noncharacter ranges is escaped.
        var state: UInt64 = 7
        for _ in 0..<2000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = UInt32(truncatingIfNeeded: state >> 33) % 0x11_0000
            guard let scalar = Unicode.Scalar(value) else { continue }
            let cleaned = SessionLogText.cleaned(String(Character(scalar)))
            #expect(SessionLogText.cleaned(cleaned) == cleaned)
            #expect(SessionLogText.needsEscape(scalar) == (cleaned != String(Character(scalar))))
        }
    }

    @Test("Times and offsets are written and read strictly")
    func times() {
        let t = Self.time(7, 5, 9)
        #expect(t.dateText == "2025-03-14" && t.timeText == "07:05:09" && t.compactText == "20250314070509")
        #expect(SessionLogTime(date: "2025-03-14", time: "07:05:09") == t)
        #expect(SessionLogTime(year: 2024, month: 2, day: 29, hour: 0, minute: 0, second: 0) != nil)
        for (date, time) in [("2025-02-29", "00:00:00"), ("03/14/2025", "07:05:09"), ("2025-3-14", "07:05:09"), ("2025-03-14", "24:00:00"), ("2025-03-14", "7:05:09"),
            ("2025-03-14", "07:60:00"), ("2025-13-01", "00:00:00"), ("+025-03-14", "00:00:00"), ("2025-03-14", "07:05:09 ")]
        {
            #expect(SessionLogTime(date: date, time: time) == nil, "\(date) \(time)")
        }
        #expect(SessionLogTime.offsetText(3600) == "+01:00" && SessionLogTime.offsetText(-19800) == "-05:30" && SessionLogTime.offsetText(0) == "+00:00")
        #expect(SessionLogTime.parseOffset("+05:45") == 20700 && SessionLogTime.parseOffset("-00:30") == -1800)
        for bad in ["+1:00", "01:00", "+01:60", "+19:00", "Z", "+01:00 "] { #expect(SessionLogTime.parseOffset(bad) == nil, "\(bad)") }
        #expect(t < Self.time(7, 5, 10) && Self.time(23, 59, 59) < Self.time(0, 0, 0, day: 15))
    }

    // MARK: - Files that are not logs

    static let head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    static let session = "<SESSION ROLE=\"user\" VERSION=\"1\" START=\"2025-03-14T09:26:53+01:00\">"

    static func refusal(_ text: String) -> SessionLogError? {
        refusal(Array(text.utf8))
    }

    static func refusal(_ bytes: [UInt8]) -> SessionLogError? {
        do {
            _ = try SessionLog(parsing: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("Every truncation of a log is refused")
    func truncated() {
        let bytes = Self.everyKind().xml()
        // The whole document ends with "</SESSION>\n": every shorter prefix but the one without the newline is cut.
        for length in stride(from: 0, to: bytes.count - 1, by: 7) {
            #expect(Self.refusal(Array(bytes.prefix(length))) != nil, "a log cut at \(length) of \(bytes.count) bytes was accepted")
        }
        #expect(Self.refusal(Array(bytes.dropLast())) == nil)
        #expect(Self.refusal([]) == .empty)
    }

    @Test("Other roots, versions, records, attributes, dates, text and markup are refused with what is wrong")
    func refusals() {
        let record = "<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:00\" DIRECTION=\"sent\">Ursula: hi</CHAT_MESSAGE>"
        #expect(Self.refusal(Self.head + Self.session + record + "</SESSION>") == nil)
        #expect(Self.refusal(Self.head + "<RAINVITATIONCOLL></RAINVITATIONCOLL>") == .wrongRoot(found: "RAINVITATIONCOLL"))
        #expect(Self.refusal(Self.head + "<SESSION ROLE=\"user\" VERSION=\"2\" START=\"2025-03-14T09:26:53+01:00\"/>") == .unsupportedVersion("2"))
        #expect(Self.refusal(Self.head + "<SESSION ROLE=\"user\" START=\"2025-03-14T09:26:53+01:00\"/>") == .missingAttribute(element: "SESSION", attribute: "VERSION", line: 2))
        #expect(
            Self.refusal(Self.head + "<SESSION ROLE=\"admin\" VERSION=\"1\" START=\"2025-03-14T09:26:53+01:00\"/>")
                == .badAttribute(element: "SESSION", attribute: "ROLE", value: "admin", expected: "user or helper", line: 2))
        #expect(
            Self.refusal(Self.head + "<SESSION ROLE=\"user\" VERSION=\"1\" START=\"2025-03-14 09:26:53\"/>")
                == .badAttribute(element: "SESSION", attribute: "START", value: "2025-03-14 09:26:53", expected: "YYYY-MM-DDTHH:MM:SS+HH:MM", line: 2))
        #expect(Self.refusal(Self.head + Self.session + "<PASSWORD DATE=\"2025-03-14\" TIME=\"09:27:00\"/></SESSION>") == .unknownRecord("PASSWORD", line: 2))
        #expect(
            Self.refusal(Self.head + Self.session + "<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:00\" PASSWORD=\"x\">a</CHAT_MESSAGE></SESSION>")
                == .unexpectedAttribute(element: "CHAT_MESSAGE", attribute: "PASSWORD", line: 2))
        #expect(
            Self.refusal(Self.head + Self.session + "\n<CHAT_MESSAGE DATE=\"03/14/2025\" TIME=\"09:27:00\">a</CHAT_MESSAGE></SESSION>")
                == .badAttribute(element: "CHAT_MESSAGE", attribute: "DATE", value: "03/14/2025", expected: "YYYY-MM-DD", line: 3))
        #expect(
            Self.refusal(Self.head + Self.session + "<SESSION_PAUSED DATE=\"2025-03-14\" TIME=\"9:27\"/></SESSION>")
                == .badAttribute(element: "SESSION_PAUSED", attribute: "TIME", value: "9:27", expected: "HH:MM:SS", line: 2))
        #expect(Self.refusal(Self.head + Self.session + "<SESSION_PAUSED DATE=\"2025-03-14\"/></SESSION>") == .missingAttribute(element: "SESSION_PAUSED", attribute: "TIME", line: 2))
        #expect(
            Self.refusal(Self.head + Self.session + "<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:00\"><b>x</b></CHAT_MESSAGE></SESSION>")
                == .unexpectedElement("b", inside: "CHAT_MESSAGE", line: 2))
        #expect(Self.refusal(Self.head + Self.session + "loose text" + record + "</SESSION>") == .unexpectedText(line: 2))
        #expect(Self.refusal(Self.head + "<!DOCTYPE SESSION [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>" + Self.session + "&b;</SESSION>") == .documentType)
        #expect(Self.refusal(Array((Self.head + Self.session).utf8) + [0xFF, 0xFE] + Array("</SESSION>".utf8)) == .notUTF8)
        #expect(Self.refusal(Array((Self.head + Self.session).utf8) + [0] + Array("</SESSION>".utf8)) == .notUTF8)
        #expect(Self.refusal(Array(repeating: UInt8(ascii: " "), count: SessionLog.maximumBytes + 1)) == .tooLarge(bytes: SessionLog.maximumBytes + 1, limit: SessionLog.maximumBytes))
        // Well-formedness errors: a control character by reference, an attribute twice, a mismatched end tag,
        // content after the root, an undeclared entity.
        for text in [
            Self.session + "<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:00\">&#1;</CHAT_MESSAGE></SESSION>",
            Self.session + "<CHAT_MESSAGE DATE=\"2025-03-14\" DATE=\"2025-03-14\" TIME=\"09:27:00\">a</CHAT_MESSAGE></SESSION>",
            Self.session + "<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:00\">a</SESSION_PAUSED></SESSION>",
            Self.session + "</SESSION><SESSION_PAUSED DATE=\"2025-03-14\" TIME=\"09:27:00\"/>",
            Self.session + "<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:00\">&bell;</CHAT_MESSAGE></SESSION>",
            "   ",
        ] {
            let error = Self.refusal(Self.head + text)
            guard case .malformed(let line, _, let reason)? = error else {
                Issue.record("\(text) → \(String(describing: error))")
                continue
            }
            #expect(line >= 1 && !reason.isEmpty)
        }
        // Messages name the problem and never carry a control character from the file.
        let message = SessionLogError.wrongRoot(found: "X\u{1B}[2J").description
        #expect(message.contains("not SESSION") && !message.contains("\u{1B}"))
    }

    @Test("A file edited by hand cannot put control characters into what is read")
    func cleanedOnRead() throws {
        let text = Self.head + Self.session + "<CHAT_MESSAGE DATE=\"2025-03-14\" TIME=\"09:27:00\" NAME=\"a&#x85;b\">x&#x202E;y&#x9;z</CHAT_MESSAGE></SESSION>"
        let log = try SessionLog(parsing: Array(text.utf8))
        #expect(log.records[0].text == "x\\u{202e}y\\u{9}z")
        #expect(log.records[0][.name] == "a\\u{85}b")
    }
}
