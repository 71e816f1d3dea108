import EasyConnect
import EasyConnectNetwork
import Foundation

/// Interactive mode: events as sentences, typed lines as chat, answers and slash commands. Everything that
/// came from the other side is shown through `DisplayText.escaped`.
struct HumanView {
    /// What a typed line asks for.
    enum Interpretation {
        /// Nothing (an empty line with no question asked).
        case nothing
        /// `/help`.
        case help
        /// A line that cannot be carried out, with the sentence saying why.
        case invalid(String)
        /// `/quit`: end the session (or withdraw the invitation, or stop connecting).
        case quit
        /// A command for the session.
        case command(EasyConnectCommand)
    }

    /// A yes/no question waiting for the next line.
    enum Question {
        /// "Would you like to allow … to connect to your computer?"
        case consent(ConnectionID)
        /// "… asks to share control of your computer."
        case control
    }

    /// This side's role.
    let role: ConnectionRole
    /// Output.
    let console: Console
    /// Where received files go (shown in file offers).
    let downloadPath: String
    /// The other side, once connected.
    private(set) var peer: PeerIdentity?
    /// The question the next y/n line answers.
    private(set) var question: Question?
    private var askedAbout: [ConnectionID: String] = [:]
    private var incomingNames: [UInt32: String] = [:]
    private var outgoingNames: [UInt32: String] = [:]
    private var lastProgressLine: [String: ContinuousClock.Instant] = [:]
    private var lastBar: ContinuousClock.Instant?
    /// Whether the invitation is published or looked up in the cloud (not an invitation file).
    private var usesCloud = false

    /// Seconds between progress lines when stderr is not a terminal.
    static let progressLineInterval = Duration.seconds(5)
    /// Least time between redraws of the progress bar.
    static let barInterval = Duration.milliseconds(100)

    /// A view for `role`.
    init(role: ConnectionRole, console: Console, downloadPath: String) {
        (self.role, self.console, self.downloadPath) = (role, console, downloadPath)
    }

    /// The other side's name, escaped, or a description of them before they are known.
    private var other: String {
        if let peer { return DisplayText.escaped(peer.displayName) }
        return role == .user ? "the helper" : "the person you help"
    }

    private func say(_ line: String) { console.out(line) }

    // MARK: - Events

