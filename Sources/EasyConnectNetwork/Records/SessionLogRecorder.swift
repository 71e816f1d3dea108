import EasyConnect
import NIOConcurrencyHelpers

/// Turns what happens in one session into session log records, from this side's point of view: what the
/// other side did (the engine's `EasyConnectEvent`s, as they are yielded) and what this side did (commands
/// performed through `EasyConnectSession.perform`). Stamps them with the wall clock and hands them to its
/// `SessionLogWriter`. It is called on the session's event loop, in the loop's order.
///
/// What it never records: a password (the invitation's is shown, never logged), a key, the contents of a
/// file, and anything the Helper types into the User's computer under shared control. Every event is
/// handled explicitly below: a new kind of event must be decided on here before it compiles.
final class SessionLogRecorder: Sendable {
    /// Where the records go.
    let writer: SessionLogWriter
    private let clock: SessionLogClock
    private let role: ConnectionRole
    /// Our display name, for our own chat messages.
    private let localName: String
    private let state = NIOLockedValueBox(State())
    /// The address a connection of the User's listener comes from (set once the engine exists).
    private let addresses = NIOLockedValueBox<(@Sendable (ConnectionID) -> String?)?>(nil)

    private struct State {
        /// User: the Helper being asked about.
        var prompted: (id: ConnectionID, peer: PeerIdentity)?
        /// The other side of the session, once connected.
        var peer: PeerIdentity?
        /// Helper: whose invitation was opened.
        var invitationOwner: String?
        var invitationOpen = false
        var terminalShared = false
        var ignoredInputLogged = false
        var incoming: [UInt32: String] = [:]
        var outgoing: [UInt32: String] = [:]
    }

    /// A recorder writing to `writer`.
    init(writer: SessionLogWriter, role: ConnectionRole, localName: String, clock: SessionLogClock) {
        (self.writer, self.role, self.localName, self.clock) = (writer, role, localName, clock)
    }

    /// The recorder of a session with `options`, or nil when it keeps no log (`sessionLogDirectory` is nil).
    static func start(options: SessionOptions, role: ConnectionRole, clock: SessionLogClock = .system) throws(SessionLogWriterError) -> SessionLogRecorder? {
        guard let directory = options.sessionLogDirectory else { return nil }
        let (start, offset) = clock.now()
        let writer = try SessionLogWriter(directory: directory, role: role, start: start, utcOffset: offset)
        return SessionLogRecorder(writer: writer, role: role, localName: options.identity.displayName, clock: clock)
    }

    /// Tells the recorder where the User's connections come from.
    func attach(addresses lookup: @escaping @Sendable (ConnectionID) -> String?) { addresses.withLockedValue { $0 = lookup } }

    // MARK: - Records

    private func add(_ kind: SessionLogRecord.Kind, _ event: String?, _ fields: [SessionLogField: String] = [:], text: String? = nil) {
        writer.append(SessionLogRecord(kind: kind, time: clock.now().time, event: event, fields: fields, text: text))
    }

    private func identityFields(_ peer: PeerIdentity) -> [SessionLogField: String] {
        [.name: peer.displayName, .computerName: peer.computerName, .address: peer.contactAddress]
    }

    private var peerName: String {
        state.withLockedValue { $0.peer?.displayName ?? $0.invitationOwner } ?? (role == .user ? "the helper" : "the person you help")
    }

    private static func bytes(_ n: UInt64) -> String { n == 1 ? "1 byte" : "\(n) bytes" }

    /// Helper: the invitation was found and opened with the password.
    func invitationOpened(_ invitation: Invitation) {
        state.withLockedValue {
            $0.invitationOwner = invitation.displayName
            $0.invitationOpen = true
        }
        add(
            .invitationOpened, "You opened the invitation of \(invitation.displayName) (\(invitation.computerName))",
            [.name: invitation.displayName, .computerName: invitation.computerName, .expires: SessionLogClock.isoText(Int64(clamping: invitation.expiresAt))])
    }

