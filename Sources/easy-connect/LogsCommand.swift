import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation

/// `easy-connect logs [list] | show NAME|latest`: the session logs `invite` and `help` keep.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "List and show the logs of your past sessions.",
        discussion: """
            `invite` and `help` keep one XML log per session in "Remote Assistance Logs" in the data directory \
            (mode 0700), as Windows Remote Assistance does: YYYYMMDDHHMMSS.xml, named after the local time the \
            session started. Each side logs what happened from its own point of view: the invitation, wrong \
            passwords, who connected from where, consent, chat messages both ways, files, control requested, \
            granted and ended, pause, and the end of the session. Never a password, a key, or what the helper \
            typed. --no-session-log on `invite` or `help` keeps no log.

            A file that cannot be read as a log is listed with the reason, and left as it is.

            Examples:
              easy-connect logs                    # newest first: file, start, role, other person, records
              easy-connect logs show latest        # the newest log, one line per record
              easy-connect logs show 20250314092653
              easy-connect logs --json --data-dir /tmp/ec-user

            \(ExitStatus.table)
            """,
        subcommands: [LogsListCommand.self, LogsShowCommand.self],
        defaultSubcommand: LogsListCommand.self
    )
}

/// The options of the logs commands.
struct LogsOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Data directory whose \"Remote Assistance Logs\" are read (default: $XDG_DATA_HOME/easy-connect or ~/.local/share/easy-connect).",
            discussion: "Example: --data-dir /tmp/ec-user", valueName: "dir"))
    var dataDirectory: String?

    @Flag(help: ArgumentHelp("Print JSON: one object per log for the list, one object with every record for show.", discussion: "Example: --json"))
    var json = false

    /// The log directory's absolute path.
    var logsPath: String {
        absolutePath(expandingTilde(dataDirectory ?? SessionOptionsGroup.defaultDataPath)) + "/" + SessionLogWriter.directoryName
    }

    /// The log files, newest first.
    func entries() throws(CommandFailure) -> [SessionLogEntry] {
        do {
            return try SessionLogFolder.entries(in: logsPath)
        } catch {
            throw .badInput(error.description)
        }
    }
}

/// `easy-connect logs list` (the default).
struct LogsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the session logs, newest first (the default of `easy-connect logs`).",
        discussion: """
            One line per file: its name, when the session started, this side's role, the other person, and how \
            many records it holds. A file that is not a readable log shows the reason instead. With --json, one \
            object per line: {"event":"log","file","path","start","role","peer","records"}, or \
            {"event":"log","file","path","problem"}.

            Examples:
              easy-connect logs
              easy-connect logs list --json

            \(ExitStatus.table)
            """
    )

    @OptionGroup var options: LogsOptions

    func run() async throws {
        let console = Console(command: "easy-connect logs", json: options.json)
        do throws(CommandFailure) {
            let entries = try options.entries()
            if options.json {
                for entry in entries { console.emit(LogsView.summary(entry)) }
                return
            }
            guard !entries.isEmpty else {
                console.out("No session logs in \(options.logsPath)")
                return
            }
            console.out("Session logs in \(options.logsPath), newest first:")
            for entry in entries { console.out(LogsView.summaryLine(entry)) }
        } catch {
            throw console.fail(error)
        }
    }
}

/// `easy-connect logs show NAME|latest`.
struct LogsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one session log, one line per record.",
        discussion: """
            NAME is a file name from `easy-connect logs` (with or without .xml), a path, or `latest` for the \
            newest log. A file that is not a readable log is reported with the reason (exit code 2) and left \
            as it is. With --json: one object {"event":"log","file","path","role","start","records":[{"kind",\
            "date","time","event","text","fields"}]}.

            Examples:
              easy-connect logs show latest
              easy-connect logs show 20250314092653.xml
              easy-connect logs show latest --json | jq '.records[] | select(.kind=="CHAT_MESSAGE").text'

            \(ExitStatus.table)
            """
    )

    @Argument(help: ArgumentHelp("The log: a file name, a path, or `latest`.", valueName: "name"))
    var name: String

    @OptionGroup var options: LogsOptions

    func run() async throws {
        let console = Console(command: "easy-connect logs show", json: options.json)
        do throws(CommandFailure) {
            let entry = try find()
            guard let log = entry.log else {
                throw CommandFailure.badInput("\(SessionLogText.cleaned(entry.path)) is not a readable session log: \(entry.problem ?? "unknown reason"); it is left as it is", code: "bad-log")
            }
            if options.json {
                console.emit(LogsView.full(entry, log))
            } else {
                for line in LogsView.lines(entry, log) { console.out(line) }
            }
        } catch {
            throw console.fail(error)
        }
    }

    private func find() throws(CommandFailure) -> SessionLogEntry {
        if name == "latest" {
            let names: [String]
            do {
                names = try SessionLogFolder.names(in: options.logsPath)
            } catch {
                throw .badInput(error.description)
            }
            guard let newest = names.first else { throw .badInput("there is no session log in \(options.logsPath) yet", code: "no-log") }
            return SessionLogFolder.entry(at: options.logsPath + "/" + newest)
        }
        let path: String
        if name.contains("/") {
            path = absolutePath(expandingTilde(name))
        } else {
            path = options.logsPath + "/" + (name.hasSuffix(".xml") ? name : name + ".xml")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw .badInput("no session log \(SessionLogText.cleaned(path)); `easy-connect logs` lists them", code: "no-log")
        }
        return SessionLogFolder.entry(at: path)
    }
}