    /// Prints `event`.
    mutating func show(_ event: EasyConnectEvent) {
        switch event {
        case .nameService(let description):
            usesCloud = true
            say("Using the PNRP cloud through the \(Console.shown(description)).")
        case .invitation(let password, let expiresAt, let endpoints):
            say("")
            say("    Your Easy Connect password:   \(password)")
            say("")
            let minutes = max(1, (Int64(expiresAt) - Int64(Date().timeIntervalSince1970) + 30) / 60)
            say("Read it to the person who will help you (by phone, for example). It works until \(formatClock(expiresAt)) (\(minutes) minute\(minutes == 1 ? "" : "s")) for one helper; after three wrong tries it is withdrawn.")
            if !endpoints.isEmpty { say("Listening on \(endpoints.joined(separator: ", ")).") }
        case .contactInvitation(let contact, let name, let address, let expiresAt, let endpoints):
            say("Asking \(Console.shown(name)) (\(contact)) for help: no password is needed. Your invitation waits under \(address) until \(formatClock(expiresAt)); only that contact can open it.")
            if !endpoints.isEmpty { say("Listening on \(endpoints.joined(separator: ", ")).") }
        case .helperRefused(let peer, let reason):
            say("\(Console.shown(peer.displayName)) (\(Console.shown(peer.computerName)), \(peer.contactAddress)) offered help and was refused: \(reason)")
        case .offerListening(let address, let expiresAt, let endpoints):
            say("Waiting for offers of help until \(formatClock(expiresAt)). A helper can offer with: easy-connect offer \(address)\(endpoints.isEmpty ? "" : " (or offer \(endpoints[0]))").")
            if !endpoints.isEmpty { say("Listening on \(endpoints.joined(separator: ", ")).") }
        case .invitationFile(let path, let expiresAt, let endpoints):
            let seconds = max(60, Int(Int64(expiresAt) - Int64(Date().timeIntervalSince1970)))
            say("")
            say("    Invitation file written:   \(Console.shown(path))")
            say("")
            say(
                "Send it to the person who will help you (by mail, chat or on a USB stick) and tell them its password another way (by phone, for example). It works until \(formatClock(expiresAt)) (\(LifetimeText.spoken((seconds + 30) / 60 * 60)) from now) for one helper."
            )
            if !endpoints.isEmpty { say("Listening on \(endpoints.joined(separator: ", ")); the helper's computer must reach one of these addresses.") }
        case .status(let status):
            switch status {
            case .waitingForHelper: say("Waiting for a helper… (/quit or Ctrl-C withdraws the invitation)")
            case .attemptingToConnect: say(usesCloud ? "Looking up the invitation and attempting to connect…" : "Attempting to connect…")
            case .waitingForAcceptance: say("Connected; waiting for acceptance by the person you help (up to 2 minutes)…")
            }
        case .attemptFailed(let remaining):
            say(
                "Someone tried a wrong password. \(remaining == 0 ? "The invitation is withdrawn." : "\(remaining) more wrong attempt\(remaining == 1 ? "" : "s") and the invitation is withdrawn.")"
            )
        case .consentRequest(let id, let helper):
            question = .consent(id)
            askedAbout[id] = DisplayText.escaped(helper.displayName)
            let key = String(helper.fingerprint.prefix(16))
            say(
                "Would you like to allow \(DisplayText.escaped(helper.displayName)) (\(DisplayText.escaped(helper.computerName)), key \(key)…) to connect to your computer? [y/N]"
            )
        case .consentCancelled(let id):
            if case .consent(id)? = question { question = nil }
            let name = askedAbout.removeValue(forKey: id) ?? "The helper"
            say("\(name) is no longer waiting for your answer (they left, or the time to answer ran out).")
        case .connected(let peer, let remote, let path, _):
            self.peer = peer
            question = nil
            let who = "\(DisplayText.escaped(peer.displayName)) (\(DisplayText.escaped(peer.computerName)), key \(peer.fingerprint.prefix(16))…)"
            let via =
                switch path {
                case .direct: ""
                case .punched: " through both routers (hole punched)"
                case .relayed: " through a relay, which passes on encrypted bytes it cannot read"
                }
            if role == .user {
                say("\(who) is connected from \(remote)\(via) and can see your screen.")
            } else {
                say("Connected to \(who) at \(remote)\(via): you can see their screen.")
            }
            say("Type a message and press Enter to chat; /help lists the commands.")
        case .chat(let text):
            say("\(other): \(DisplayText.escaped(text))")
        case .fileOffer(let id, let name, let safeName, let bytes):
            incomingNames[id] = safeName
            say(
                "\(other) offers the file \"\(DisplayText.escaped(name))\" (\(formatBytes(bytes))), file \(id). Type /accept \(id) to store it in \(downloadPath) as \"\(DisplayText.escaped(safeName))\", or /decline \(id)."
            )
        case .fileProgress(let id, let direction, let bytes, let total):
            progress(id: id, direction: direction, bytes: bytes, total: total)
        case .fileReceived(let id, let path, let bytes, let sha256):
            incomingNames[id] = nil
            say("Received file \(id) (\(formatBytes(bytes))), stored as \(DisplayText.escaped(path)); SHA-256 \(sha256).")
        case .fileSent(let id, let name, let bytes, let sha256):
            outgoingNames[id] = nil
            say("\(other) received \"\(DisplayText.escaped(name))\" (file \(id), \(formatBytes(bytes))) and checked it; SHA-256 \(sha256).")
        case .fileDeclined(let id):
            let name = outgoingNames.removeValue(forKey: id)
            say("\(other) declined file \(id)\(name.map { " (\"\(DisplayText.escaped($0))\")" } ?? "").")
        case .fileFailed(let id, let direction, let reason):
            let name = direction == .incoming ? incomingNames.removeValue(forKey: id) : outgoingNames.removeValue(forKey: id)
            say(
                "\(direction == .incoming ? "Receiving" : "Sending") file \(id)\(name.map { " (\"\(DisplayText.escaped($0))\")" } ?? "") failed: \(DisplayText.escaped(reason)). Nothing was left half-written."
            )
        case .controlRequested:
            question = .control
            say("\(other) asks to share control of your computer. Allow it? [y/N] (or /grant, /deny)")
        case .controlGranted:
            if role == .user {
                question = nil
                say("\(other) now shares control of your computer. /giveup takes it back; Esc then Enter, or /panic, takes it back at once.")
            } else {
                say("\(other) gave you shared control. /giveup gives it back.")
            }
        case .controlDenied:
            if role == .user {
                question = nil
                say("You refused to share control.")
            } else {
                say("\(other) refused to share control.")
            }
        case .controlEnded(let reason):
            switch (reason, role) {
            case (.helperGaveUp, .user): say("\(other) gave up control; you are back to screen sharing.")
            case (.helperGaveUp, .helper): say("You gave up control; back to screen sharing.")
            case (.userTookBack, .user): say("You took control back; back to screen sharing.")
            case (.userTookBack, .helper): say("\(other) took control back; back to screen sharing.")
            case (.panic, .user): say("Panic key: control taken back at once.")
            case (.panic, .helper): say("\(other) pressed the panic key: control taken back.")
            }
        case .paused:
            say(role == .user ? "Screen sharing paused; /resume shows your screen again." : "\(other) paused screen sharing.")
        case .resumed:
            say(role == .user ? "Screen sharing resumed." : "\(other) resumed screen sharing.")
        case .terminalFrame, .terminalInput, .terminalWindow:
            break  // the shared terminal's own traffic (`TerminalSharing`)
        case .terminalInputIgnored(let count):
            say("\(other) typed \(count) byte\(count == 1 ? "" : "s") without control; ignored.")
        case .terminalClosed(let reason):
            say("\(role == .user ? "Your shared terminal" : "\(other)'s shared terminal") ended: \(sentence(DisplayText.escaped(reason)))")
        case .disconnected(let outcome):
            question = nil
            let message = sentence(Console.shown(outcome.message))
            if outcome.kind == .ended {
                say("Session over: \(message)")
            } else {
                say("Session over (\(outcome.kind.rawValue)): \(message)")
            }
        }
    }