    /// Records what the other side did, or what the session reports.
    func record(_ event: EasyConnectEvent) {
        switch event {
        case .nameService, .status, .fileProgress:
            break
        case .invitation(_, let expiresAt, _):
            // The password is the secret of this invitation: never in the log.
            state.withLockedValue { $0.invitationOpen = true }
            add(.invitationCreated, "You published an invitation in the PNRP cloud and were shown its password", [.expires: SessionLogClock.isoText(Int64(clamping: expiresAt))])
        case .contactInvitation(let contact, let name, _, let expiresAt, _):
            state.withLockedValue { $0.invitationOpen = true }
            add(
                .invitationCreated, "You asked your contact \(name) (\(contact)) for help: an invitation only they can open, no password",
                [.name: name, .address: contact, .expires: SessionLogClock.isoText(Int64(clamping: expiresAt))])
        case .invitationFile(let path, let expiresAt, _):
            state.withLockedValue { $0.invitationOpen = true }
            let name = String(path.split(separator: "/").last ?? Substring(path))
            add(.invitationCreated, "You wrote the invitation file \(name), protected by a password you chose", [.name: name, .expires: SessionLogClock.isoText(Int64(clamping: expiresAt))])
        case .offerListening(let address, let expiresAt, _):
            state.withLockedValue { $0.invitationOpen = true }
            add(.invitationCreated, "You waited for offers of help at \(address)", [.address: address, .expires: SessionLogClock.isoText(Int64(clamping: expiresAt))])
        case .helperRefused(let peer, let reason):
            var fields = identityFields(peer)
            fields[.outcome] = "not-allowed"
            fields[.reason] = reason
            add(.connectionRefused, "\(peer.displayName) (\(peer.computerName)) offered help and was refused by the settings: \(reason)", fields)
        case .attemptFailed(let remaining):
            let rest = remaining == 0 ? "the invitation is withdrawn" : "\(remaining == 1 ? "one more wrong password withdraws" : "\(remaining) more wrong passwords withdraw") the invitation"
            add(.passwordAttemptFailed, "Someone tried a wrong password; \(rest)", [.remaining: String(remaining)])
        case .consentRequest(let id, let peer):
            state.withLockedValue { $0.prompted = (id, peer) }
            let ip = addresses.withLockedValue { $0?(id) } ?? "?"
            var fields = identityFields(peer)
            fields[.ip] = ip
            add(.incomingIPAddress, "\(peer.displayName) (\(peer.computerName)) connected from \(ip); you were asked whether to allow them", fields)
        case .consentCancelled(let id):
            guard let prompted = state.withLockedValue({ s -> (id: ConnectionID, peer: PeerIdentity)? in
                guard s.prompted?.id == id else { return nil }
                defer { s.prompted = nil }
                return s.prompted
            }) else { return }
            var fields = identityFields(prompted.peer)
            fields[.outcome] = "no-answer"
            add(.connectionRefused, "\(prompted.peer.displayName) is no longer waiting: they left, or the question was not answered in time", fields)
        case .connected(let peer, let remote, let path, _):
            state.withLockedValue {
                $0.peer = peer
                $0.prompted = nil
            }
            var fields = identityFields(peer)
            fields[.ip] = remote
            if role == .helper {
                let via = path == .direct ? "" : path == .punched ? " (through both NATs)" : " (through a stream relay)"
                add(.incomingIPAddress, "You connected to \(remote)\(via)", [.ip: remote])
                add(.connectionEstablished, "You are connected to \(peer.displayName)'s computer (\(peer.computerName)) and see their screen", fields)
            } else {
                add(.connectionEstablished, "You allowed \(peer.displayName) (\(peer.computerName)) to connect; they see your screen", fields)
            }
        case .chat(let text):
            add(.chatMessage, nil, [.direction: "received"], text: "\(peerName): \(text)")
        case .fileOffer(let id, let name, _, let size):
            state.withLockedValue { $0.incoming[id] = name }
            add(.fileOffered, "\(peerName) offered you the file \(name) (\(Self.bytes(size)))", [.direction: "received", .name: name, .size: String(size)])
        case .fileReceived(let id, let path, let size, let sha256):
            state.withLockedValue { $0.incoming[id] = nil }
            let name = String(path.split(separator: "/").last ?? Substring(path))
            add(
                .fileReceived, "You received the file \(name) from \(peerName) (\(Self.bytes(size)), SHA-256 verified)",
                [.direction: "received", .name: name, .size: String(size), .sha256: sha256])
        case .fileSent(let id, let name, let size, let sha256):
            state.withLockedValue { $0.outgoing[id] = nil }
            add(
                .fileSent, "\(peerName) received your file \(name) (\(Self.bytes(size)), SHA-256 verified)",
                [.direction: "sent", .name: name, .size: String(size), .sha256: sha256])
        case .fileDeclined(let id):
            let name = state.withLockedValue { $0.outgoing.removeValue(forKey: id) } ?? "#\(id)"
            add(.fileDeclined, "\(peerName) declined your file \(name)", [.direction: "sent", .name: name])
        case .fileFailed(let id, let direction, let reason):
            let name =
                state.withLockedValue { direction == .incoming ? $0.incoming.removeValue(forKey: id) : $0.outgoing.removeValue(forKey: id) } ?? "#\(id)"
            add(
                .fileFailed, "The transfer of \(name) failed: \(reason)",
                [.direction: direction == .incoming ? "received" : "sent", .name: name, .reason: reason])
        case .controlRequested:
            add(.expertRequestControl, "\(peerName) asked for control of your computer")
        case .controlGranted:
            state.withLockedValue { $0.ignoredInputLogged = false }
            if role == .user {
                add(.expertGrantedControl, "You gave \(peerName) control of your computer")
                add(.expertControlStarted, "\(peerName) shares control of your computer, with your rights")
            } else {
                add(.expertGrantedControl, "\(peerName) gave you control of their computer")
                add(.expertControlStarted, "You share control of \(peerName)'s computer")
            }
        case .controlDenied:
            add(.expertDeniedControl, role == .user ? "You refused \(peerName) control of your computer" : "\(peerName) refused you control of their computer")
        case .controlEnded(let reason):
            let (code, why) =
                switch reason {
                case .helperGaveUp: ("helper-gave-up", role == .helper ? "you gave up control" : "\(peerName) gave up control")
                case .userTookBack: ("user-took-back", role == .user ? "you took control back" : "\(peerName) took control back")
                case .panic: ("panic-key", role == .user ? "you pressed the panic key" : "\(peerName) pressed the panic key")
                }
            add(.expertControlEnded, "Control sharing ended: \(why)", [.outcome: code, .reason: why])
        case .terminalFrame:
            if state.withLockedValue({ s in defer { s.terminalShared = true }; return !s.terminalShared }) {
                add(.terminalShared, "You see \(peerName)'s terminal")
            }
        case .terminalClosed(let reason):
            add(.terminalClosed, role == .user ? "Your shared terminal ended: \(reason)" : "\(peerName)'s shared terminal ended: \(reason)", [.reason: reason])
        case .terminalInputIgnored(let count):
            // Once per period without control: the Helper decides how often it sends.
            if state.withLockedValue({ s in defer { s.ignoredInputLogged = true }; return !s.ignoredInputLogged }) {
                add(.expertInputIgnored, "Keystrokes \(peerName) sent without control were ignored", [.size: String(count)])
            }
        case .terminalInput, .terminalWindow:
            break
        case .paused:
            add(.sessionPaused, role == .user ? "You paused screen sharing" : "\(peerName) paused screen sharing")
        case .resumed:
            add(.sessionResumed, role == .user ? "You resumed screen sharing" : "\(peerName) resumed screen sharing")
        case .disconnected(let outcome):
            ended(outcome)
        }
    }

