import PNRP

extension EasyConnectConnection {
    /// An encrypted record: a session message.
    mutating func receiveEncrypted(_ body: ArraySlice<UInt8>, now: NodeInstant) {
        guard let channel else { return }
        let opened: (plaintext: [UInt8], final: Bool)
        do {
            opened = try channel.open(body)
        } catch {
            violation("\(error)", now: now)
            return
        }
        // File chunks, the bulk of a session, are read in place rather than copied out by the codec.
        if !opened.final, opened.plaintext.count >= 5, opened.plaintext[0] == SessionMessage.fileChunkType, isInSession {
            let p = opened.plaintext
            let id = UInt32(p[1]) << 24 | UInt32(p[2]) << 16 | UInt32(p[3]) << 8 | UInt32(p[4])
            receiveFileChunk(id: id, bytes: p[5...], now: now)
            return
        }
        let message: SessionMessage
        do {
            message = try SessionMessage(decoding: opened.plaintext)
        } catch {
            violation("\(error)", now: now)
            return
        }
        switch message {
        case .ping:
            sendEncrypted(.pong, now: now)
            return
        case .pong:
            return
        case .disconnect(let refusal):
            close(refusal.code == .normal ? .peerEnded(refusal.reason) : .refusedByPeer(refusal))
            return
        default:
            break
        }
        if opened.final {
            violation("the stream ended with a message other than disconnect", now: now)
            return
        }
        switch phase {
        case .awaitingIdentity(let secrets):
            receiveIdentity(message, secrets: secrets, now: now)
        case .awaitingConsent(let peer, _):
            guard role == .helper, case .consent(let answer) = message else {
                violation("only the consent answer may come before the session starts", now: now)
                return
            }
            receiveConsent(answer, peer: peer, now: now)
        case .session:
            receiveSessionMessage(message, now: now)
        default:
            violation("encrypted message before the channel was set up", now: now)
        }
    }

    /// The rules of Screen Sharing and Control Sharing ([MS-RA] behaviour, `shared/REMOTE-ASSISTANCE.md`),
    /// enforced on what the peer sends: a message its role may not send ends the session.
    private mutating func receiveSessionMessage(_ message: SessionMessage, now: NodeInstant) {
        let peerRole: ConnectionRole = role == .user ? .helper : .user
        func only(_ allowed: ConnectionRole, _ what: String) -> Bool {
            if peerRole == allowed { return true }
            violation("only the \(allowed == .user ? "user" : "helper") may \(what)", now: now)
            return false
        }
        switch message {
        case .chat(let text):
            events.append(.chat(text))
        case .controlRequest:
            guard only(.helper, "request control") else { return }
            // A repeated request, or one crossing a grant, changes nothing.
            guard sharing == .screenSharing, !controlRequestPending else { return }
            controlRequestPending = true
            events.append(.controlRequested)
        case .controlGrant, .controlDeny:
            guard only(.user, "answer a control request") else { return }
            guard controlRequestPending else {
                violation("control was granted or denied without being requested", now: now)
                return
            }
            controlRequestPending = false
            if message == .controlGrant {
                sharing = .controlSharing
                events.append(.controlGranted)
            } else {
                events.append(.controlDenied)
            }
        case .controlEnd(let reason):
            guard only(reason == .helperGaveUp ? .helper : .user, "end control for that reason") else { return }
            // Both sides may end control at the same moment; the second end changes nothing.
            guard sharing == .controlSharing else { return }
            sharing = .screenSharing
            events.append(.controlEnded(reason))
        case .pause:
            guard only(.user, "pause") else { return }
            guard !isPaused else { return }
            isPaused = true
            events.append(.paused)
        case .resume:
            guard only(.user, "resume") else { return }
            guard isPaused else { return }
            isPaused = false
            events.append(.resumed)
        case .terminalFrame(let encoding, let body):
            guard only(.user, "share a terminal screen") else { return }
            // Nothing of the screen may arrive while the User has it paused (the pause went first on the stream).
            guard !isPaused else {
                violation("a screen update arrived while sharing is paused", now: now)
                return
            }
            events.append(.terminalFrame(encoding: encoding, body: body))
        case .terminalInput(let bytes):
            guard only(.helper, "type into the shared terminal") else { return }
            // Keystrokes sent just before control ended (the panic key, a take-back) cross the end: dropped.
            guard sharing == .controlSharing else {
                events.append(.terminalInputIgnored(bytes: bytes.count))
                return
            }
            events.append(.terminalInput(bytes))
        case .terminalWindow(let size):
            guard only(.helper, "give its window size") else { return }
            events.append(.terminalWindow(size))
        case .terminalClosed(let reason):
            guard only(.user, "close the shared terminal") else { return }
            events.append(.terminalClosed(reason))
        case .fileOffer(let id, let size, let name): receiveFileOffer(id: id, size: size, name: name, now: now)
        case .fileAccept(let id), .fileDecline(let id): receiveFileAnswer(id: id, accepted: message == .fileAccept(id: id), now: now)
        case .fileChunk(let id, let bytes): receiveFileChunk(id: id, bytes: bytes[...], now: now)
        case .fileEnd(let id, let digest): receiveFileEnd(id: id, sha256: digest, now: now)
        case .fileCancel(let id, let reason): receiveFileCancel(id: id, reason: reason)
        case .fileResult(let id, let stored, let reason): receiveFileResult(id: id, stored: stored, reason: reason, now: now)
        case .helperIdentity, .userIdentity, .consent:
            violation("the handshake is over", now: now)
        case .ping, .pong, .disconnect:
            break  // handled before
        }
    }