    /// The progress bar on a terminal, else a line every few seconds.
    private mutating func progress(id: UInt32, direction: FileDirection, bytes: UInt64, total: UInt64) {
        let name = (direction == .incoming ? incomingNames[id] : outgoingNames[id]) ?? "file \(id)"
        let percent = total == 0 ? 100 : Int(bytes * 100 / max(total, 1))
        let now = ContinuousClock.now
        let arrow = direction == .incoming ? "↓" : "↑"
        if console.stderrIsTerminal {
            if bytes >= total {
                console.clearProgress()
                lastBar = nil
                return
            }
            if let lastBar, now - lastBar < Self.barInterval { return }
            lastBar = now
            let width = 24
            let filled = min(width, percent * width / 100)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            console.drawProgress("\(arrow) \(id) \(DisplayText.escaped(String(name.prefix(32)))) [\(bar)] \(percent)% \(formatBytes(bytes)) of \(formatBytes(total))")
        } else {
            let key = "\(direction.rawValue)-\(id)"
            if bytes < total, let last = lastProgressLine[key], now - last < Self.progressLineInterval { return }
            if bytes >= total, lastProgressLine[key] == nil { return }  // small files: the final sentence is enough
            lastProgressLine[key] = bytes >= total ? nil : now
            console.err("\(direction == .incoming ? "receiving" : "sending") file \(id) (\(DisplayText.escaped(name))): \(percent)%, \(formatBytes(bytes)) of \(formatBytes(total))")
        }
    }

    // MARK: - Typed lines

