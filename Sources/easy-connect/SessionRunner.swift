import EasyConnect
import EasyConnectNetwork
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Drives a started session to its end: shows its events (as sentences, or as JSON lines), carries out what
/// the person or script types, ends it gracefully on a signal, then lets the name service go (an embedded
/// node revokes its names and saves its cache) and returns how it ended (its `exitStatus` is the command's).
struct SessionRunner {
    /// The session.
    let session: EasyConnectSession
    /// Where the invitation is published or looked up, closed at the end; nil for an invitation file.
    let names: NameServiceConnection?
    /// Output.
    let console: Console
    /// Input, signals and events.
    let inbox: Inbox
    /// The User's `invitation.lock`, which tells a second `invite` what this one is doing.
    let invitationLock: FileLock?
    /// Where the other side is kept as a contact once the session starts (nil: not kept).
    var contacts: ContactBook?
    /// How long to wait for the session to end once asked to.
    var endGrace = Duration.seconds(8)
    /// User: the settings' answer to every request for control (view-only sessions); nil lets the person
    /// answer.
    var controlRefusal: ControlRefusal?
    /// User: the terminal to share once the Helper is accepted (`--share-terminal`).
    var terminalRequest: TerminalSharingRequest?
    /// User: the shared terminal, while it runs.
    private var userTerminal: SharedTerminalUser?
    /// Helper: the view of the User's shared terminal.
    private var helperTerminal: SharedTerminalHelper?

    private var view: HumanView
    private var encoder = EventJSON()
    private var stopping = false
    /// A request for control was denied by `controlRefusal` and its `control-denied` event is still to come.
    private var refusingControl = false

    /// A runner for `session`.
    init(session: EasyConnectSession, names: NameServiceConnection?, console: Console, inbox: Inbox, invitationLock: FileLock?, downloadPath: String) {
        (self.session, self.names, self.console, self.inbox, self.invitationLock) = (session, names, console, inbox, invitationLock)
        view = HumanView(role: session.role, console: console, downloadPath: downloadPath)
    }

    /// Runs until the session ends; returns how it ended.
    mutating func run(_ items: inout AsyncStream<Inbox.Item>.Iterator) async -> SessionOutcome {
        inbox.forward(session.events)
        var outcome: SessionOutcome?
        loop: while let item = await items.next() {
            switch item {
            case .event(let event):
                if case .controlRequested = event, let controlRefusal {
                    userTerminal?.note("\(view.peer.map { DisplayText.escaped($0.displayName) } ?? "The helper") asked for control; refused: \(controlRefusal.local).")
                    if userTerminal == nil { show(event) }
                    await refuseControl(controlRefusal)
                    continue
                }
                if await terminalTakes(event) { continue }
                show(event)
                if case .disconnected(let ended) = event {
                    outcome = ended
                    break loop
                }
                if case .connected(let peer, _, _, _) = event { await startTerminal(peer) }
            case .keys(let bytes):
                if let userTerminal, !userTerminal.ended {
                    await userTerminal.keys(bytes)
                } else {
                    await helperTerminal?.keys(bytes)
                }
            case .terminal(let item):
                await terminal(item)
            case .line(let line):
                if console.json {
                    await handleJSON(line)
                } else {
                    await handleTyped(line)
                }
            case .inputEnded:
                // Scripts may close stdin in JSON mode; on a terminal, Ctrl-D means "quit".
                if !console.json, console.stdinIsTerminal { await stop(reason: "") }
            case .signal(let number):
                let name = number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : number == SIGHUP ? "SIGHUP" : "signal \(number)"
                console.err("\(console.command): \(name): ending the session")
                await stop(reason: "")
            case .deadline:
                guard stopping else { continue }
                let late = SessionOutcome(.internalError, "the session did not end within \(endGrace.components.seconds) seconds of being asked to")
                show(.disconnected(late))
                outcome = late
                break loop
            }
        }
        userTerminal?.stop()
        helperTerminal?.stop()
        console.clearProgress()
        let ended: SessionOutcome
        if let outcome {
            ended = outcome
        } else {
            // The session never said it ended: say it here, so that the last line is always `disconnected`.
            ended = SessionOutcome(.internalError, "the session's events stopped without an outcome")
            show(.disconnected(ended))
        }
        if let names { await bounded(.seconds(10)) { await names.close() } }
        await bounded(.seconds(5)) { [session] in _ = await session.outcome() }
        invitationLock?.release()
        return ended
    }

