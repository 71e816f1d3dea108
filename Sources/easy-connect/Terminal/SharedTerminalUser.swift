import Dispatch
import EasyConnect
import EasyConnectNetwork
import EasyConnectTerminal
import Foundation

/// The User's side of a shared terminal: the program runs in a pseudo-terminal, libvterm follows its
/// output, the User's own terminal shows the screen (with a status line), and frames of it leave for the
/// Helper at the pace the bandwidth level allows. Keys typed here go to the program, except the command
/// key (Ctrl-]) and, during Control Sharing, the panic key; the Helper's keys arrive as `terminalInput`.
///
/// Used from the runner's task only.
final class SharedTerminalUser {
    private let common: SharedTerminalCommon
    private var session: EasyConnectSession { common.session }
    private let inbox: Inbox
    private let pty: PseudoTerminal
    private let emulator: VTermEmulator
    private var differ: ScreenDiffer
    private var renderer = TerminalRenderer()
    private let policy: TerminalSharingPolicy
    /// The User's terminal, when standard input and output are one.
    private let local: LocalTerminal?
    private var localWindow: TerminalSize
    private var helperWindow: TerminalSize?
    private var helperName: String { common.peerName }
    private var clock: ContinuousClock { common.clock }
    private var lastFrame: ContinuousClock.Instant?
    private var lastRender: ContinuousClock.Instant?
    private var frameWanted = true
    private var renderWanted = true
    private var lastResize: ContinuousClock.Instant?
    private var resizeWanted = false
    private(set) var controlShared = false
    private var controlAsked = false
    private var paused = false
    private(set) var ended = false
    /// Bytes of frames handed to the session, and frames, since the start.
    private(set) var frameBytes = 0
    private(set) var frames = 0

    /// The largest frame body a session record carries (1 MiB records, less the message's own bytes).
    static let largestFrame = (1 << 20) - 64

    /// Least time between two drawings of the User's own terminal while output pours in.
    static let renderInterval = Duration.milliseconds(16)

    /// Starts `request`'s program and shows it (on standard output when it is a terminal and `showLocally`);
    /// throws when it cannot start.
    init(request: TerminalSharingRequest, session: EasyConnectSession, inbox: Inbox, helperName: String, showLocally: Bool = true) throws(PseudoTerminal.StartError) {
        common = SharedTerminalCommon(session: session, peerName: helperName, keyboard: SharingKeyboard(panicKey: request.panicKey), inbox: inbox)
        self.inbox = inbox
        policy = TerminalSharingPolicy(request.bandwidth)
        differ = ScreenDiffer(reducesColours: policy.reducesColours)
        let terminal = LocalTerminal()
        if showLocally, terminal.isTerminal, let size = terminal.size {
            local = terminal
            localWindow = Self.usable(size)
        } else {
            local = nil
            localWindow = request.headlessSize
        }
        emulator = VTermEmulator(size: localWindow)
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        environment["EASY_CONNECT_SHARED"] = "1"
        // The program runs with the User's rights, not with the session's secrets.
        for secret in ["EASY_CONNECT_PASSWORD", "EASY_CONNECT_FILE_PASSWORD"] { environment[secret] = nil }
        pty = try PseudoTerminal(arguments: request.arguments, size: localWindow, environment: environment)
        local?.enter()
        inbox.setRawInput(local != nil)
        startReading()
        say("Sharing this terminal with \(helperName). Ctrl-] ? lists the keys.")
        refresh()
    }

    /// The rows and columns a window of `size` shows above its status line, within `TerminalSize.maximum`.
    static func usable(_ size: TerminalSize) -> TerminalSize {
        TerminalSize(rows: min(max(1, size.rows - 1), TerminalSize.maximum.rows), columns: min(max(1, size.columns), TerminalSize.maximum.columns))
    }

    /// Most bytes of the Helper's keystrokes waiting for the program; more are dropped (and the Helper told).
    static let helperInputLimit = 64 << 10
    /// Least time between two resizes of the shared screen (a Helper changing its window size in a loop
    /// must not make the program redraw without end).
    static let resizeInterval = Duration.milliseconds(100)

    /// The shared screen's size.
    var sharedSize: TerminalSize { emulator.screen.size }
    /// The shared screen as the program drew it.
    var screen: TerminalScreen { emulator.screen }

