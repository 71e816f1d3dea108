import EasyConnect
import EasyConnectNetwork
import Foundation
import PeerCrypto
import Testing

/// The JSON contract of `easy-connect --json` (README.md, "easy-connect"): the fields of every event, the
/// commands scripts send, and what happens with input that is not a command.
@Suite("easy-connect --json: events and commands")
struct CLIJSONContractTests {
    static let helper = PeerIdentity(key: try! Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32)).publicKey, displayName: "Bob", computerName: "bob-pc")

    /// Parses a line back with JSONSerialization, as a script would.
    func decode(_ line: String) throws -> [String: Any] {
        #expect(!line.contains("\n"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any])
    }

    /// One event of every kind, with the fields the README documents for it.
    static let documented: [(EasyConnectEvent, String, Set<String>)] = [
        (.nameService("embedded node on 127.0.0.1:3540"), "name-service", ["description"]),
        (.invitation(password: "BCDF GHJK MNPQ", expiresAt: 1_700_000_000, endpoints: ["127.0.0.1:5000", "[::1]:5000"]), "invitation", ["password", "expires", "expiresAt", "endpoints"]),
        (.invitationFile(path: "/home/ada/help-me.MsRcIncident", expiresAt: 1_700_000_000, endpoints: ["127.0.0.1:5000"]), "invitation-file", ["path", "expires", "expiresAt", "endpoints"]),
        (.status(.waitingForHelper), "status", ["status"]),
        (.attemptFailed(remaining: 2), "attempt-failed", ["remaining"]),
        (.consentRequest(ConnectionID(4), helper), "consent-request", ["connection", "helper", "computer", "fingerprint", "contact"]),
        (.consentCancelled(ConnectionID(4)), "consent-cancelled", ["connection"]),
        (
            .connected(helper, remote: "[::1]:40000", path: .punched, firstByte: .microseconds(95_449)), "connected",
            ["peer", "computer", "fingerprint", "contact", "remote", "path", "firstByteMilliseconds"]
        ),
        (.chat("hello"), "chat", ["text", "from"]),
        (.fileOffer(id: 2, name: "report.pdf", safeName: "report.pdf", bytes: 1234), "file-offer", ["id", "name", "safeName", "bytes"]),
        (.fileProgress(id: 2, direction: .incoming, bytes: 100, total: 1234), "file-progress", ["id", "direction", "bytes", "total"]),
        (.fileReceived(id: 2, path: "/tmp/report.pdf", bytes: 1234, sha256: String(repeating: "ab", count: 32)), "file-received", ["id", "path", "bytes", "sha256"]),
        (.fileSent(id: 3, name: "a.txt", bytes: 5, sha256: String(repeating: "cd", count: 32)), "file-sent", ["id", "name", "bytes", "sha256"]),
        (.fileDeclined(id: 3), "file-declined", ["id"]),
        (.fileFailed(id: 3, direction: .outgoing, reason: "cancelled"), "file-failed", ["id", "direction", "reason"]),
        (.controlRequested, "control-requested", []),
        (.controlGranted, "control-granted", []),
        (.controlDenied, "control-denied", []),
        (.controlEnded(.helperGaveUp), "control-ended", ["reason"]),
        (.paused, "paused", []),
        (.resumed, "resumed", []),
        (.disconnected(SessionOutcome(.wrongPassword, "the password does not match this invitation")), "disconnected", ["reason", "message", "exitStatus"]),
    ]

    @Test("Every event kind is one line of JSON with its documented fields")
    func everyEventKind() throws {
        var encoder = EventJSON()
        var seen: Set<String> = []
        for (event, name, fields) in Self.documented {
            let object = try decode(encoder.line(for: event))
            #expect(object["event"] as? String == name)
            #expect(Set(object.keys) == fields.union(["event"]), "\(name)")
            seen.insert(name)
        }
        #expect(seen.count == Self.documented.count)
    }

    @Test("Event fields carry the event's values")
    func eventValues() throws {
        var encoder = EventJSON()
        let invitation = try decode(encoder.line(for: .invitation(password: "BCDF GHJK MNPQ", expiresAt: 1_700_000_000, endpoints: ["127.0.0.1:5000"])))
        #expect(invitation["password"] as? String == "BCDF GHJK MNPQ")
        #expect((invitation["expires"] as? NSNumber)?.uint64Value == 1_700_000_000)
        #expect(invitation["expiresAt"] as? String == "2023-11-14T22:13:20Z")
        #expect(invitation["endpoints"] as? [String] == ["127.0.0.1:5000"])

        let consent = try decode(encoder.line(for: .consentRequest(ConnectionID(9), Self.helper)))
        #expect((consent["connection"] as? NSNumber)?.intValue == 9)
        #expect(consent["helper"] as? String == "Bob")
        #expect(consent["computer"] as? String == "bob-pc")
        #expect(consent["fingerprint"] as? String == Self.helper.fingerprint)
        #expect((consent["fingerprint"] as? String)?.count == 40)
        #expect(consent["contact"] as? String == Self.helper.fingerprint + ".RAContact")

        // Before `connected`, a chat line has an empty `from`; after it, the peer's name.
        #expect(try decode(encoder.line(for: .chat("hi")))["from"] as? String == "")
        let connected = try decode(encoder.line(for: .connected(Self.helper, remote: "127.0.0.1:1", path: .direct)))
        #expect(connected["firstByteMilliseconds"] == nil, "only a Helper that timed its race says it")
        let timed = try decode(encoder.line(for: .connected(Self.helper, remote: "127.0.0.1:1", path: .punched, firstByte: .microseconds(95_449))))
        #expect((timed["firstByteMilliseconds"] as? NSNumber)?.doubleValue == 95.4)
        #expect(try decode(encoder.line(for: .chat("hi")))["from"] as? String == "Bob")

        #expect(try decode(encoder.line(for: .status(.attemptingToConnect)))["status"] as? String == "attempting to connect")
        #expect(try decode(encoder.line(for: .status(.waitingForAcceptance)))["status"] as? String == "waiting for acceptance")
        #expect(try decode(encoder.line(for: .fileProgress(id: 1, direction: .outgoing, bytes: 1, total: 2)))["direction"] as? String == "outgoing")
        for (reason, name) in [(ControlEndReason.helperGaveUp, "helper-gave-up"), (.userTookBack, "user-took-back"), (.panic, "panic")] {
            #expect(try decode(encoder.line(for: .controlEnded(reason)))["reason"] as? String == name)
        }
        let ended = try decode(encoder.line(for: .disconnected(SessionOutcome(.refused, "declined"))))
        #expect(ended["reason"] as? String == "refused")
        #expect((ended["exitStatus"] as? NSNumber)?.intValue == 8)
    }

    @Test("Every outcome kind gives its exit status in disconnected")
    func outcomeStatuses() throws {
        let expected: [(SessionOutcome.Kind, Int)] = [
            (.ended, 0), (.internalError, 1), (.notFound, 3), (.timedOut, 4), (.noCloud, 5), (.wrongPassword, 6), (.withdrawn, 7),
            (.refused, 8), (.connectionLost, 9), (.expired, 10), (.protocolError, 11),
        ]
        var encoder = EventJSON()
        for (kind, status) in expected {
            let object = try decode(encoder.line(for: .disconnected(SessionOutcome(kind, "x"))))
            #expect(object["reason"] as? String == kind.rawValue)
            #expect((object["exitStatus"] as? NSNumber)?.intValue == status)
        }
    }

    @Test("Control characters from the network come out escaped, and decode back to the same text")
    func controlCharactersEscaped() throws {
        let nasty = "hi\u{1B}[2J\u{07}\u{0}\u{7F}\u{9B}31m\u{2028}\u{202E}evil\u{2066}\r\n\"\\/"
        let peer = PeerIdentity(key: Self.helper.key, displayName: "Eve\u{1B}]0;title\u{07}", computerName: "pc\u{85}")
        var encoder = EventJSON()
        let lines = [
            encoder.line(for: .connected(peer, remote: "127.0.0.1:1", path: .direct)),
            encoder.line(for: .chat(nasty)),
            encoder.line(for: .consentRequest(ConnectionID(1), peer)),
            encoder.line(for: .fileOffer(id: 1, name: nasty, safeName: "x", bytes: 1)),
            encoder.line(for: .fileFailed(id: 1, direction: .incoming, reason: nasty)),
        ]
        for line in lines {
            #expect(!line.unicodeScalars.contains(where: DisplayText.isControl), "\(line.debugDescription)")
        }
        #expect(try decode(lines[1])["text"] as? String == nasty)
        #expect(try decode(lines[1])["from"] as? String == peer.displayName)
        #expect(try decode(lines[2])["helper"] as? String == peer.displayName)
        #expect(try decode(lines[2])["computer"] as? String == "pc\u{85}")
        #expect(try decode(lines[3])["name"] as? String == nasty)
        #expect(lines[1].contains("\\u001b") || lines[1].contains("\\u001B"))
        #expect(lines[1].contains("\\u009b"))
        #expect(lines[1].contains("\\u202e"))
    }

    @Test("The command's own lines: error, file-offered, disconnected before a session")
    func ownLines() throws {
        let error = try decode(EventJSON.line(EventJSON.error(code: "bad-input", message: "nope")))
        #expect(error["event"] as? String == "error")
        #expect(error["code"] as? String == "bad-input")
        #expect(error["message"] as? String == "nope")
        let offered = try decode(EventJSON.line(EventJSON.fileOffered(id: 5, name: "a.bin", bytes: 10)))
        #expect(Set(offered.keys) == ["event", "id", "name", "bytes"])
        #expect(offered["event"] as? String == "file-offered")
        let early = try decode(EventJSON.line(EventJSON.disconnected(reason: "bad-input", message: "bad", exitStatus: 2)))
        #expect(early["reason"] as? String == "bad-input")
        #expect((early["exitStatus"] as? NSNumber)?.intValue == 2)

        let refusals: [(EasyConnectError, String)] = [
            (.command(.notInSession), "not-in-session"), (.command(.wrongRole(action: "pause", allowedFor: .user)), "wrong-role"),
            (.command(.notNow(action: "resume", why: "not paused")), "not-now"), (.command(.unknownTransfer(4)), "unknown-transfer"),
            (.command(.badInput("too long")), "bad-input"), (.file("cannot open /x"), "file"), (.failed(SessionOutcome(.noCloud, "none")), "no-cloud"),
        ]
        for (refusal, code) in refusals {
            let object = try decode(EventJSON.line(EventJSON.error(refusal)))
            #expect(object["code"] as? String == code)
            #expect(object["message"] as? String == refusal.description)
        }
    }

    @Test("Every command parses, from hand-written lines and from its own encoding")
    func everyCommandParses() throws {
        let lines: [(String, EasyConnectCommand)] = [
            (#"{"command":"accept"}"#, .accept(nil)),
            (#"{"command":"accept","connection":3}"#, .accept(ConnectionID(3))),
            (#"{"command":"accept","connection":null}"#, .accept(nil)),
            (#"{"command":"decline"}"#, .decline(nil)),
            (#"{"command":"decline","connection":12}"#, .decline(ConnectionID(12))),
            (#"{"command":"chat","text":"hello \u001b world"}"#, .chat("hello \u{1B} world")),
            (#"{"command":"send-file","path":"/tmp/a b.txt"}"#, .sendFile(path: "/tmp/a b.txt")),
            (#"{"command":"accept-file","id":2}"#, .acceptFile(2)),
            (#"{"command":"decline-file","id":2.0}"#, .declineFile(2)),
            (#"{"command":"cancel-file","id":4294967295}"#, .cancelFile(UInt32.max)),
            (#"{"command":"request-control"}"#, .requestControl),
            (#"{"command":"grant-control"}"#, .grantControl),
            (#"{"command":"deny-control"}"#, .denyControl),
            (#"{"command":"give-up-control"}"#, .giveUpControl),
            (#"{"command":"panic"}"#, .panic),
            (#"{"command":"pause"}"#, .pause),
            (#"{"command":"resume"}"#, .resume),
            (#"  {"command":"disconnect", "extra": [1, {"x": true}]}  "#, .disconnect),
            (#"{"command":"keys","text":"ls\r"}"#, .terminalInput(Array("ls\r".utf8))),
            (#"{"command":"terminal-window","rows":30,"columns":100}"#, .terminalWindow(TerminalSize(rows: 30, columns: 100))),
        ]
        for (line, command) in lines {
            #expect(try CommandJSON.parse(line) == command, "\(line)")
        }
        let all: [EasyConnectCommand] = [
            .accept(nil), .accept(ConnectionID(1)), .decline(nil), .decline(ConnectionID(UInt64.max)), .chat("x\u{0}\u{9B}y"), .sendFile(path: "/a/b"),
            .acceptFile(0), .declineFile(1), .cancelFile(UInt32.max), .requestControl, .grantControl, .denyControl, .giveUpControl, .panic,
            .pause, .resume, .disconnect, .terminalInput(Array("vi\r".utf8)), .terminalWindow(TerminalSize(rows: 1, columns: 1000)),
        ]
        var names: Set<String> = []
        for command in all {
            let object = CommandJSON.object(for: command)
            names.insert(object["command"]?.stringValue ?? "")
            #expect(try CommandJSON.parse(JSONValue.object(object).line) == command, "\(command)")
        }
        #expect(names == Set(CommandJSON.commandNames))
    }

    @Test("Malformed lines and unknown commands give typed errors, never traps")
    func malformedLines() {
        let cases: [(String, CommandJSONError)] = [
            ("", .notJSON),
            ("hello", .notJSON),
            ("{", .notJSON),
            (#"{"command":"chat","text":"x""#, .notJSON),
            ("[1,2]", .notAnObject),
            ("42", .notAnObject),
            (#""chat""#, .notAnObject),
            ("{}", .missingCommand),
            (#"{"cmd":"chat"}"#, .missingCommand),
            (#"{"command":7}"#, .wrongType(command: nil, field: "command", expected: "a string")),
            (#"{"command":"launch-missiles"}"#, .unknownCommand("launch-missiles")),
            (#"{"command":"chat"}"#, .missingField(command: "chat", field: "text")),
            (#"{"command":"send-file"}"#, .missingField(command: "send-file", field: "path")),
            (#"{"command":"accept-file"}"#, .missingField(command: "accept-file", field: "id")),
            (#"{"command":"keys"}"#, .missingField(command: "keys", field: "text")),
            (#"{"command":"terminal-window","rows":24}"#, .missingField(command: "terminal-window", field: "columns")),
            (#"{"command":"terminal-frame","bytes":3}"#, .unknownCommand("terminal-frame")),
        ]
        for (line, expected) in cases {
            #expect(throws: expected, "\(line)") { try CommandJSON.parse(line) }
        }
        let wrongTypes = [
            #"{"command":"chat","text":5}"#, #"{"command":"send-file","path":""}"#, #"{"command":"accept-file","id":-1}"#,
            #"{"command":"accept-file","id":1.5}"#, #"{"command":"accept-file","id":"2"}"#, #"{"command":"accept-file","id":true}"#,
            #"{"command":"cancel-file","id":4294967296}"#, #"{"command":"accept","connection":"first"}"#, #"{"command":"accept","connection":-3}"#,
            #"{"command":"decline-file","id":1e300}"#, #"{"command":"keys","text":""}"#, #"{"command":"terminal-window","rows":0,"columns":80}"#,
            #"{"command":"terminal-window","rows":24,"columns":1001}"#, #"{"command":"terminal-window","rows":"24","columns":80}"#,
        ]
        for line in wrongTypes {
            do {
                _ = try CommandJSON.parse(line)
                Issue.record("\(line) parsed")
            } catch {
                guard case .wrongType = error else {
                    Issue.record("\(line): \(error)")
                    continue
                }
                #expect(error.code == "bad-input")
            }
        }
        #expect(throws: CommandJSONError.tooLong(bytes: CommandJSON.maximumLineBytes + 1)) {
            try CommandJSON.parse(String(repeating: "x", count: CommandJSON.maximumLineBytes + 1))
        }
        // An unknown command's name is escaped in the message (it goes to a terminal in interactive mode).
        let message = CommandJSONError.unknownCommand("x\u{1B}[2J").description
        #expect(!DisplayText.containsControl(message))
    }

    @Test("Random lines never trap the parser")
    func randomLines() {
        var entropy = DeterministicEntropy(seed: 3)
        let pieces = ["{", "}", "[", "]", "\"command\"", ":", ",", "\"chat\"", "\"text\"", "\"id\"", "1", "-1", "1e9", "null", "true", "\"\\u0000\"", "\u{1B}", "é", " "]
        for _ in 0..<2_000 {
            var line = ""
            for _ in 0..<(1 + entropy.uniform(16)) { line += pieces[entropy.uniform(pieces.count)] }
            do {
                _ = try CommandJSON.parse(line)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("ISO 8601 in UTC")
    func iso8601() {
        #expect(EventJSON.iso8601(unixSeconds: 0) == "1970-01-01T00:00:00Z")
        #expect(EventJSON.iso8601(unixSeconds: 1_700_000_000) == "2023-11-14T22:13:20Z")
        #expect(EventJSON.iso8601(unixSeconds: 951_782_400) == "2000-02-29T00:00:00Z")
    }
}
