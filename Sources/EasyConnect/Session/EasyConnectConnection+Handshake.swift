import PNRP
import PeerCrypto

extension EasyConnectConnection {
    /// A cleartext record: a handshake message (`docs/easy-connect.md`, "Connection").
    mutating func receiveClear(_ body: ArraySlice<UInt8>, now: NodeInstant) {
        let message: HandshakeMessage
        do {
            message = try HandshakeMessage(decoding: Array(body))
        } catch {
            violation("\(error)", now: now)
            return
        }
        switch (phase, message) {
        case (_, .refusal(let refusal)):
            receivedRefusal(refusal, now: now)
        case (.helperAwaitingGreeting, .greeting(let tag)):
            receiveGreeting(tag: tag, now: now)
        case (.helperAwaitingGreeting, .offerGreeting(let plain)):
            receiveOfferGreeting(plain, now: now)
        case (.helperAwaitingUserHello(let pake), .userHello(let share, let confirmation, let header)):
            receiveUserHello(pake: pake, share: share, confirmation: confirmation, header: header, now: now)
        case (.userAwaitingHelperHello, .helperHello(let sessionID, let proof, let share)):
            receiveHelperHello(sessionID: sessionID, proof: proof, share: share, now: now)
        case (.userAwaitingHelperFinish(let secrets), .helperFinish(let confirmation, let header)):
            receiveHelperFinish(secrets: secrets, confirmation: confirmation, header: header, now: now)
        default:
            violation("unexpected handshake message at this point", now: now)
        }
    }

    private mutating func receivedRefusal(_ refusal: Refusal, now: NodeInstant) {
        if role == .user, attemptOpen, refusal.code == .passwordMismatch {
            // The Helper found the mismatch first; tell it when this failure withdraws the invitation.
            attemptOpen = false
            events.append(.attemptFailed)
            if refusalOnFailure.code == .invitationWithdrawn { sendClear(.refusal(refusalOnFailure), now: now) }
        }
        close(.refusedByPeer(refusal))
    }

    // MARK: Helper side

    private mutating func receiveGreeting(tag: [UInt8], now: NodeInstant) {
        guard !expectsOfferGreeting else {
            close(.refusedByUs(Refusal(code: .noSuchInvitation, reason: "this endpoint waits with an invitation, not for offers of help: the person must run easy-connect listen")))
            return
        }
        guard ConstantTime.equal(tag, invitation.greetingTag) else {
            close(.refusedByUs(Refusal(code: .noSuchInvitation, reason: "this endpoint holds another invitation")))
            return
        }
        events.append(.greeted)
        phase = .helperGreeted
    }

    private mutating func receiveOfferGreeting(_ plain: [UInt8], now: NodeInstant) {
        guard expectsOfferGreeting else {
            close(.refusedByUs(Refusal(code: .noSuchInvitation, reason: "this endpoint waits for offers of help, not with an invitation: use easy-connect offer")))
            return
        }
        let offered: Invitation
        do {
            offered = try Invitation(decoding: plain)
        } catch {
            violation("the offer listener's invitation: \(error)", now: now)
            return
        }
        if case .contact(let expected?) = credential, expected != offered.userKey {
            refuse(.keyMismatch(role: "user", expected: expected, proven: offered.userKey), now: now)
            return
        }
        invitation = offered
        events.append(.greeted)
        phase = .helperGreeted
    }

    /// Helper: starts the PAKE on a connection whose listener greeted with our invitation's tag.
    public mutating func beginHandshake(now: NodeInstant) throws(SessionCommandError) {
        guard role == .helper, case .helperGreeted = phase else { throw .notNow(action: "start the handshake", why: "the listener has not greeted yet") }
        let sessionID = entropy.bytes(HandshakeMessage.sessionIDBytes)
        do {
            let pake = try KeyExchange(role: .initiator, credential: credential, invitation: invitation, sessionID: sessionID, entropy: &entropy)
            sendClear(
                .helperHello(sessionID: sessionID, proof: HandshakeMessage.invitationProof(invitationID: invitation.id, sessionID: sessionID), share: pake.share),
                now: now)
            phase = .helperAwaitingUserHello(pake)
        } catch {
            close(.local("\(error)"))
        }
    }

