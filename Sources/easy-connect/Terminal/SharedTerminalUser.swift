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
    private let session: EasyConnectSession
    private let inbox: Inbox
    private let pty: PseudoTerminal
    private let emulator: VTermEmulator
    private var differ: ScreenDiffer
    private var renderer = TerminalRenderer()
    private let policy: TerminalSharingPolicy
    private var keyboard: SharingKeyboard
    /// The User's terminal, when standard input and output are one.
    private let local: LocalTerminal?
    private var localWindow: TerminalSize
    private var helperWindow: TerminalSize?
    private let helperName: String
    private let clock = ContinuousClock()
    private var lastFrame: ContinuousClock.Instant?
    private var lastRender: ContinuousClock.Instant?
    private var frameWanted = true
    private var renderWanted = true
    private var dueAt: ContinuousClock.Instant?
    private var notice: (text: String, until: ContinuousClock.Instant)?
    /// When the timer set for the notice goes off.
    private var noticeTimer: ContinuousClock.Instant?
    private(set) var controlShared = false
    private var controlAsked = false
    private var paused = false
    private var offeredFile: UInt32?
    private(set) var ended = false
    /// Bytes of frames handed to the session, and frames, since the start.
    private(set) var frameBytes = 0
    private(set) var frames = 0

    /// Least time between two drawings of the User's own terminal while output pours in.
    static let renderInterval = Duration.milliseconds(16)

    /// Starts `request`'s program and shows it (on standard output when it is a terminal and `showLocally`);
    /// throws when it cannot start.
    init(request: TerminalSharingRequest, session: EasyConnectSession, inbox: Inbox, helperName: String, showLocally: Bool = true) throws(PseudoTerminal.StartError) {
        self.session = session
        self.inbox = inbox
        self.helperName = helperName
        policy = TerminalSharingPolicy(request.bandwidth)
        differ = ScreenDiffer(reducesColours: policy.reducesColours)
        keyboard = SharingKeyboard(panicKey: request.panicKey)
        let terminal = LocalTerminal()
        if showLocally, terminal.isTerminal, let size = terminal.size {
            local = terminal
            localWindow = TerminalSize(rows: max(1, size.rows - 1), columns: size.columns)
        } else {
            local = nil
            localWindow = request.headlessSize
        }
        emulator = VTermEmulator(size: localWindow)
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        environment["EASY_CONNECT_SHARED"] = "1"
        pty = try PseudoTerminal(arguments: request.arguments, size: localWindow, environment: environment)
        local?.enter()
        inbox.setRawInput(local != nil)
        startReading()
        say("Sharing this terminal with \(helperName). Ctrl-] ? lists the keys.")
        refresh()
    }

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
        for action in keyboard.interpret(bytes, panicArmed: controlShared) {
            switch action {
            case .program(let b): pty.write(b)
            case .panic:
                await perform(.panic)
            case .command(let c): await command(c)
            case .chatEdited(let text): say("Chat: \(text)▏ (Enter sends, Esc cancels)", seconds: 600)
            case .chatSend(let text):
                await perform(.chat(text))
                say("You: \(text)")
            case .chatCancelled: say("Chat cancelled.")
            }
        }
        refresh()
    }

    private func command(_ c: UInt8) async {
        switch Character(UnicodeScalar(c)) {
        case "y":
            if controlAsked { await perform(.grantControl) } else { say("\(helperName) has not asked for control.") }
        case "n":
            if controlAsked { await perform(.denyControl) } else { say("\(helperName) has not asked for control.") }
        case "t":
            if controlShared { await perform(.giveUpControl) } else { say("\(helperName) does not have control.") }
        case "p": await perform(paused ? .resume : .pause)
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
            say(
                "Ctrl-] then: y/n answer a request for control · t take control back · \(keyboard.panicKey == .none ? "" : "\(keyboard.panicKey.name) (panic) takes it back at once · ")p pause/resume · c chat · a/d accept/decline a file · e literal Esc · q end",
                seconds: 15)
        }
    }

    private func perform(_ command: EasyConnectCommand) async {
        do {
            try await session.perform(command)
        } catch {
            say("Cannot do that: \(error.description)")
        }
    }

    /// An event of the session, shown in the status line (the runner shows none while the terminal is shared).
    func handle(_ event: EasyConnectEvent) async {
        switch event {
        case .terminalInput(let bytes): pty.write(bytes)
        case .terminalInputIgnored: say("\(helperName) typed without control: ignored.")
        case .terminalWindow(let size):
            helperWindow = size
            await resizeShared()
        case .controlRequested:
            controlAsked = true
            say("\(helperName) asks for control of this terminal: Ctrl-] y allows, Ctrl-] n refuses.", seconds: 120)
        case .controlGranted:
            controlAsked = false
            controlShared = true
            say("\(helperName) shares control. \(keyboard.panicKey == .none ? "Ctrl-] t" : keyboard.panicKey.name) takes it back at once.", seconds: 8)
        case .controlDenied:
            controlAsked = false
            say("You refused control to \(helperName).")
        case .controlEnded(let reason):
            controlShared = false
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
        case .chat(let text): say("\(helperName): \(DisplayText.escaped(text))", seconds: 20)
        case .fileOffer(let id, let name, _, let bytes):
            offeredFile = id
            say("\(helperName) offers \(DisplayText.escaped(name)) (\(formatBytes(bytes))): Ctrl-] a accepts, Ctrl-] d declines.", seconds: 120)
        case .fileReceived(_, let path, _, _): say("Received \(DisplayText.escaped(path)).")
        case .fileFailed(_, _, let reason): say("A file transfer failed: \(DisplayText.escaped(reason))")
        default: break
        }
        await flush()
    }

    /// The local window changed size.
    func windowChanged() async {
        guard let local, let size = local.size else { return }
        localWindow = TerminalSize(rows: max(1, size.rows - 1), columns: size.columns)
        renderer.invalidate()
        renderWanted = true
        await resizeShared()
    }

    private func resizeShared() async {
        let shared = helperWindow.map { localWindow.fitting($0) } ?? localWindow
        if shared != emulator.screen.size {
            emulator.resize(to: shared)
            pty.resize(to: shared)
            frameWanted = true
            renderWanted = true
        }
        await flush()
    }

    /// A timer set by the pacing went off.
    func due() async {
        dueAt = nil
        await flush()
    }

    // MARK: - Output

    private func say(_ text: String, seconds: Int = 6) {
        notice = (text, clock.now + .seconds(seconds))
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
        // A notice whose time is up changes the status line: its own timer (one per notice, apart from the
        // pacing's) brings us here with nothing else to draw.
        if let n = notice, now >= n.until {
            notice = nil
            renderWanted = true
        }
        if let n = notice, local != nil, !ended, noticeTimer != n.until {
            noticeTimer = n.until
            inbox.post(.terminal(.due), after: max(.zero, n.until - now))
        }
        guard renderWanted, let local, !ended else { return }
        if !force, let last = lastRender, now < last + Self.renderInterval {
            wake(at: last + Self.renderInterval)
            return
        }
        local.write(renderer.render(emulator.screen, window: TerminalSize(rows: localWindow.rows + 1, columns: localWindow.columns), status: status))
        lastRender = now
        renderWanted = false
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
        guard let frame = differ.frame(for: emulator.screen) else {
            frameWanted = false
            return
        }
        let encoding: FrameEncoding = policy.compresses ? .deflate : .plain
        let body = FrameCompression.encode(frame, as: encoding)
        do {
            try await session.perform(.terminalFrame(encoding: encoding, body: body))
            lastFrame = now
            frameWanted = false
            frameBytes += body.count
            frames += 1
        } catch {
            // The link is busy (or sharing was just paused): the next frame starts from scratch.
            differ.reset()
            wake(at: now + .milliseconds(20))
        }
    }

    private func wake(at instant: ContinuousClock.Instant) {
        if let dueAt, dueAt <= instant { return }
        dueAt = instant
        inbox.post(.terminal(.due), after: max(.zero, instant - clock.now))
    }

    private var status: String {
        var parts = ["Easy Connect", "\(helperName) \(paused ? "sees nothing (paused)" : controlShared ? "shares control" : "watches")"]
        let shared = emulator.screen.size
        if shared != localWindow { parts.append("\(shared) (\(helperName)'s window is smaller)") }
        parts.append(notice?.text ?? "Ctrl-] ? keys")
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
