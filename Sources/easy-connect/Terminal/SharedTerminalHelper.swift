import EasyConnect
import EasyConnectNetwork
import EasyConnectTerminal
import Foundation

/// The Helper's view of the User's shared terminal: frames are applied to a `TerminalScreen`, drawn on the
/// Helper's terminal with a status line; keys go to the User's program in Control Sharing only, and the
/// command key (Ctrl-]) asks for control, gives it up, chats or ends. Without a terminal (scripts,
/// `--json`), the screen is reported as `screen` events instead.
///
/// Used from the runner's task only.
final class SharedTerminalHelper {
    private let session: EasyConnectSession
    private let inbox: Inbox
    private let console: Console
    private let userName: String
    private(set) var screen = TerminalScreen(size: TerminalSize(rows: 24, columns: 80))
    private var renderer = TerminalRenderer()
    private var keyboard = SharingKeyboard(panicKey: .none)
    private let local: LocalTerminal?
    private var window: TerminalSize
    private var received = false
    private var controlShared = false
    private var controlAsked = false
    private var paused = false
    private var programEnded: String?
    private var offeredFile: UInt32?
    private var notice: (text: String, until: ContinuousClock.Instant)?
    private let clock = ContinuousClock()
    private var lastScreenEvent: ContinuousClock.Instant?
    private var screenEventDue = false
    private var dueAt: ContinuousClock.Instant?
    private var active = false
    private(set) var ended = false

    /// Least time between two `screen` events.
    static let screenEventInterval = Duration.milliseconds(200)

    /// A view of `userName`'s terminal; it takes over the local terminal at the first frame.
    init(session: EasyConnectSession, inbox: Inbox, console: Console, userName: String) {
        self.session = session
        self.inbox = inbox
        self.console = console
        self.userName = userName
        let terminal = LocalTerminal()
        if !console.json, terminal.isTerminal, let size = terminal.size {
            local = terminal
            window = TerminalSize(rows: max(1, size.rows - 1), columns: size.columns)
        } else {
            local = nil
            window = TerminalSize(rows: 24, columns: 80)
        }
    }

    /// True once the User shares a terminal and it is shown here.
    var isShowing: Bool { active && !ended }

    /// Tells the User how large a screen this window shows (at the start and when it changes).
    func announceWindow() async {
        guard local != nil else { return }
        _ = try? await session.perform(.terminalWindow(window))
    }

    /// An event of the session. Returns true when the shared terminal took care of it (nothing else to show).
    func handle(_ event: EasyConnectEvent) async -> Bool {
        switch event {
        case .terminalFrame(let encoding, let body):
            let frame: ScreenFrame
            do {
                frame = try FrameCompression.decode(body, encoding: encoding)
            } catch {
                await leave("the screen update could not be read (\(error.description)); the session ends")
                _ = try? await session.perform(.disconnect)
                return true
            }
            guard frame.apply(to: &screen) else {
                await leave("a screen update did not fit the screen; the session ends")
                _ = try? await session.perform(.disconnect)
                return true
            }
            received = true
            if !active { begin() }
            show()
            return true
        case .terminalClosed(let reason):
            programEnded = reason
            say("\(userName)'s shared terminal ended: \(DisplayText.escaped(reason)).", seconds: 3600)
            show()
            return local != nil
        case .paused:
            paused = true
            show()
            return active && local != nil
        case .resumed:
            paused = false
            say("\(userName) resumed sharing.")
            show()
            return active && local != nil
        default:
            break
        }
        guard active, local != nil else { return false }
        switch event {
        case .controlGranted:
            controlAsked = false
            controlShared = true
            say("\(userName) gave you control: your keys reach their terminal. Ctrl-] g gives it back.", seconds: 10)
        case .controlDenied:
            controlAsked = false
            say("\(userName) refused control.")
        case .controlEnded(let reason):
            controlShared = false
            switch reason {
            case .panic: say("\(userName) pressed the panic key: control taken back.")
            case .userTookBack: say("\(userName) took control back.")
            case .helperGaveUp: say("You gave control back.")
            }
        case .chat(let text): say("\(userName): \(DisplayText.escaped(text))", seconds: 20)
        case .fileOffer(let id, let name, _, let bytes):
            offeredFile = id
            say("\(userName) offers \(DisplayText.escaped(name)) (\(formatBytes(bytes))): Ctrl-] a accepts, Ctrl-] d declines.", seconds: 120)
        case .fileReceived(_, let path, _, _): say("Received \(DisplayText.escaped(path)).")
        case .fileFailed(_, _, let reason): say("A file transfer failed: \(DisplayText.escaped(reason))")
        case .disconnected: return false
        default: break
        }
        show()
        return true
    }

    private func begin() {
        active = true
        guard let local else { return }
        local.enter()
        inbox.setRawInput(true)
        say("You see \(userName)'s terminal. Ctrl-] r asks for control, Ctrl-] ? lists the keys.", seconds: 10)
    }