    /// Reads the program's output on a thread of its own, at most a few reads ahead of the runner: a
    /// program that prints faster than the screen is shared waits, as it would for a slow terminal.
    private func startReading() {
        let pty = self.pty
        let inbox = self.inbox
        // Created at 0 and raised to 4: libdispatch refuses to free a semaphore below its initial value.
        let window = DispatchSemaphore(value: 0)
        for _ in 0..<4 { window.signal() }
        let thread = Thread {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
            defer { buffer.deallocate() }
            while true {
                window.wait()
                let n = pty.read(into: buffer)
                guard n > 0 else { break }
                inbox.post(.terminal(.output(Array(buffer[0..<n]), done: { window.signal() })))
            }
            inbox.post(.terminal(.outputEnded))
        }
        thread.name = "easy-connect shared terminal"
        thread.start()
    }

    // MARK: - Inputs

    /// Output of the program.
    func output(_ bytes: [UInt8]) async {
        emulator.write(bytes)
        let replies = emulator.takeReplies()
        if !replies.isEmpty { pty.write(replies) }
        frameWanted = true
        renderWanted = true
        await flush()
    }

    /// The program ended: tell the Helper. Returns the sentence saying how it ended.
    func programEnded() async -> String {
        let how = pty.wait(upTo: .seconds(2))
        await flush(force: true)
        _ = try? await session.perform(.terminalClosed("the program \(how)"))
        return how
    }

    /// Keys the User typed.
    func keys(_ bytes: [UInt8]) async {
        for action in common.keyboard.interpret(bytes, panicArmed: controlShared) {
            if await common.chat(action) { continue }
            switch action {
            case .program(let b): pty.write(b)
            case .panic:
                // At once, before the session hears of it: no key of the Helper's still queued runs.
                takeControlBack()
                await common.perform(.panic)
            case .command(let c): await command(c)
            default: break
            }
        }
        refresh()
    }

    private func command(_ c: UInt8) async {
        if await common.command(c) { return }
        switch Character(UnicodeScalar(c)) {
        case "y":
            if controlAsked { await common.perform(.grantControl) } else { say("\(helperName) has not asked for control.") }
        case "n":
            if controlAsked { await common.perform(.denyControl) } else { say("\(helperName) has not asked for control.") }
        case "t":
            if controlShared {
                takeControlBack()
                await common.perform(.giveUpControl)
            } else {
                say("\(helperName) does not have control.")
            }
        case "p": await common.perform(paused ? .resume : .pause)
        default:
            let panic = common.keyboard.panicKey
            say(
                "Ctrl-] then: y/n answer a request for control · t take control back · \(panic == .none ? "" : "\(panic.name) (panic) takes it back at once · ")p pause/resume · c chat · a/d accept/decline a file · e literal Esc · q end",
                seconds: 15)
        }
    }