    /// Asks the session to end (withdrawing a waiting invitation) and waits a little for it.
    private mutating func stop(reason: String) async {
        guard !stopping else { return }
        stopping = true
        await session.end(reason: reason)
        inbox.wake(after: endGrace)
    }

    // MARK: - The shared terminal

    /// Starts sharing the terminal (User) or gets ready to show it (Helper) once the session starts.
    private mutating func startTerminal(_ peer: PeerIdentity) async {
        let name = DisplayText.escaped(peer.displayName)
        if session.role == .helper {
            let view = SharedTerminalHelper(session: session, inbox: inbox, console: console, userName: name)
            helperTerminal = view
            await view.announceWindow()
            return
        }
        guard let terminalRequest else { return }
        do {
            // A script (--json) keeps its standard input and output: the terminal is not shown there.
            userTerminal = try SharedTerminalUser(request: terminalRequest, session: session, inbox: inbox, helperName: name, showLocally: !console.json)
            if console.json { console.emit(["event": .string("terminal-shared"), "rows": .unsigned(UInt64(userTerminal!.sharedSize.rows)), "columns": .unsigned(UInt64(userTerminal!.sharedSize.columns))]) }
        } catch {
            console.err("\(console.command): cannot share the terminal: \(error.description); the session ends")
            await stop(reason: "the terminal could not be shared")
        }
    }

    /// Gives an event to the shared terminal; true when it took care of it.
    private mutating func terminalTakes(_ event: EasyConnectEvent) async -> Bool {
        if case .disconnected = event {
            userTerminal?.stop()
            helperTerminal?.stop()
            return false
        }
        let traffic = event.isTerminalTraffic
        if let userTerminal, !userTerminal.ended {
            await userTerminal.handle(event)
            // In JSON mode the events are also written (except the terminal's own traffic).
            return traffic || !console.json
        }
        if let helperTerminal {
            if await helperTerminal.handle(event) { return true }
        }
        return traffic && console.json
    }

    private mutating func terminal(_ item: Inbox.TerminalItem) async {
        switch item {
        case .output(let bytes, let done):
            if let userTerminal, !userTerminal.ended { await userTerminal.output(bytes) }
            done()
        case .outputEnded:
            guard let userTerminal, !userTerminal.ended else { return }
            let how = await userTerminal.programEnded()
            userTerminal.stop()
            if console.json {
                console.emit(["event": .string("terminal-closed"), "reason": .string("the program \(how)")])
            } else {
                console.out("The shared terminal ended (the program \(how)); ending the session.")
            }
            await stop(reason: "the shared terminal ended")
        case .due:
            if let userTerminal, !userTerminal.ended { await userTerminal.due() }
            helperTerminal?.due()
        case .windowChanged:
            if let userTerminal, !userTerminal.ended { await userTerminal.windowChanged() }
            await helperTerminal?.windowChanged()
        }
    }

    // MARK: - Events

