import EasyConnect

/// The commands of `easy-connect --json`: one JSON object per line on standard input, with a
/// `"command"` field. Unknown fields are ignored (scripts may send more than a version understands).
///
/// | command | fields |
/// |---|---|
/// | `accept`, `decline` | `connection` (optional: the `consent-request` being answered; default the one asked now) |
/// | `chat` | `text` |
/// | `send-file` | `path` |
/// | `accept-file`, `decline-file`, `cancel-file` | `id` |
/// | `request-control`, `grant-control`, `deny-control`, `give-up-control`, `panic`, `pause`, `resume`, `disconnect` | none |
/// | `keys` | `text`: keystrokes for the User's shared terminal (Helper, in Control Sharing; `"\r"` is Enter) |
/// | `terminal-window` | `rows`, `columns`: the Helper's window size for the shared screen |
///
/// Screen updates (`terminal-frame`) and the end of the shared program (`terminal-closed`) come from the
/// User's terminal, never from a script: `object(for:)` names them, `parse` refuses them.
///
/// ```swift
/// do { try await session.perform(try CommandJSON.parse(line)) }
/// catch let error as CommandJSONError { write(EventJSON.line(EventJSON.error(error))) }
/// ```
public enum CommandJSON {
    /// Longest line accepted, in UTF-8 bytes (a chat message is far shorter; a path too).
    public static let maximumLineBytes = 256 * 1024

    /// Every command name, in the order of the table above.
    public static let commandNames = [
        "accept", "decline", "chat", "send-file", "accept-file", "decline-file", "cancel-file", "request-control", "grant-control",
        "deny-control", "give-up-control", "panic", "pause", "resume", "disconnect", "keys", "terminal-window",
    ]

    /// Parses one input line. Never traps: anything that is not a known command gives a `CommandJSONError`.
    public static func parse(_ line: String) throws(CommandJSONError) -> EasyConnectCommand {
        guard line.utf8.count <= maximumLineBytes else { throw .tooLong(bytes: line.utf8.count) }
        guard let value = JSONValue.parse(line) else { throw .notJSON }
        guard case .object(let object) = value else { throw .notAnObject }
        guard let field = object["command"] else { throw .missingCommand }
        guard let name = field.stringValue else { throw .wrongType(command: nil, field: "command", expected: "a string") }

        func string(_ key: String) throws(CommandJSONError) -> String {
            guard let v = object[key] else { throw .missingField(command: name, field: key) }
            guard let s = v.stringValue else { throw .wrongType(command: name, field: key, expected: "a string") }
            return s
        }
        func transfer() throws(CommandJSONError) -> UInt32 {
            guard let v = object["id"] else { throw .missingField(command: name, field: "id") }
            guard let n = v.wholeNumber, n <= UInt64(UInt32.max) else {
                throw .wrongType(command: name, field: "id", expected: "a file transfer ID (a whole number from a file-offer or file-offered event)")
            }
            return UInt32(n)
        }
        func connection() throws(CommandJSONError) -> ConnectionID? {
            guard let v = object["connection"], v != .null else { return nil }
            guard let n = v.wholeNumber else {
                throw .wrongType(command: name, field: "connection", expected: "a connection number from a consent-request event")
            }
            return ConnectionID(n)
        }

        switch name {
        case "accept": return .accept(try connection())
        case "decline": return .decline(try connection())
        case "chat": return .chat(try string("text"))
        case "send-file":
            let path = try string("path")
            guard !path.isEmpty else { throw .wrongType(command: name, field: "path", expected: "a non-empty path") }
            return .sendFile(path: path)
        case "accept-file": return .acceptFile(try transfer())
        case "decline-file": return .declineFile(try transfer())
        case "cancel-file": return .cancelFile(try transfer())
        case "request-control": return .requestControl
        case "grant-control": return .grantControl
        case "deny-control": return .denyControl
        case "give-up-control": return .giveUpControl
        case "panic": return .panic
        case "pause": return .pause
        case "resume": return .resume
        case "disconnect": return .disconnect
        case "keys":
            let text = try string("text")
            guard !text.isEmpty else { throw .wrongType(command: name, field: "text", expected: "at least one keystroke") }
            return .terminalInput(Array(text.utf8))
        case "terminal-window":
            func dimension(_ key: String, _ limit: Int) throws(CommandJSONError) -> Int {
                guard let v = object[key] else { throw .missingField(command: name, field: key) }
                guard let n = v.wholeNumber, n >= 1, n <= UInt64(limit) else { throw .wrongType(command: name, field: key, expected: "a whole number from 1 to \(limit)") }
                return Int(n)
            }
            return .terminalWindow(TerminalSize(rows: try dimension("rows", TerminalSize.maximum.rows), columns: try dimension("columns", TerminalSize.maximum.columns)))
        default: throw .unknownCommand(name)
        }
    }