    private mutating func receiveUserHello(pake: KeyExchange, share: [UInt8], confirmation: [UInt8], header: [UInt8], now: NodeInstant) {
        let secrets: SessionSecrets
        do {
            secrets = try pake.complete(peerShare: share)
        } catch {
            violation("\(error)", now: now)
            return
        }
        guard ConstantTime.equal(confirmation, secrets.userConfirmation) else {
            guard credential.isPassword else {
                violation("the key confirmation does not verify", now: now)
                return
            }
            sendClear(.refusal(Refusal(code: .passwordMismatch, reason: Self.mismatchText)), now: now)
            phase = .helperLingering(until: now + configuration.refusalLinger)
            return
        }
        do {
            let channel = try SecureChannel(sendingKey: secrets.helperToUserKey)
            try channel.startReceiving(key: secrets.userToHelperKey, header: header)
            self.channel = channel
        } catch {
            violation("\(error)", now: now)
            return
        }
        sendClear(.helperFinish(confirmation: secrets.helperConfirmation, streamHeader: channel!.sendingHeader), now: now)
        sendsEncrypted = true
        receivesEncrypted = true
        events.append(.authenticated)
        let statement = secrets.identityStatement(role: "helper", key: identity.key.publicKey.bytes)
        sendEncrypted(
            .helperIdentity(
                key: identity.key.publicKey.bytes, displayName: identity.displayName, computerName: identity.computerName,
                signature: identity.key.signature(for: statement)), now: now)
        phase = .awaitingIdentity(secrets)
    }

    // MARK: User side

    private mutating func receiveHelperHello(sessionID: [UInt8], proof: [UInt8], share: [UInt8], now: NodeInstant) {
        guard ConstantTime.equal(proof, HandshakeMessage.invitationProof(invitationID: invitation.id, sessionID: sessionID)) else {
            // Someone who never opened the invitation: no PAKE, no attempt spent.
            refuse(Refusal(code: .noSuchInvitation, reason: "this listener holds another invitation"), now: now)
            return
        }
        // Only a password attempt is worth counting: each one lets the Helper test one password offline. Known
        // keys leave nothing to guess, so a contact or offer handshake spends no attempt (and a stranger who
        // read an offer listener's invitation cannot withdraw it by giving up).
        let countsAsAttempt = credential.isPassword
        guard mayOpenAttempt || !countsAsAttempt else {
            refuse(Refusal(code: .busy, reason: "other helpers are trying passwords for this invitation right now; try again in a moment"), now: now)
            return
        }
        let secrets: SessionSecrets
        let pake: KeyExchange
        do {
            pake = try KeyExchange(role: .responder, credential: credential, invitation: invitation, sessionID: sessionID, entropy: &entropy)
            secrets = try pake.complete(peerShare: share)
        } catch {
            violation("\(error)", now: now)
            return
        }
        do {
            channel = try SecureChannel(sendingKey: secrets.userToHelperKey)
        } catch {
            close(.local("\(error)"))
            return
        }
        sendClear(.userHello(share: pake.share, confirmation: secrets.userConfirmation, streamHeader: channel!.sendingHeader), now: now)
        attemptOpen = countsAsAttempt
        phase = .userAwaitingHelperFinish(secrets)
    }

