import EasyConnectNetwork
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A User and a Helper sharing a terminal, each `easy-connect` in a tmux session of its own on a private
/// tmux server: the User's `invite --share-terminal` (session `u`) and the Helper's `help` (session `h`),
/// paired with an invitation file over loopback (no PNRP cloud). The tests type into the panes with
/// `send-keys` and read them with `capture-pane`, as a person would see them.
///
/// Every wait is bounded in count and in time. `tearDown()` kills the tmux server (and what still runs in
/// its panes) and removes the scratch directory; call it on every path.
final class TmuxPair: @unchecked Sendable {
    /// One of the two tmux sessions (each has one pane).
    enum Pane: String, CustomStringConvertible, Sendable {
        case user = "u"
        case helper = "h"
        var description: String { self == .user ? "User" : "Helper" }
    }

    /// A window size in cells.
    struct Size: Equatable, CustomStringConvertible, Sendable {
        var columns: Int
        var rows: Int
        var description: String { "\(columns)x\(rows)" }
    }

    /// `name` on the PATH (or in the usual places), if it is there.
    static func program(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/bin", "/usr/local/bin", "/opt/homebrew/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `tmux`, if installed.
    static let tmuxPath = program("tmux")

    /// True when tmux, and bash for the shared shell, can be run.
    static var isAvailable: Bool { tmuxPath != nil && program("bash") != nil }

    /// The password of the invitation file.
    static let filePassword = "secret-pw-1"

    /// A shell for the shared terminal: bash without start-up files, a `$ ` prompt and no history file.
    static let shell = #"env PS1='$ ' HISTFILE= bash --norc --noprofile"#

    let scratch: Scratch
    private let socket: String
    private let configuration: String
    private let tmux: String
    private let binary: String
    private(set) var sizes: [Pane: Size]
    private var calls = 0
    private var torn = false

    /// The User's data directory (its session logs are under it).
    var userData: String { scratch.path + "/u" }
    /// The Helper's data directory.
    var helperData: String { scratch.path + "/h" }

    /// A pair whose windows will have these sizes; nothing runs until `start`.
    init(_ label: String, user: Size = Size(columns: 100, rows: 30), helper: Size = Size(columns: 90, rows: 26)) throws {
        guard let tmux = Self.tmuxPath else { throw TestFailure("tmux is not installed") }
        self.tmux = tmux
        binary = try EasyConnectProcess.binary().path
        scratch = try Scratch("tmux-\(label)")
        socket = scratch.path + "/tmux.sock"
        configuration = scratch.path + "/tmux.conf"
        sizes = [.user: user, .helper: helper]
        // No status bar (the whole window is the pane), the panes' commands run by /bin/sh, and nothing of the
        // tester's own tmux configuration.
        try scratch.file(
            "tmux.conf",
            Array(
                """
                set -g status off
                set -g default-shell /bin/sh
                set -g history-limit 200
                set -g remain-on-exit off

                """.utf8))
    }

    /// The shared screen's size: each window gives up its last row to a status line, and the smaller window
    /// wins in each dimension.
    var sharedSize: Size {
        let u = sizes[.user]!, h = sizes[.helper]!
        return Size(columns: min(u.columns, h.columns), rows: min(u.rows, h.rows) - 1)
    }

    // MARK: - Starting

    /// Starts the User's `invite --share-terminal --command command` (and `userArguments`), then, once the invitation
    /// file exists, the Helper's `help`; `beforeConsent` runs while the User is asked whether to let the Helper
    /// in, then the User answers `y` and both panes show the shared terminal.
    func start(
        command: String = TmuxPair.shell, userArguments: [String] = [], sessionLog: Bool = true, beforeConsent: () async throws -> Void = {}
    ) async throws {
        try FileManager.default.createDirectory(atPath: userData, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: helperData, withIntermediateDirectories: true)
        let invitation = scratch.path + "/inv"
        let noLog = sessionLog ? [] : ["--no-session-log"]
        let invite =
            [binary, "invite", "--data-dir", userData, "--name", "User", "--file", invitation, "--listen", "127.0.0.1", "--share-terminal", "--command", command]
            + userArguments + noLog
        let help = [binary, "help", "--data-dir", helperData, "--name", "Helper", "--file", invitation + ".MsRcIncident"] + noLog
        try await newSession(.user, invite)
        try await waitUntil(30, "the invitation file \(invitation).MsRcIncident") {
            if FileManager.default.fileExists(atPath: invitation + ".MsRcIncident") { return true }
            return await self.exited(.user)
        }
        guard await !exited(.user) else { throw TestFailure("invite ended before writing its invitation file\n\(report())") }
        try await newSession(.helper, help)
        try await waitFor(.user, 30, "the question whether to let the Helper in") { $0.contains("[y/N]") }
        try await beforeConsent()
        try await send(.user, "y", "Enter")
        // Both show the shared terminal: the shell's prompt at the top, a status line at the bottom.
        try await waitFor(.user, 15, "the shared terminal") { self.statusLine(of: $0, .user).contains("Easy Connect") && $0.hasPrefix("$") }
        try await waitFor(.helper, 15, "the shared terminal") { self.statusLine(of: $0, .helper).contains("Easy Connect") && $0.hasPrefix("$") }
    }

    /// Starts `arguments` (the `easy-connect` command line) in `pane`'s tmux session: standard error goes to
    /// `<pane>.err`, and when it ends the pane says `EXIT <status>` and stays a minute.
    private func newSession(_ pane: Pane, _ arguments: [String]) async throws {
        let size = sizes[pane]!
        let line =
            "EASY_CONNECT_FILE_PASSWORD=\(Self.filePassword) \(arguments.map(Self.quoted).joined(separator: " ")) 2>\(Self.quoted(errorPath(pane))); echo EXIT $?; sleep 60"
        try await run(["new-session", "-d", "-s", pane.rawValue, "-x", "\(size.columns)", "-y", "\(size.rows)", line])
    }

    private func errorPath(_ pane: Pane) -> String { scratch.path + "/\(pane.rawValue).err" }

    /// True once `pane`'s command has ended (its pane says `EXIT`).
    func exited(_ pane: Pane) async -> Bool {
        ((try? await capture(pane)) ?? "").split(separator: "\n").contains { $0.hasPrefix("EXIT ") }
    }

    // MARK: - Driving

    /// Types tmux key names (`y`, `Enter`, `Escape`, `C-]` …) into `pane`.
    func send(_ pane: Pane, _ keys: String...) async throws {
        try await run(["send-keys", "-t", pane.rawValue] + keys)
    }

    /// Types `text` literally into `pane`.
    func type(_ pane: Pane, _ text: String) async throws {
        try await run(["send-keys", "-t", pane.rawValue, "-l", text])
    }

    /// The command key (Ctrl-]) then `letter`.
    func command(_ pane: Pane, _ letter: String) async throws {
        try await send(pane, "C-]", letter)
    }

    /// Resizes `pane`'s window (as when the person drags its corner).
    func resize(_ pane: Pane, to size: Size) async throws {
        try await run(["resize-window", "-t", pane.rawValue, "-x", "\(size.columns)", "-y", "\(size.rows)"])
        sizes[pane] = size
    }

    // MARK: - Reading

    /// `pane`'s screen, one line per row (`escapes`: with the SGR sequences of colours and attributes).
    func capture(_ pane: Pane, escapes: Bool = false) async throws -> String {
        try await run(["capture-pane", "-p", "-t", pane.rawValue] + (escapes ? ["-e"] : []))
    }

    /// The rows of `screen` (a capture).
    static func rows(_ screen: String) -> [String] {
        var lines = screen.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The status line (the window's last row) in a capture of `pane`.
    func statusLine(of screen: String, _ pane: Pane) -> String {
        let lines = Self.rows(screen)
        let row = sizes[pane]!.rows - 1
        return row < lines.count ? lines[row] : ""
    }

    /// `pane`'s status line now.
    func status(_ pane: Pane) async throws -> String { statusLine(of: try await capture(pane), pane) }

    /// The top rows of `pane` that show the shared screen, as `capture-pane -p -e -N` prints them: with
    /// the SGR sequences of colours and attributes, and trailing blanks kept (a blank with a background
    /// colour is a cell that counts).
    func sharedRows(_ pane: Pane) async throws -> [String] {
        Array(Self.rows(try await run(["capture-pane", "-p", "-e", "-N", "-t", pane.rawValue])).prefix(sharedSize.rows))
    }

    /// The shared screen on `pane`, cell by cell: `sharedSize.rows` rows of `sharedSize.columns` cells.
    func sharedCells(_ pane: Pane) async throws -> [[Cell]] {
        Self.cells(rows: try await sharedRows(pane), columns: sharedSize.columns)
    }

    /// The shared screen's text on `pane` (no escapes).
    func sharedText(_ pane: Pane) async throws -> [String] {
        Array(Self.rows(try await capture(pane)).prefix(sharedSize.rows))
    }

    /// Where `pane`'s cursor is, when shown.
    func cursor(_ pane: Pane) async throws -> (column: Int, row: Int)? {
        let fields = try await run(["display-message", "-p", "-t", pane.rawValue, "#{cursor_flag} #{cursor_x} #{cursor_y}"]).split(separator: " ").compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard fields.count == 3, fields[0] == 1 else { return nil }
        return (fields[1], fields[2])
    }

    /// Nil when both panes show the same shared screen, cell by cell with colours and attributes (and the
    /// cursor in the same place); otherwise what differs.
    ///
    /// Cells, not the captured bytes, are compared: tmux keeps the cells an erase cleared as written ones and
    /// prints an SGR reset where they start, so two rows that look the same print differently when one
    /// window drew a longer line there before (the User's window draws every intermediate screen, the
    /// Helper's only the frames it receives).
    func sharedScreenDifference() async throws -> String? {
        let userRows = try await sharedRows(.user), helperRows = try await sharedRows(.helper)
        let userCells = Self.cells(rows: userRows, columns: sharedSize.columns), helperCells = Self.cells(rows: helperRows, columns: sharedSize.columns)
        var differences: [String] = []
        for row in 0..<max(userRows.count, helperRows.count) {
            let u = row < userRows.count ? userRows[row] : "<missing>", h = row < helperRows.count ? helperRows[row] : "<missing>"
            let uc = row < userCells.count ? userCells[row] : [], hc = row < helperCells.count ? helperCells[row] : []
            if uc != hc {
                let column = zip(uc, hc).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(uc.count, hc.count)
                differences.append("row \(row), column \(column): User \(Self.visible(u)) | Helper \(Self.visible(h))")
            }
        }
        if differences.isEmpty {
            let u = try await cursor(.user), h = try await cursor(.helper)
            if u?.column != h?.column || u?.row != h?.row { differences.append("cursor: User \(u.map { "\($0)" } ?? "hidden") | Helper \(h.map { "\($0)" } ?? "hidden")") }
        }
        return differences.isEmpty ? nil : differences.joined(separator: "\n")
    }

    /// Waits until both panes show the same shared screen (at most `seconds`); throws with the differences.
    func waitForEqualScreens(_ seconds: Double, _ what: String = "equal shared screens") async throws {
        var last: String? = "not compared"
        let ok = try await waitUntil(seconds, what, throwing: false) {
            last = try await self.sharedScreenDifference()
            return last == nil
        }
        if !ok { throw TestFailure("not \(what) within \(seconds) s:\n\(last ?? "")\n\(report())") }
    }

    // MARK: - Cells of a capture

    /// One cell of a captured row: its character and how it is drawn.
    struct Cell: Equatable, CustomStringConvertible {
        var character: Character
        var style: Style
        static let blank = Cell(character: " ", style: Style())
        var description: String { "\(character)\(style == Style() ? "" : "\(style)")" }
    }

    /// The SGR state a cell is drawn in: attributes (by their SGR number), underline style, colours (as
    /// their SGR parameters; empty for the default).
    struct Style: Equatable, CustomStringConvertible {
        var attributes: Set<String> = []
        var underline = "0"
        var foreground = ""
        var background = ""
        var underlineColour = ""
        var description: String { "[\(attributes.sorted().joined(separator: ","))/u\(underline)/fg\(foreground)/bg\(background)/ul\(underlineColour)]" }
    }

    /// The cells of `line`, a row of `capture-pane -e` that starts in `style` (the state the row above left:
    /// tmux prints each cell's codes relative to the cell before it, the last one of the row above included),
    /// each character with the SGR state at that point; other escape sequences (OSC hyperlinks) are skipped.
    /// `style` is left as the row leaves it.
    static func cells(_ line: String, style: inout Style) -> [Cell] {
        let characters = Array(line)
        var cells: [Cell] = []
        var i = 0
        while i < characters.count {
            let c = characters[i]
            guard c == "\u{1B}" else {
                cells.append(Cell(character: c, style: style))
                i += 1
                continue
            }
            i += 1
            guard i < characters.count else { break }
            if characters[i] == "[" {
                // CSI: parameters up to a final byte.
                var body = ""
                i += 1
                while i < characters.count, let ascii = characters[i].asciiValue, !(0x40...0x7E).contains(ascii) {
                    body.append(characters[i])
                    i += 1
                }
                if i < characters.count, characters[i] == "m" { apply(body, to: &style) }
                i += 1
            } else if characters[i] == "]" {
                // OSC: up to BEL or ESC \.
                while i < characters.count, characters[i] != "\u{07}", !(characters[i] == "\\" && characters[i - 1] == "\u{1B}") { i += 1 }
                i += 1
            } else {
                i += 1
            }
        }
        return cells
    }

    /// The first `columns` cells of each of `rows` (the top rows of a capture, in order), default blanks
    /// after each row's end.
    static func cells(rows: [String], columns: Int) -> [[Cell]] {
        var style = Style()
        return rows.map { line in
            let cells = cells(line, style: &style)
            return Array(cells.prefix(columns)) + Array(repeating: Cell.blank, count: max(0, columns - cells.count))
        }
    }

    /// Applies the SGR parameters `body` (`1;38;5;208`) to `style`.
    static func apply(_ body: String, to style: inout Style) {
        let parameters = body.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        func colour() -> String {
            // 38;5;n or 38;2;r;g;b (or the colon forms, in one parameter).
            let p = parameters[i]
            if p.contains(":") { return p }
            if i + 1 < parameters.count, parameters[i + 1] == "5", i + 2 < parameters.count {
                defer { i += 2 }
                return "5;" + parameters[i + 2]
            }
            if i + 1 < parameters.count, parameters[i + 1] == "2", i + 4 < parameters.count {
                defer { i += 4 }
                return "2;" + parameters[(i + 2)...(i + 4)].joined(separator: ";")
            }
            return p
        }
        while i < parameters.count {
            let p = parameters[i]
            let number = Int(p.split(separator: ":").first ?? "") ?? (p.isEmpty ? 0 : -1)
            switch number {
            case 0: style = Style()
            case 4: style.underline = p.contains(":") ? String(p.split(separator: ":").last ?? "1") : "1"
            case 21: style.underline = "2"
            case 24: style.underline = "0"
            case 22:
                style.attributes.remove("1")
                style.attributes.remove("2")
            case 23, 25, 27, 28, 29: style.attributes.remove(String(number - 20))
            case 55: style.attributes.remove("53")
            case 30...37, 90...97: style.foreground = p
            case 38: style.foreground = colour()
            case 39: style.foreground = ""
            case 40...47, 100...107: style.background = p
            case 48: style.background = colour()
            case 49: style.background = ""
            case 58: style.underlineColour = colour()
            case 59: style.underlineColour = ""
            default: style.attributes.insert(p)
            }
            i += 1
        }
    }

    /// `text` with its escape characters shown as `\e`.
    static func visible(_ text: String) -> String { text.replacingOccurrences(of: "\u{1B}", with: "\\e") }

    // MARK: - Waiting

    /// Polls `pane` every 50 ms until `predicate` holds for its screen (text only), at most `seconds`;
    /// returns that screen, or throws with both screens.
    @discardableResult
    func waitFor(_ pane: Pane, _ seconds: Double, _ what: String, escapes: Bool = false, _ predicate: (String) -> Bool) async throws -> String {
        var screen = ""
        try await waitUntil(seconds, "\(what) on the \(pane)'s screen") {
            screen = try await self.capture(pane, escapes: escapes)
            return predicate(screen)
        }
        return screen
    }

    /// Polls `condition` every 50 ms, at most `seconds` (and at most `seconds * 20 + 1` times); throws (or,
    /// with `throwing` false, returns false) when it never holds.
    @discardableResult
    func waitUntil(_ seconds: Double, _ what: String, throwing: Bool = true, _ condition: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        let attempts = Int(seconds * 20) + 1
        for _ in 0..<attempts {
            if try await condition() { return true }
            if clock.now >= end { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if try await condition() { return true }
        if throwing { throw TestFailure("no \(what) within \(seconds) s\n\(report())") }
        return false
    }

    /// Both screens and both standard errors, for a failure's message.
    func report() -> String {
        var out = ""
        for pane in [Pane.user, .helper] {
            let screen = (try? runBlocking(["capture-pane", "-p", "-t", pane.rawValue])) ?? "(no screen)"
            let err = (try? String(contentsOfFile: errorPath(pane), encoding: .utf8)) ?? ""
            out += "--- \(pane) screen (\(sizes[pane]!)):\n\(screen)--- \(pane) stderr:\n\(err)\n"
        }
        return out
    }

    // MARK: - Session logs

    /// The session logs' folder of `pane`'s side.
    func logFolder(_ pane: Pane) -> String { (pane == .user ? userData : helperData) + "/" + SessionLogWriter.directoryName }

    /// The records of `pane`'s side's only session log so far, each as its kind with its `OUTCOME` in
    /// brackets (`EXPERT_CONTROL_ENDED(panic-key)`); empty before the log exists.
    func logRecords(_ pane: Pane) -> [String] {
        let entries = (try? SessionLogFolder.entries(in: logFolder(pane))) ?? []
        guard entries.count == 1, let log = entries[0].log else { return [] }
        return log.records.map { record in record.kind.rawValue + (record[.outcome].map { "(\($0))" } ?? "") }
    }

    /// Waits until `pane`'s session log holds every record of `expected` (at most `seconds`); returns its records.
    @discardableResult
    func waitForLog(_ pane: Pane, _ seconds: Double, holding expected: [String]) async throws -> [String] {
        var records: [String] = []
        let ok = try await waitUntil(seconds, "records \(expected) in the \(pane)'s session log", throwing: false) {
            records = self.logRecords(pane)
            return expected.allSatisfy(records.contains)
        }
        if !ok { throw TestFailure("the \(pane)'s session log lacks some of \(expected) after \(seconds) s: \(records)") }
        return records
    }

    // MARK: - tmux

    /// Runs `tmux arguments` on the private server (killed after 10 s); returns its standard output. Between
    /// looks for its end the task sleeps, which leaves the cooperative pool's threads to other tests.
    ///
    /// Spawned and reaped here rather than with Foundation's `Process`: the first call starts the tmux
    /// server, a daemon that would inherit the descriptor `Process` watches for its child's end, so that
    /// `Process` would never see the client exit.
    @discardableResult
    private func run(_ arguments: [String]) async throws -> String {
        var call = try startTmux(arguments)
        defer { call.removeFiles() }
        var looks = 0
        while try !call.reaped(), looks < 5_000, !call.late {
            looks += 1
            try await Task.sleep(for: .milliseconds(2))
        }
        return try call.output()
    }

    /// `run` for `report()` and `tearDown()`, where no task can wait: blocks its thread between looks.
    @discardableResult
    private func runBlocking(_ arguments: [String]) throws -> String {
        var call = try startTmux(arguments)
        defer { call.removeFiles() }
        var looks = 0
        while try !call.reaped(), looks < 5_000, !call.late {
            looks += 1
            usleep(2_000)
        }
        return try call.output()
    }

    /// Spawns `tmux arguments` on the private server, its output to files in the scratch directory.
    private func startTmux(_ arguments: [String]) throws -> TmuxCall {
        calls += 1
        let out = scratch.path + "/tmux-\(calls).out", err = scratch.path + "/tmux-\(calls).err"
        var environment = EasyConnectProcess.environment(["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"])
        environment["TMUX"] = nil
        environment["TMUX_PANE"] = nil
        let argv = [tmux, "-u", "-f", configuration, "-S", socket] + arguments
        do {
            let pid = try Self.spawn(argv, environment: environment.map { "\($0.key)=\($0.value)" }, stdout: out, stderr: err)
            return TmuxCall(pid: pid, arguments: arguments, out: out, err: err, deadline: Date().addingTimeInterval(10))
        } catch {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
            throw error
        }
    }

    /// One tmux client: reaped once it has exited, killed when still running after its deadline.
    private struct TmuxCall {
        let pid: pid_t
        let arguments: [String]
        let out: String, err: String
        let deadline: Date
        var status: Int32 = 0
        var isReaped = false

        var late: Bool { Date() > deadline }

        /// Whether it has exited (and is reaped).
        mutating func reaped() throws -> Bool {
            guard !isReaped else { return true }
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid {
                isReaped = true
            } else if done < 0, errno != EINTR {
                throw TestFailure("waitpid for tmux \(arguments.joined(separator: " ")): errno \(errno)")
            }
            return isReaped
        }

        /// Its standard output once it exited with status 0; kills it and throws when it has not exited.
        mutating func output() throws -> String {
            if !isReaped {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw TestFailure("tmux \(arguments.joined(separator: " ")) did not finish within 10 s")
            }
            let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            // Exited normally with status 0 (the wait status's low 7 bits are the signal, the next 8 the status).
            guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
                let message = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
                throw TestFailure("tmux \(arguments.joined(separator: " ")) failed (wait status \(status)): \(message)")
            }
            return output
        }

        func removeFiles() {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
    }

    /// Starts `argv` with standard input from /dev/null and standard output and error to the files, and no
    /// other descriptor of this process; returns its process id.
    private static func spawn(_ argv: [String], environment: [String], stdout: String, stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Whatever this process left open for its children (the tmux server would keep it open for ever).
        for fd: Int32 in 3..<1024 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        #if canImport(Darwin)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
        #endif
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            for p in cArguments { free(p) }
            for p in cEnvironment { free(p) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else { throw TestFailure("cannot start \(argv[0]): error \(result)") }
        return pid
    }

    /// Kills the tmux server and whatever still runs in its panes, then removes the scratch directory (kept
    /// when `EC_KEEP_SCRATCH` is set, to look into a failure: both standard errors, the session logs).
    func tearDown() {
        guard !torn else { return }
        torn = true
        // Each pane's command leads a process group of its own: the shell, `easy-connect` and `sleep`.
        let groups = ((try? runBlocking(["list-panes", "-a", "-F", "#{pane_pid}"])) ?? "").split(separator: "\n").compactMap { pid_t($0) }
        _ = try? runBlocking(["kill-server"])
        let deadline = Date().addingTimeInterval(2)
        for _ in 0..<100 where Date() < deadline && groups.contains(where: { kill(-$0, 0) == 0 }) { usleep(20_000) }
        for group in groups where kill(-group, 0) == 0 { kill(-group, SIGKILL) }
        if ProcessInfo.processInfo.environment["EC_KEEP_SCRATCH"] == nil { scratch.remove() }
    }

    /// `text` quoted for /bin/sh.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