    /// The JSON object of `command` (what a script sends for it): the inverse of `parse`.
    public static func object(for command: EasyConnectCommand) -> [String: JSONValue] {
        func named(_ name: String, _ fields: [String: JSONValue] = [:]) -> [String: JSONValue] {
            fields.merging(["command": .string(name)]) { _, new in new }
        }
        switch command {
        case .accept(let id): return named("accept", id.map { ["connection": .unsigned($0.rawValue)] } ?? [:])
        case .decline(let id): return named("decline", id.map { ["connection": .unsigned($0.rawValue)] } ?? [:])
        case .chat(let text): return named("chat", ["text": .string(text)])
        case .sendFile(let path): return named("send-file", ["path": .string(path)])
        case .acceptFile(let id): return named("accept-file", ["id": .unsigned(UInt64(id))])
        case .declineFile(let id): return named("decline-file", ["id": .unsigned(UInt64(id))])
        case .cancelFile(let id): return named("cancel-file", ["id": .unsigned(UInt64(id))])
        case .requestControl: return named("request-control")
        case .grantControl: return named("grant-control")
        case .denyControl: return named("deny-control")
        case .giveUpControl: return named("give-up-control")
        case .panic: return named("panic")
        case .pause: return named("pause")
        case .resume: return named("resume")
        case .disconnect: return named("disconnect")
        case .terminalInput(let bytes): return named("keys", ["text": .string(String(decoding: bytes, as: UTF8.self))])
        case .terminalWindow(let size): return named("terminal-window", ["rows": .unsigned(UInt64(size.rows)), "columns": .unsigned(UInt64(size.columns))])
        case .terminalFrame(_, let body): return named("terminal-frame", ["bytes": .unsigned(UInt64(body.count))])
        case .terminalClosed(let reason): return named("terminal-closed", ["reason": .string(reason)])
        }
    }
}

/// Why an input line of `easy-connect --json` is not a command. The session goes on; the program answers
/// with an `error` event whose `code` is `bad-input` and whose `message` is `description`.
public enum CommandJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The line is not JSON.
    case notJSON
    /// The line is JSON but not an object.
    case notAnObject
    /// The object has no `command` field.
    case missingCommand
    /// No command has this name.
    case unknownCommand(String)
    /// The command needs a field that is missing.
    case missingField(command: String, field: String)
    /// A field has the wrong type or value (`command` nil: the `command` field itself).
    case wrongType(command: String?, field: String, expected: String)
    /// The line is longer than `CommandJSON.maximumLineBytes`.
    case tooLong(bytes: Int)

    /// The `code` of the `error` event: always `bad-input`.
    public var code: String { "bad-input" }

    public var description: String {
        switch self {
        case .notJSON:
            "the line is not JSON; send one object per line, such as {\"command\":\"chat\",\"text\":\"hello\"}"
        case .notAnObject:
            "the line is JSON but not an object; send one object per line, such as {\"command\":\"disconnect\"}"
        case .missingCommand:
            "the object has no \"command\" field; commands: \(CommandJSON.commandNames.joined(separator: ", "))"
        case .unknownCommand(let name):
            "unknown command \"\(DisplayText.escaped(String(name.prefix(64))))\"; commands: \(CommandJSON.commandNames.joined(separator: ", "))"
        case .missingField(let command, let field):
            "the \(command) command needs a \"\(field)\" field"
        case .wrongType(let command, let field, let expected):
            "\"\(field)\"\(command.map { " of the \($0) command" } ?? "") must be \(expected)"
        case .tooLong(let bytes):
            "the line has \(bytes) bytes; the longest accepted is \(CommandJSON.maximumLineBytes)"
        }
    }
}
