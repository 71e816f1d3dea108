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
    private let common: SharedTerminalCommon
    private var session: EasyConnectSession { common.session }
    private let inbox: Inbox
    private let console: Console
    private var userName: String { common.peerName }
    private(set) var screen = TerminalScreen(size: TerminalSize(rows: 24, columns: 80))
    private var renderer = TerminalRenderer()
    private let local: LocalTerminal?
    private var window: TerminalSize
    private var received = false
    private var controlShared = false
    private var controlAsked = false
    private var paused = false
    private var programEnded: String?
    private var clock: ContinuousClock { common.clock }
    private var lastScreenEvent: ContinuousClock.Instant?
    private var screenEventDue = false
    private var active = false
    private(set) var ended = false

    /// Least time between two `screen` events.
    static let screenEventInterval = Duration.milliseconds(200)

    /// A view of `userName`'s terminal; it takes over the local terminal at the first frame.
    init(session: EasyConnectSession, inbox: Inbox, console: Console, userName: String) {
        common = SharedTerminalCommon(session: session, peerName: userName, keyboard: SharingKeyboard(panicKey: .none), inbox: inbox)
        self.inbox = inbox
        self.console = console
        let terminal = LocalTerminal()
        if !console.json, terminal.isTerminal, let size = terminal.size {
            local = terminal
            window = SharedTerminalUser.usable(size)
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
        // Once given back, the terminal is never taken again (a frame queued behind a bad one, say).
        guard !ended else { return event.isTerminalTraffic }
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
        case .disconnected: return false
        default: _ = common.show(event)
        }
        show()
        return true
    }

    private func begin() {
        guard !ended else { return }
        active = true
        guard let local else { return }
        local.enter()
        inbox.setRawInput(true)
        say("You see \(userName)'s terminal. Ctrl-] r asks for control, Ctrl-] ? lists the keys.", seconds: 10)
    }

    /// Keys the Helper typed.
    func keys(_ bytes: [UInt8]) async {
        guard isShowing else { return }
        for action in common.keyboard.interpret(bytes, panicArmed: false) {
            if await common.chat(action) { continue }
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
            default: break
            }
        }
        show()
    }

    private func command(_ c: UInt8) async {
        if await common.command(c) { return }
        switch Character(UnicodeScalar(c)) {
        case "r":
            if controlShared {
                say("You already have control.")
            } else if await common.perform(.requestControl) {
                controlAsked = true
                say("Asked \(userName) for control; waiting for the answer.", seconds: 120)
            }
        case "g":
            if controlShared { await common.perform(.giveUpControl) } else { say("You do not have control.") }
        default:
            say("Ctrl-] then: r ask for control · g give it back · c chat · a/d accept/decline a file · Ctrl-] twice a literal Ctrl-] · q end", seconds: 15)
        }
    }

    /// The local window changed size.
    func windowChanged() async {
        guard let local, let size = local.size else { return }
        window = SharedTerminalUser.usable(size)
        renderer.invalidate()
        await announceWindow()
        show()
    }

    /// A timer went off (a notice expired, a `screen` event is due).
    func due() {
        common.timerFired()
        show()
    }

    private func say(_ text: String, seconds: Int = 6) {
        common.say(text, seconds: seconds)
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
        let noticeEnds = common.expireNotice()
        if let local {
            local.write(renderer.render(shown, window: TerminalSize(rows: window.rows + 1, columns: window.columns), status: status))
            if let noticeEnds { wake(at: noticeEnds) }
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

    private func wake(at instant: ContinuousClock.Instant) { common.wake(at: instant) }

    private var status: String {
        // The notice last: a long one is cut at the window's edge, the state and sizes stay.
        var parts = ["Easy Connect", "\(userName)'s terminal", paused ? "paused" : controlShared ? "you have control" : controlAsked ? "control asked" : "view only"]
        if screen.size.rows < window.rows || screen.size.columns < window.columns, received {
            parts.append("\(screen.size) (\(userName)'s window is smaller)")
        } else if screen.size.rows > window.rows || screen.size.columns > window.columns {
            parts.append("\(screen.size) (your window is smaller: part is cut)")
        }
        parts.append(common.notice?.text ?? "Ctrl-] ? keys")
        return " " + parts.joined(separator: " · ")
    }

    private func leave(_ why: String) async {
        stop()
        console.err("\(console.command): \(why)")
    }

    /// Gives the terminal back (the last `screen` event first, for scripts).
    func stop() {
        if !ended, local == nil, active, screenEventDue { console.emit(screenEvent) }
        ended = true
        // Both are idempotent: whatever happened before, the terminal is given back.
        inbox.setRawInput(false)
        local?.restore()
    }
}