    /// Keys the Helper typed.
    func keys(_ bytes: [UInt8]) async {
        guard isShowing else { return }
        for action in keyboard.interpret(bytes, panicArmed: false) {
            switch action {
            case .program(let b):
                if controlShared {
                    do {
                        try await session.perform(.terminalInput(b))
                    } catch {
                        say("Not sent: \(error.description)")
                    }
                } else {
                    say("View only: Ctrl-] r asks \(userName) for control.")
                }
            case .command(let c): await command(c)
            case .chatEdited(let text): say("Chat: \(text)▏ (Enter sends, Esc cancels)", seconds: 600)
            case .chatSend(let text):
                await perform(.chat(text))
                say("You: \(text)")
            case .chatCancelled: say("Chat cancelled.")
            case .panic: break
            }
        }
        show()
    }

    private func command(_ c: UInt8) async {
        switch Character(UnicodeScalar(c)) {
        case "r":
            if controlShared {
                say("You already have control.")
            } else if await perform(.requestControl) {
                controlAsked = true
                say("Asked \(userName) for control; waiting for the answer.", seconds: 120)
            }
        case "g":
            if controlShared { await perform(.giveUpControl) } else { say("You do not have control.") }
        case "c":
            keyboard.startChat()
            say("Chat: ▏ (Enter sends, Esc cancels)", seconds: 600)
        case "a", "d":
            guard let id = offeredFile else {
                say("No file is waiting for an answer.")
                return
            }
            offeredFile = nil
            await perform(c == UInt8(ascii: "a") ? .acceptFile(id) : .declineFile(id))
        case "q": await perform(.disconnect)
        default:
            say("Ctrl-] then: r ask for control · g give it back · c chat · a/d accept/decline a file · ] a literal Ctrl-] · q end", seconds: 15)
        }
    }

    @discardableResult
    private func perform(_ command: EasyConnectCommand) async -> Bool {
        do {
            try await session.perform(command)
            return true
        } catch {
            say("Cannot do that: \(error.description)")
            return false
        }
    }

    /// The local window changed size.
    func windowChanged() async {
        guard let local, let size = local.size else { return }
        window = TerminalSize(rows: max(1, size.rows - 1), columns: size.columns)
        renderer.invalidate()
        await announceWindow()
        show()
    }

    /// A timer went off (a notice expired, a `screen` event is due).
    func due() {
        dueAt = nil
        show()
    }

    private func say(_ text: String, seconds: Int = 6) {
        notice = (text, clock.now + .seconds(seconds))
    }

    /// What is shown: the User's screen, or a notice in its place while paused.
    private var shown: TerminalScreen {
        guard paused else { return screen }
        var blank = TerminalScreen(size: screen.size)
        let text = "\(userName) paused screen sharing"
        let row = screen.size.rows / 2
        for (i, ch) in text.prefix(screen.size.columns).enumerated() {
            blank.put(String(ch), width: 1, row: row, column: i, style: TerminalStyle(flags: TerminalStyle.reverse, underline: 0, foreground: .default, background: .default))
        }
        blank.cursor.isVisible = false
        return blank
    }

    private func show() {
        guard active, !ended else { return }
        let now = clock.now
        if let n = notice, now >= n.until { notice = nil }
        if let local {
            local.write(renderer.render(shown, window: TerminalSize(rows: window.rows + 1, columns: window.columns), status: status))
            if let n = notice { wake(at: n.until) }
        } else {
            // Scripts: the screen as text, at most every `screenEventInterval`.
            if let last = lastScreenEvent, now < last + Self.screenEventInterval {
                screenEventDue = true
                wake(at: last + Self.screenEventInterval)
                return
            }
            screenEventDue = false
            lastScreenEvent = now
            console.emit(screenEvent)
        }
    }

    /// The `screen` event: the shared screen as text rows, its size and the cursor.
    var screenEvent: [String: JSONValue] {
        let s = shown
        return [
            "event": .string("screen"), "rows": .unsigned(UInt64(s.size.rows)), "columns": .unsigned(UInt64(s.size.columns)),
            "lines": .array(s.text.map { .string($0) }),
            "cursor": .object(["row": .unsigned(UInt64(s.cursor.row)), "column": .unsigned(UInt64(s.cursor.column)), "visible": .bool(s.cursor.isVisible)]),
            "paused": .bool(paused), "control": .bool(controlShared),
        ]
    }

    private func wake(at instant: ContinuousClock.Instant) {
        if let dueAt, dueAt <= instant, dueAt > clock.now { return }
        dueAt = instant
        inbox.post(.terminal(.due), after: max(.zero, instant - clock.now))
    }

    private var status: String {
        // The notice first: the end of a long status is cut at the window's edge.
        var parts = ["Easy Connect", "\(userName)'s terminal", paused ? "paused" : controlShared ? "you have control" : controlAsked ? "control asked" : "view only", notice?.text ?? "Ctrl-] ? keys"]
        if screen.size.rows < window.rows || screen.size.columns < window.columns, received {
            parts.append("\(screen.size) (\(userName)'s window is smaller)")
        } else if screen.size.rows > window.rows || screen.size.columns > window.columns {
            parts.append("\(screen.size) (your window is smaller: part is cut)")
        }
        return " " + parts.joined(separator: " · ")
    }

    private func leave(_ why: String) async {
        stop()
        console.err("\(console.command): \(why)")
    }

    /// Gives the terminal back (the last `screen` event first, for scripts).
    func stop() {
        guard !ended else { return }
        if local == nil, active, screenEventDue { console.emit(screenEvent) }
        ended = true
        inbox.setRawInput(false)
        local?.restore()
    }
}