    /// What `line` asks for: an answer to the question asked, a slash command, or a chat message.
    mutating func interpret(_ line: String) -> Interpretation {
        // The Escape key alone (then Enter) is the panic key.
        if line == "\u{1B}" { return .command(.panic) }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if let question {
            switch trimmed.lowercased() {
            case "y", "yes":
                self.question = nil
                switch question {
                case .consent(let id): return .command(.accept(id))
                case .control: return .command(.grantControl)
                }
            case "n", "no", "":
                self.question = nil
                switch question {
                case .consent(let id): return .command(.decline(id))
                case .control: return .command(.denyControl)
                }
            default: break
            }
        }
        if trimmed.isEmpty { return .nothing }
        if trimmed.hasPrefix("//") { return .command(.chat(String(line.drop { $0 == " " }.dropFirst()))) }
        guard trimmed.hasPrefix("/") else { return .command(.chat(line)) }
        let word = String(trimmed.prefix { !$0.isWhitespace }).lowercased()
        let rest = trimmed.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
        func transfer(_ make: (UInt32) -> EasyConnectCommand) -> Interpretation {
            guard let id = UInt32(rest) else { return .invalid("Give the file's number: \(word) 3") }
            return .command(make(id))
        }
        switch word {
        case "/send":
            guard !rest.isEmpty else { return .invalid("Give the file to send: /send ~/Documents/report.pdf") }
            return .command(.sendFile(path: rest))
        case "/accept":
            if rest.isEmpty, case .consent(let id)? = question {
                question = nil
                return .command(.accept(id))
            }
            return transfer { .acceptFile($0) }
        case "/decline":
            if rest.isEmpty, case .consent(let id)? = question {
                question = nil
                return .command(.decline(id))
            }
            return transfer { .declineFile($0) }
        case "/cancel": return transfer { .cancelFile($0) }
        case "/control": return .command(.requestControl)
        case "/grant":
            question = nil
            return .command(.grantControl)
        case "/deny":
            question = nil
            return .command(.denyControl)
        case "/giveup": return .command(.giveUpControl)
        case "/panic": return .command(.panic)
        case "/pause": return .command(.pause)
        case "/resume": return .command(.resume)
        case "/quit", "/exit": return .quit
        case "/help", "/?": return .help
        default: return .invalid("Unknown command \(DisplayText.escaped(word)); /help lists the commands (start a chat message with // to send it as typed).")
        }
    }

    /// Prints the commands of this role.
    func printHelp() {
        for line in Self.commandList(role: role).split(separator: "\n", omittingEmptySubsequences: false) { say(String(line)) }
    }

    /// The commands of `role`, as `/help` and `--help` list them.
    static func commandList(role: ConnectionRole?) -> String {
        var lines = ["While connected, a line you type is sent as a chat message; commands:"]
        lines.append("  /send PATH      offer a file (example: /send ~/Documents/report.pdf)")
        lines.append("  /accept ID      store offered file ID in the download folder")
        lines.append("  /decline ID     refuse offered file ID")
        lines.append("  /cancel ID      stop transfer ID, in either direction")
        if role != .user { lines.append("  /control        (helper) ask to share control") }
        if role != .helper {
            lines.append("  /grant, /deny   (user) answer a request for control (or y, n)")
            lines.append("  /pause, /resume (user) hide your screen for a while, show it again")
            lines.append("  /panic          (user) take control back at once; so does Esc, Enter")
        }
        lines.append("  /giveup         give up shared control (either side)")
        lines.append("  /quit           disconnect (also Ctrl-C, Ctrl-D)\(role != .helper ? "; before a helper" : "")")
        if role != .helper { lines.append("                  connects, it withdraws the invitation") }
        lines.append("  /help           this list")
        lines.append("  //text          send a chat message that starts with /")
        if role != .helper { lines.append("Answer \"Would you like to allow …?\" with y or n on a line of its own.") }
        return lines.joined(separator: "\n")
    }

    // MARK: - Results of commands

    /// A file was offered.
    mutating func offered(id: UInt32, name: String, bytes: UInt64) {
        outgoingNames[id] = name
        say("Offered \"\(DisplayText.escaped(name))\" (\(formatBytes(bytes))) as file \(id); waiting for \(other) to accept it (/cancel \(id) withdraws it).")
    }

    /// A command went through (events report most of them; these have none of their own).
    func performed(_ command: EasyConnectCommand) {
        switch command {
        case .requestControl: say("Asked \(other) to share control; waiting for the answer.")
        case .acceptFile(let id): say("Accepted file \(id); receiving it into \(downloadPath).")
        case .declineFile(let id): say("Declined file \(id).")
        case .cancelFile(let id): say("Cancelling file \(id).")
        case .decline: say("You refused the helper.")
        case .accept: say("Accepted; connecting…")
        default: break
        }
    }

    /// A command was refused: one sentence, and the session goes on.
    func refused(_ error: EasyConnectError) {
        say("Cannot do that: \(sentence(Console.shown(error.description)))")
    }

    /// `text` ending with a full stop.
    private func sentence(_ text: String) -> String {
        guard let last = text.last, !".!?…".contains(last) else { return text }
        return text + "."
    }
}