    private func ended(_ outcome: SessionOutcome) {
        let (connected, invitationOpen) = state.withLockedValue { ($0.peer != nil, $0.invitationOpen) }
        let fields: [SessionLogField: String] = [.outcome: outcome.kind.rawValue, .reason: outcome.message]
        if connected {
            add(.connectionEnded, "The session ended: \(outcome.message)", fields)
        } else if role == .helper {
            let refused: Set<SessionOutcome.Kind> = [.refused, .wrongPassword, .withdrawn, .timedOut, .expired]
            add(
                refused.contains(outcome.kind) ? .connectionRefused : .connectionEnded,
                "No session: \(outcome.message)", fields)
        }
        if role == .user {
            // Also when it never reached the cloud: the log then says why.
            add(.invitationClosed, connected ? "Your invitation is closed" : "Your invitation is closed: \(outcome.message)", connected ? [:] : fields)
        } else if invitationOpen {
            add(.invitationClosed, "You closed the invitation")
        }
    }

    /// Records what this side did: a command `perform` carried out (`id`: the transfer of `.sendFile`, whose
    /// file is `outgoingFile`). Commands whose effect the engine reports as an event (control granted, ended,
    /// pause …) are recorded from that event.
    func performed(_ command: EasyConnectCommand, id: UInt32?, outgoingFile: (name: String, size: UInt64)?) {
        switch command {
        case .chat(let text):
            add(.chatMessage, nil, [.direction: "sent"], text: "\(localName): \(text)")
        case .sendFile:
            guard let id, let file = outgoingFile else { return }
            state.withLockedValue { $0.outgoing[id] = file.name }
            add(.fileOffered, "You offered \(peerName) the file \(file.name) (\(Self.bytes(file.size)))", [.direction: "sent", .name: file.name, .size: String(file.size)])
        case .declineFile(let id):
            let name = state.withLockedValue { $0.incoming.removeValue(forKey: id) } ?? "#\(id)"
            add(.fileDeclined, "You declined the file \(name) from \(peerName)", [.direction: "received", .name: name])
        case .requestControl:
            add(.expertRequestControl, "You asked \(peerName) for control of their computer")
        case .decline(let id):
            guard let prompted = state.withLockedValue({ s -> (id: ConnectionID, peer: PeerIdentity)? in
                guard let p = s.prompted, id == nil || id == p.id else { return nil }
                s.prompted = nil
                return p
            }) else { return }
            var fields = identityFields(prompted.peer)
            fields[.outcome] = "declined"
            add(.connectionRefused, "You declined \(prompted.peer.displayName) (\(prompted.peer.computerName))", fields)
        case .terminalFrame:
            if state.withLockedValue({ s in defer { s.terminalShared = true }; return !s.terminalShared }) {
                add(.terminalShared, "You share your terminal with \(peerName)")
            }
        case .terminalClosed(let reason):
            add(.terminalClosed, "Your shared terminal ended: \(reason)", [.reason: reason])
        case .terminalInput, .terminalWindow:
            break
        case .accept, .acceptFile, .cancelFile, .grantControl, .denyControl, .giveUpControl, .panic, .pause, .resume, .disconnect:
            break
        }
    }
}