/// How the logs commands print logs.
enum LogsView {
    /// One line of the list.
    static func summaryLine(_ entry: SessionLogEntry) -> String {
        let file = SessionLogText.cleaned(entry.fileName)
        let padded = file.count < 22 ? file + String(repeating: " ", count: 22 - file.count) : file + " "
        guard let log = entry.log else { return padded + "unreadable: " + (entry.problem ?? "") }
        let role = log.role == .user ? "user  " : "helper"
        let records = log.records.count == 1 ? "1 record" : "\(log.records.count) records"
        return padded + "\(log.start)  \(role)  \(log.peerName ?? "-")  \(records)"
    }

    /// The JSON object of one file of the list.
    static func summary(_ entry: SessionLogEntry) -> [String: JSONValue] {
        var o: [String: JSONValue] = ["event": .string("log"), "file": .string(entry.fileName), "path": .string(entry.path)]
        if let log = entry.log {
            o["start"] = .string(log.startText)
            o["role"] = .string(log.role.rawValue)
            o["peer"] = log.peerName.map(JSONValue.string) ?? .null
            o["records"] = .integer(Int64(log.records.count))
        } else {
            o["problem"] = .string(entry.problem ?? "")
        }
        return o
    }

    /// The JSON object of a whole log.
    static func full(_ entry: SessionLogEntry, _ log: SessionLog) -> [String: JSONValue] {
        var o = summary(entry)
        o["records"] = .array(
            log.records.map { r in
                var item: [String: JSONValue] = ["kind": .string(r.kind.rawValue), "date": .string(r.time.dateText), "time": .string(r.time.timeText)]
                if let event = r.event { item["event"] = .string(event) }
                if let text = r.text { item["text"] = .string(text) }
                item["fields"] = .object(Dictionary(uniqueKeysWithValues: r.fields.map { ($0.key.rawValue, JSONValue.string($0.value)) }))
                return .object(item)
            })
        return o
    }

    /// A log for people: a heading, then one line per record (the date when it changes), with the details
    /// the sentence does not give on a second line.
    static func lines(_ entry: SessionLogEntry, _ log: SessionLog) -> [String] {
        var out = [
            "Session log \(SessionLogText.cleaned(entry.fileName)): \(log.role == .user ? "you asked for help" : "you helped")\(log.peerName.map { " (\($0))" } ?? ""), started \(log.start) \(SessionLogTime.offsetText(log.utcOffset))",
            SessionLogText.cleaned(entry.path),
        ]
        var day = log.start.dateText
        let width = SessionLogRecord.Kind.allCases.map(\.rawValue.count).max() ?? 24
        for record in log.records {
            if record.time.dateText != day {
                day = record.time.dateText
                out.append("-- \(day)")
            }
            let kind = record.kind.rawValue + String(repeating: " ", count: max(0, width - record.kind.rawValue.count))
            out.append("\(record.time.timeText)  \(kind)  \(record.text ?? record.event ?? "")")
            let details = record.fields.keys.sorted().filter { $0 != .direction }
            if !details.isEmpty, record.kind != .chatMessage {
                out.append(String(repeating: " ", count: 12 + width) + details.map { "\($0.rawValue)=\(record.fields[$0] ?? "")" }.joined(separator: " "))
            }
        }
        if log.records.isEmpty { out.append("(no records)") }
        return out
    }
}
