import Dispatch
import EasyConnect
import EasyConnectNetwork
import Foundation

/// What both sides of a shared terminal do alike: the status line's notice, commands carried out with any
/// refusal said there, the chat line typed in the status line, and the offered file waiting for Ctrl-] a
/// or Ctrl-] d.
final class SharedTerminalCommon {
    let session: EasyConnectSession
    /// The other side's name, escaped.
    let peerName: String
    /// What the keys mean.
    var keyboard: SharingKeyboard
    let clock = ContinuousClock()
    /// The notice shown in the status line, until when.
    private(set) var notice: (text: String, until: ContinuousClock.Instant)?
    private var offeredFile: UInt32?
    /// One timer, moved to the earliest deadline asked for: it delivers `.terminal(.due)`.
    private let timer: any DispatchSourceTimer
    private var timerDeadline: ContinuousClock.Instant?

    init(session: EasyConnectSession, peerName: String, keyboard: SharingKeyboard, inbox: Inbox) {
        (self.session, self.peerName, self.keyboard) = (session, peerName, keyboard)
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.setEventHandler { inbox.post(.terminal(.due)) }
        timer.activate()
    }

    deinit { timer.cancel() }

    /// Asks for `.terminal(.due)` at `instant` (or earlier, if an earlier time was asked for already).
    func wake(at instant: ContinuousClock.Instant) {
        let now = clock.now
        if let timerDeadline, timerDeadline <= instant, timerDeadline > now { return }
        timerDeadline = instant
        let delay = max(.zero, instant - now)
        let nanoseconds = Int(delay.components.seconds) * 1_000_000_000 + Int(delay.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds))
    }

    /// The timer went off (`.terminal(.due)` arrived): the next `wake` sets it again.
    func timerFired() { timerDeadline = nil }

    /// Shows `text` in the status line for `seconds`.
    func say(_ text: String, seconds: Int = 6) {
        notice = (text, clock.now + .seconds(seconds))
    }

    /// Drops the notice once its time is over; returns when the current one ends.
    func expireNotice() -> ContinuousClock.Instant? {
        if let n = notice, clock.now >= n.until { notice = nil }
        return notice?.until
    }

    /// Carries out `command`; a refusal is said in the status line. True when it was carried out.
    @discardableResult
    func perform(_ command: EasyConnectCommand) async -> Bool {
        do {
            try await session.perform(command)
            return true
        } catch {
            say("Cannot do that: \(error.description)")
            return false
        }
    }

    /// The chat line's actions; false for the others (keys for the program, commands, the panic key).
    func chat(_ action: SharingKeyboard.Action) async -> Bool {
        switch action {
        case .chatEdited(let text): say("Chat: \(text)▏ (Enter sends, Esc cancels)", seconds: 600)
        case .chatSend(let text):
            await perform(.chat(text))
            say("You: \(text)")
        case .chatCancelled: say("Chat cancelled.")
        default: return false
        }
        return true
    }

    /// The commands both sides have after Ctrl-]: `c` chat, `a`/`d` answer a file offer, `q` end. False for
    /// another letter.
    func command(_ c: UInt8) async -> Bool {
        switch Character(UnicodeScalar(c)) {
        case "c":
            keyboard.startChat()
            say("Chat: ▏ (Enter sends, Esc cancels)", seconds: 600)
        case "a", "d":
            guard let id = offeredFile else {
                say("No file is waiting for an answer.")
                return true
            }
            offeredFile = nil
            await perform(c == UInt8(ascii: "a") ? .acceptFile(id) : .declineFile(id))
        case "q": await perform(.disconnect)
        default: return false
        }
        return true
    }

    /// The notices of events both sides show alike (chat, files); false for the others.
    func show(_ event: EasyConnectEvent) -> Bool {
        switch event {
        case .chat(let text): say("\(peerName): \(DisplayText.escaped(text))", seconds: 20)
        case .fileOffer(let id, let name, _, let bytes):
            offeredFile = id
            say("\(peerName) offers \(DisplayText.escaped(name)) (\(formatBytes(bytes))): Ctrl-] a accepts, Ctrl-] d declines.", seconds: 120)
        case .fileReceived(_, let path, _, _): say("Received \(DisplayText.escaped(path)).")
        case .fileFailed(_, _, let reason): say("A file transfer failed: \(DisplayText.escaped(reason))")
        default: return false
        }
        return true
    }
}

extension EasyConnectEvent {
    /// The shared terminal's own traffic (screen updates, keystrokes, window sizes), never shown as events.
    var isTerminalTraffic: Bool {
        switch self {
        case .terminalFrame, .terminalInput, .terminalWindow: true
        default: false
        }
    }
}