    /// An event of the session, shown in the status line (the runner shows none while the terminal is shared).
    func handle(_ event: EasyConnectEvent) async {
        switch event {
        case .terminalInput(let bytes):
            // Written only while this side knows control is shared and sharing is not paused: keys that
            // crossed the panic key, or typed blind during a pause, are dropped.
            if !controlShared || paused {
                say("\(helperName) typed \(paused ? "during the pause" : "without control"): ignored.")
            } else if !pty.write(bytes, limit: Self.helperInputLimit) {
                say("\(helperName) typed more than the program reads: keys dropped.")
            }
        case .terminalInputIgnored: say("\(helperName) typed without control: ignored.")
        case .terminalWindow(let size):
            helperWindow = TerminalSize(rows: min(size.rows, TerminalSize.maximum.rows), columns: min(size.columns, TerminalSize.maximum.columns))
            await resizeShared()
        case .controlRequested:
            controlAsked = true
            say("\(helperName) asks for control of this terminal: Ctrl-] y allows, Ctrl-] n refuses.", seconds: 120)
        case .controlGranted:
            controlAsked = false
            controlShared = true
            say("\(helperName) shares control. \(common.keyboard.panicKey == .none ? "Ctrl-] t" : common.keyboard.panicKey.name) takes it back at once.", seconds: 8)
        case .controlDenied:
            controlAsked = false
            say("You refused control to \(helperName).")
        case .controlEnded(let reason):
            if controlShared { takeControlBack() }
            switch reason {
            case .panic: say("Panic key: control taken back; \(helperName) can only watch.")
            case .userTookBack: say("You took control back.")
            case .helperGaveUp: say("\(helperName) gave control back.")
            }
        case .paused:
            paused = true
            say("Paused: \(helperName) sees nothing until Ctrl-] p.", seconds: 3600)
        case .resumed:
            paused = false
            differ.reset()
            frameWanted = true
            say("Sharing resumed.")
        default: _ = common.show(event)
        }
        renderWanted = true
        await flush()
    }

    /// The local window changed size.
    func windowChanged() async {
        guard let local, let size = local.size else { return }
        localWindow = Self.usable(size)
        renderer.invalidate()
        renderWanted = true
        await resizeShared()
    }

    private func resizeShared() async {
        let shared = helperWindow.map { localWindow.fitting($0) } ?? localWindow
        if shared != emulator.screen.size, let last = lastResize, clock.now < last + Self.resizeInterval {
            wake(at: last + Self.resizeInterval)
            resizeWanted = true
        } else if shared != emulator.screen.size {
            lastResize = clock.now
            resizeWanted = false
            emulator.resize(to: shared)
            pty.resize(to: shared)
            frameWanted = true
            renderWanted = true
        }
        await flush()
    }

    /// A timer set by the pacing went off.
    func due() async {
        common.timerFired()
        if resizeWanted { await resizeShared() }
        await flush()
    }

    /// Control ends here and now: the Helper's keys not yet read by the program are dropped.
    private func takeControlBack() {
        controlShared = false
        pty.discardPendingInput()
    }

    // MARK: - Output

    private func say(_ text: String, seconds: Int = 6) {
        common.say(text, seconds: seconds)
        renderWanted = true
    }

    /// Shows `text` in the status line for a while.
    func note(_ text: String) {
        say(text, seconds: 10)
        refresh()
    }

    private func refresh() {
        renderWanted = true
        renderLocal(force: true)
    }

    /// Draws the local screen and sends a frame, each when its pace allows; otherwise sets a timer.
    private func flush(force: Bool = false) async {
        renderLocal(force: force)
        await sendFrame(force: force)
    }

    private func renderLocal(force: Bool) {
        let now = clock.now
        guard renderWanted, let local, !ended else { return }
        if !force, let last = lastRender, now < last + Self.renderInterval {
            wake(at: last + Self.renderInterval)
            return
        }
        let noticeEnds = common.expireNotice()
        local.write(renderer.render(emulator.screen, window: TerminalSize(rows: localWindow.rows + 1, columns: localWindow.columns), status: status))
        lastRender = now
        renderWanted = false
        if let noticeEnds {
            renderWanted = true  // drawn again when the notice goes
            wake(at: noticeEnds)
        }
    }

    private func sendFrame(force: Bool) async {
        guard frameWanted, !paused, !ended else { return }
        let now = clock.now
        let small = differ.isSmallChange(for: emulator.screen)
        let interval = Duration.nanoseconds(Int64((small ? policy.smallFrameInterval : policy.frameInterval).nanoseconds))
        if !force, let last = lastFrame, now < last + interval {
            wake(at: last + interval)
            return
        }
        let screen = emulator.screen
        guard let frame = differ.pendingFrame(for: screen) else {
            frameWanted = false
            return
        }
        var encoding: FrameEncoding = policy.compresses ? .deflate : .plain
        var body = FrameCompression.encode(frame, as: encoding)
        if encoding == .plain, body.count > Self.largestFrame {
            // A screen full of colours can outgrow a record: compressed, it fits.
            encoding = .deflate
            body = FrameCompression.encode(frame, as: .deflate)
        }
        guard body.count <= Self.largestFrame else {
            say("This screen is too large to share (\(body.count) bytes compressed); the helper sees it again once it changes.")
            differ.reset()
            frameWanted = false
            return
        }
        do {
            try await session.perform(.terminalFrame(encoding: encoding, body: body))
            differ.commit(screen)
            lastFrame = now
            frameWanted = false
            frameBytes += body.count
            frames += 1
        } catch {
            // The link is busy (or sharing was just paused): a newer frame goes later, from what was sent.
            wake(at: now + .milliseconds(20))
        }
    }

    private func wake(at instant: ContinuousClock.Instant) { common.wake(at: instant) }

    private var status: String {
        // The notice last: a long one is cut at the window's edge, the state and sizes stay.
        var parts = ["Easy Connect", "\(helperName) \(paused ? "sees nothing (paused)" : controlShared ? "shares control" : "watches")"]
        let shared = emulator.screen.size
        if shared != localWindow { parts.append("\(shared) (\(helperName)'s window is smaller)") }
        parts.append(common.notice?.text ?? "Ctrl-] ? keys")
        return " " + parts.joined(separator: " · ")
    }

    /// Gives the terminal back: the program gets SIGHUP, the local terminal its mode and screen.
    func stop() {
        guard !ended else { return }
        ended = true
        pty.hangUp()
        inbox.setRawInput(false)
        local?.restore()
    }
}