    private mutating func receiveHelperFinish(secrets: SessionSecrets, confirmation: [UInt8], header: [UInt8], now: NodeInstant) {
        guard ConstantTime.equal(confirmation, secrets.helperConfirmation) else {
            guard attemptOpen else {
                // Known keys: a wrong tag means the records were altered in transit, not a wrong guess.
                violation("the key confirmation does not verify", now: now)
                return
            }
            attemptOpen = false
            events.append(.attemptFailed)
            refuse(refusalOnFailure, now: now)
            return
        }
        do {
            try channel?.startReceiving(key: secrets.helperToUserKey, header: header)
        } catch {
            violation("\(error)", now: now)
            return
        }
        attemptOpen = false
        sendsEncrypted = true
        receivesEncrypted = true
        events.append(.authenticated)
        let statement = secrets.identityStatement(role: "user", key: identity.key.publicKey.bytes)
        sendEncrypted(.userIdentity(signature: identity.key.signature(for: statement)), now: now)
        phase = .awaitingIdentity(secrets)
    }

    // MARK: Identities and consent (encrypted)

    mutating func receiveIdentity(_ message: SessionMessage, secrets: SessionSecrets, now: NodeInstant) {
        switch (role, message) {
        case (.user, .helperIdentity(let keyBytes, let name, let computer, let signature)):
            guard let key = try? Ed25519PublicKey(bytes: keyBytes),
                key.isValidSignature(signature, for: secrets.identityStatement(role: "helper", key: keyBytes))
            else {
                violation("the helper's identity signature does not verify", now: now)
                return
            }
            guard !DisplayText.containsControl(name), !DisplayText.containsControl(computer) else {
                violation("the helper's names contain control characters", now: now)
                return
            }
            if case .contact(let expected?) = credential, expected != key {
                refuse(.keyMismatch(role: "helper", expected: expected, proven: key), now: now)
                return
            }
            let peer = PeerIdentity(key: key, displayName: name, computerName: computer)
            phase = .awaitingConsent(peer, deadline: now + configuration.consentTimeout)
            events.append(.consentRequested(peer))
        case (.helper, .userIdentity(let signature)):
            if case .contact(let expected?) = credential, expected != invitation.userKey {
                refuse(.keyMismatch(role: "user", expected: expected, proven: invitation.userKey), now: now)
                return
            }
            guard invitation.userKey.isValidSignature(signature, for: secrets.identityStatement(role: "user", key: invitation.userKey.bytes)) else {
                violation("the user's identity signature does not verify", now: now)
                return
            }
            let peer = PeerIdentity(key: invitation.userKey, displayName: invitation.displayName, computerName: invitation.computerName)
            // The Helper waits a little longer than the User's own consent timer, so the User's answer wins.
            phase = .awaitingConsent(peer, deadline: now + configuration.consentTimeout + .seconds(15))
            events.append(.awaitingConsent(peer))
        default:
            violation("expected the other side's identity", now: now)
        }
    }

    /// User: answers "Would you like to allow … to connect to your computer?".
    public mutating func answerConsent(_ accept: Bool, now: NodeInstant) throws(SessionCommandError) {
        guard role == .user else { throw .wrongRole(action: "answer the consent question", allowedFor: .user) }
        guard case .awaitingConsent(let peer, _) = phase else { throw .notNow(action: "answer", why: "no helper is waiting for an answer") }
        if accept {
            sendEncrypted(.consent(.accepted), now: now)
            startSession(with: peer)
        } else {
            sendEncrypted(.consent(.declined), final: false, now: now)
            close(.refusedByUs(Refusal(code: .declined, reason: "you declined \(DisplayText.escaped(peer.displayName))")))
        }
    }

    mutating func receiveConsent(_ answer: ConsentAnswer, peer: PeerIdentity, now: NodeInstant) {
        switch answer {
        case .accepted: startSession(with: peer)
        case .declined: close(.refusedByPeer(Refusal(code: .declined, reason: "the person you are trying to help declined the connection")))
        case .noAnswer: close(.consentTimedOut)
        }
    }

    private mutating func startSession(with peer: PeerIdentity) {
        phase = .session(peer)
        sharing = .screenSharing
        events.append(.connected(peer))
    }
}