    // MARK: - Commands of the person

    private func requireSession(_ action: String) throws(SessionCommandError) {
        guard isInSession else { throw .notInSession }
    }

    private func requireRole(_ allowed: ConnectionRole, _ action: String) throws(SessionCommandError) {
        try requireSession(action)
        guard role == allowed else { throw .wrongRole(action: action, allowedFor: allowed) }
    }

    /// Sends a chat message (1…4,096 UTF-8 bytes).
    public mutating func sendChat(_ text: String, now: NodeInstant) throws(SessionCommandError) {
        try requireSession("chat")
        guard !text.isEmpty else { throw .badInput("an empty chat message is not sent") }
        guard text.utf8.count <= SessionMessage.maximumChatBytes else {
            throw .badInput("a chat message has at most \(SessionMessage.maximumChatBytes) bytes; this one has \(text.utf8.count)")
        }
        sendEncrypted(.chat(text), now: now)
    }

    /// Helper: asks the User for control.
    public mutating func requestControl(now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.helper, "request control")
        guard sharing == .screenSharing else { throw .notNow(action: "request control", why: "you already have control") }
        guard !controlRequestPending else { throw .notNow(action: "request control", why: "you already asked; wait for the answer") }
        controlRequestPending = true
        sendEncrypted(.controlRequest, now: now)
    }

    /// User: gives the Helper the control it asked for.
    public mutating func grantControl(now: NodeInstant) throws(SessionCommandError) {
        try answerControl(grant: true, now: now)
    }

    /// User: refuses the Helper's request for control.
    public mutating func denyControl(now: NodeInstant) throws(SessionCommandError) {
        try answerControl(grant: false, now: now)
    }

    private mutating func answerControl(grant: Bool, now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.user, grant ? "grant control" : "deny control")
        guard controlRequestPending else { throw .notNow(action: grant ? "grant control" : "deny control", why: "the helper has not asked for control") }
        controlRequestPending = false
        sendEncrypted(grant ? .controlGrant : .controlDeny, now: now)
        if grant {
            sharing = .controlSharing
            events.append(.controlGranted)
        } else {
            events.append(.controlDenied)
        }
    }

    /// Either side: ends Control Sharing ("give up control").
    public mutating func giveUpControl(now: NodeInstant) throws(SessionCommandError) {
        try requireSession("give up control")
        try endControl(role == .helper ? .helperGaveUp : .userTookBack, now: now)
    }

    /// User: the panic key — Control Sharing ends at once.
    public mutating func panic(now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.user, "use the panic key")
        try endControl(.panic, now: now)
    }

    private mutating func endControl(_ reason: ControlEndReason, now: NodeInstant) throws(SessionCommandError) {
        guard sharing == .controlSharing else { throw .notNow(action: "end control", why: "control is not shared") }
        sharing = .screenSharing
        sendEncrypted(.controlEnd(reason), now: now)
        events.append(.controlEnded(reason))
    }

    /// User: sends a screen update of the shared terminal. Refused while sharing is paused: the Helper sees
    /// nothing of what happens meanwhile.
    public mutating func sendTerminalFrame(encoding: FrameEncoding, body: [UInt8], now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.user, "share a terminal screen")
        guard !isPaused else { throw .notNow(action: "share the screen", why: "sharing is paused") }
        guard body.count + 32 <= configuration.maximumRecordBytes else { throw .badInput("a screen update of \(body.count) bytes is larger than a record") }
        sendEncrypted(.terminalFrame(encoding: encoding, body: body), now: now)
    }

    /// Helper: sends keystrokes to the User's shared terminal; only in Control Sharing.
    public mutating func sendTerminalInput(_ bytes: [UInt8], now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.helper, "type into the shared terminal")
        guard sharing == .controlSharing else { throw .notNow(action: "type into the shared terminal", why: "you do not have control; ask for it first") }
        var rest = bytes[...]
        while !rest.isEmpty {
            let piece = Array(rest.prefix(SessionMessage.maximumInputBytes))
            rest = rest.dropFirst(piece.count)
            sendEncrypted(.terminalInput(piece), now: now)
        }
    }

    /// Helper: tells the User how large a screen its window can show.
    public mutating func sendTerminalWindow(_ size: TerminalSize, now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.helper, "give a window size")
        guard size.isValid else { throw .badInput("a window of \(size) cannot be shared") }
        sendEncrypted(.terminalWindow(size), now: now)
    }

    /// User: says that the shared terminal's program ended.
    public mutating func sendTerminalClosed(_ reason: String, now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.user, "close the shared terminal")
        sendEncrypted(.terminalClosed(String(reason.utf8.prefix(SessionMessage.maximumReasonBytes)) ?? ""), now: now)
    }

    /// User: hides the screen for a while.
    public mutating func pause(now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.user, "pause")
        guard !isPaused else { throw .notNow(action: "pause", why: "sharing is already paused") }
        isPaused = true
        sendEncrypted(.pause, now: now)
        events.append(.paused)
    }

    /// User: shows the screen again.
    public mutating func resume(now: NodeInstant) throws(SessionCommandError) {
        try requireRole(.user, "resume")
        guard isPaused else { throw .notNow(action: "resume", why: "sharing is not paused") }
        isPaused = false
        sendEncrypted(.resume, now: now)
        events.append(.resumed)
    }
}