    private mutating func show(_ event: EasyConnectEvent) {
        switch event {
        case .invitation(_, let expiresAt, _), .invitationFile(_, let expiresAt, _):
            invitationLock?.write("pid=\(getpid())\nexpires=\(expiresAt)\nstate=waiting\n")
        case .connected:
            invitationLock?.write("pid=\(getpid())\nstate=session\n")
        default:
            break
        }
        if console.json {
            var object = encoder.object(for: event)
            if case .controlDenied = event, refusingControl, let controlRefusal {
                refusingControl = false
                object["reason"] = .string(controlRefusal.local)
                object["by"] = .string("settings")
            }
            console.emit(object)
        } else if case .controlRequested = event, let controlRefusal {
            let who = view.peer.map { DisplayText.escaped($0.displayName) } ?? "The helper"
            console.out("\(who) asked to share control of your computer; refused automatically: \(controlRefusal.local).")
        } else if case .controlDenied = event, refusingControl {
            refusingControl = false  // said with the request
        } else {
            view.show(event)
        }
        if case .connected(let peer, _, _, _) = event { remember(peer) }
    }

    /// Keeps `peer` in the contact history: the next session needs no password (`--contact`).
    private func remember(_ peer: PeerIdentity) {
        guard let contacts else { return }
        do {
            let micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
            for warning in try contacts.remember(peer, atMicroseconds: micros) { console.err("\(console.command): warning: \(warning)") }
            if console.json {
                console.emit(EventJSON.contactSaved(address: peer.contactAddress, name: peer.displayName, computerName: peer.computerName))
            } else {
                console.out("\(Console.shown(peer.displayName)) is kept as a contact (\(peer.contactAddress)): next time, --contact \(peer.contactAddress) needs no password.")
            }
        } catch {
            console.err("\(console.command): warning: the contact was not saved: \(error)")
        }
    }

    /// Denies the request for control the settings refuse, and tells the Helper why in a chat message.
    private mutating func refuseControl(_ refusal: ControlRefusal) async {
        refusingControl = true
        do {
            _ = try await session.perform(.denyControl)
            _ = try await session.perform(.chat(refusal.remote))
        } catch {
            refusingControl = false
            if console.json {
                console.emit(EventJSON.error(error))
            } else {
                view.refused(error)
            }
        }
    }

    // MARK: - Input

    private mutating func handleJSON(_ line: String) async {
        guard !line.allSatisfy(\.isWhitespace) else { return }
        let command: EasyConnectCommand
        do {
            command = try CommandJSON.parse(line)
        } catch {
            console.emit(EventJSON.error(error))
            return
        }
        await carryOut(command)
    }

    private mutating func handleTyped(_ line: String) async {
        switch view.interpret(line) {
        case .nothing: return
        case .help: view.printHelp()
        case .invalid(let message): console.out(message)
        case .quit: await stop(reason: "")
        case .command(let command): await carryOut(command)
        }
    }

    /// Performs `command`, reporting a refusal as an `error` event (JSON) or a sentence.
    private mutating func carryOut(_ command: EasyConnectCommand) async {
        var command = command
        if case .disconnect = command {
            await stop(reason: "")
            return
        }
        if case .sendFile(let path) = command { command = .sendFile(path: absolutePath(expandingTilde(path))) }
        do {
            let id = try await session.perform(command)
            if case .sendFile(let path) = command, let id {
                let name = String(path.split(separator: "/").last ?? Substring(path))
                let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
                if console.json {
                    console.emit(EventJSON.fileOffered(id: id, name: name, bytes: bytes))
                } else {
                    view.offered(id: id, name: name, bytes: bytes)
                }
            } else if !console.json {
                view.performed(command)
            }
        } catch {
            if console.json {
                console.emit(EventJSON.error(error))
            } else {
                view.refused(error)
            }
        }
    }
}

/// Runs `body`, but returns after `limit` even if it has not finished (it then goes on unobserved).
func bounded(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async {
    let gate = OnceGate()
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Task {
            await body()
            if gate.pass() { continuation.resume() }
        }
        Task {
            try? await Task.sleep(for: limit)
            if gate.pass() { continuation.resume() }
        }
    }
}

/// Lets exactly one caller through.
final class OnceGate: @unchecked Sendable {
    private let lock = NSLock()
    private var passed = false

    /// True the first time only.
    func pass() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if passed { return false }
        passed = true
        return true
    }
}
