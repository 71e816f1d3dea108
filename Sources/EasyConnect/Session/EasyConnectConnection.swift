import PNRP
import PeerCrypto

/// One Easy Connect connection, on either side, as a sans-IO state machine: the handshake (greeting,
/// CPace, key confirmation, identity proofs, consent) and then the session (chat, control, pause, files).
///
/// The driver feeds it what arrives (`receive`), what the person decides (`answerConsent`, `sendChat`, …),
/// the passing of time (`poll` at `nextDeadline`) and the end of the transport (`transportClosed`); after
/// each call it takes the records to write (`takeOutput`) and what happened (`takeEvents`), and closes the
/// socket once `isClosed` and the output is written. It never reads a clock, a socket or a file; its only
/// randomness comes from the 32-byte seed it is given. Keys and streams live in reference-typed wrappers
/// that wipe themselves: do not copy a connection.
public struct EasyConnectConnection {
    enum Phase {
        case helperAwaitingGreeting
        case helperGreeted
        case helperAwaitingUserHello(KeyExchange)
        case helperLingering(until: NodeInstant)
        case userAwaitingHelperHello
        case userAwaitingHelperFinish(SessionSecrets)
        case awaitingIdentity(SessionSecrets)
        case awaitingConsent(PeerIdentity, deadline: NodeInstant)
        case session(PeerIdentity)
        case closed(DisconnectReason)
    }

    /// Which side this is.
    public let role: ConnectionRole
    /// Timers and limits.
    public let configuration: ConnectionConfiguration
    let credential: SessionCredential
    /// The invitation: known from the start, except to a Helper offering help, who reads it from the
    /// listener's `offerGreeting`.
    var invitation: Invitation
    /// Helper: this connection offers help (msra `/offerRA`) and expects an offer listener's greeting.
    var expectsOfferGreeting = false
    let identity: LocalIdentity
    var entropy: DeterministicEntropy
    var phase: Phase
    var records: RecordBuffer
    var channel: SecureChannel?
    var sendsEncrypted = false
    var receivesEncrypted = false
    /// User: a PAKE share was sent and the Helper has not confirmed yet (a failure counts as an attempt).
    var attemptOpen = false
    /// User: the refusal sent when this connection's attempt fails; the invitation sets it before each input.
    public var refusalOnFailure = Refusal(code: .passwordMismatch, reason: Self.mismatchText)
    /// User: whether this connection may start a PAKE attempt now. The invitation sets it before each input,
    /// so that failed attempts plus attempts in progress never exceed its limit: each attempt lets the
    /// Helper test one password offline, so parallel connections must not multiply them.
    public var mayOpenAttempt = true

    /// User: a PAKE share was sent and the Helper has not confirmed the password yet.
    public var isAttemptOpen: Bool { attemptOpen }
    let handshakeDeadline: NodeInstant
    var lastReceived: NodeInstant
    var lastSent: NodeInstant
    /// The sharing state, once connected.
    public internal(set) var sharing = SharingState.waitingForConnect
    /// True while the User has paused sharing.
    public internal(set) var isPaused = false
    /// Helper: control was asked for and not answered; User: the Helper's request awaits an answer.
    public internal(set) var controlRequestPending = false
    var outgoing: [UInt32: OutgoingTransfer] = [:]
    var incoming: [UInt32: IncomingTransfer] = [:]
    /// Incoming transfers cancelled or failed here: their late chunks are ignored.
    var abandonedIncoming: Set<UInt32> = []
    var nextTransferID: UInt32
    var output: [[UInt8]] = []
    var events: [ConnectionEvent] = []

    static let mismatchText = "the password does not match this invitation"

    /// A Helper's connection to one of the User's endpoints, opened with the password and the invitation it
    /// unlocked. It waits for the listener's greeting (`.greeted`), then for `beginHandshake`: a Helper
    /// racing several endpoints starts the PAKE on the first that greets only, so that no attempt is spent
    /// on the others.
    public init(helperWith password: EasyConnectPassword, invitation: Invitation, identity: LocalIdentity, configuration: ConnectionConfiguration = ConnectionConfiguration(), randomSeed: [UInt8], now: NodeInstant) {
        self.init(helperWith: .password(password), invitation: invitation, identity: identity, configuration: configuration, randomSeed: randomSeed, now: now)
    }

    /// A Helper's connection authenticated by `credential` (a password, or the contact keys of contact help).
    public init(helperWith credential: SessionCredential, invitation: Invitation, identity: LocalIdentity, configuration: ConnectionConfiguration = ConnectionConfiguration(), randomSeed: [UInt8], now: NodeInstant) {
        self.init(role: .helper, credential: credential, invitation: invitation, identity: identity, configuration: configuration, randomSeed: randomSeed, now: now)
        phase = .helperAwaitingGreeting
    }

    /// A connection a Helper opened to the User's listener: it greets at once with the invitation's tag.
    /// `identity.key` must be the key the invitation names.
    public init(userWith password: EasyConnectPassword, invitation: Invitation, identity: LocalIdentity, configuration: ConnectionConfiguration = ConnectionConfiguration(), randomSeed: [UInt8], now: NodeInstant) {
        self.init(userWith: .password(password), invitation: invitation, identity: identity, configuration: configuration, randomSeed: randomSeed, now: now)
    }

    /// A connection a Helper opened to the User's listener, authenticated by `credential`.
    /// With `announcesInvitation` (an offer listener) it greets with the whole invitation instead of its tag.
    public init(
        userWith credential: SessionCredential, invitation: Invitation, identity: LocalIdentity, configuration: ConnectionConfiguration = ConnectionConfiguration(),
        announcesInvitation: Bool = false, randomSeed: [UInt8], now: NodeInstant
    ) {
        self.init(role: .user, credential: credential, invitation: invitation, identity: identity, configuration: configuration, randomSeed: randomSeed, now: now)
        phase = .userAwaitingHelperHello
        if announcesInvitation, let plain = try? invitation.encoded() {
            sendClear(.offerGreeting(invitation: plain), now: now)
        } else {
            sendClear(.greeting(tag: invitation.greetingTag), now: now)
        }
    }

    /// A Helper offering help (msra `/offerRA`) on a connection to an offer listener: it learns the invitation
    /// from the listener's `offerGreeting`, then authenticates with SIGMA-I. `expectedUserKey` (the contact
    /// record's key, when offering to a contact) must be the key the invitation names and the User proves.
    public init(
        offeringWith expectedUserKey: Ed25519PublicKey?, identity: LocalIdentity, configuration: ConnectionConfiguration = ConnectionConfiguration(), randomSeed: [UInt8],
        now: NodeInstant
    ) {
        self.init(helperWith: .contact(expectedKey: expectedUserKey), invitation: .unknown, identity: identity, configuration: configuration, randomSeed: randomSeed, now: now)
        expectsOfferGreeting = true
    }

    private init(role: ConnectionRole, credential: SessionCredential, invitation: Invitation, identity: LocalIdentity, configuration: ConnectionConfiguration, randomSeed: [UInt8], now: NodeInstant) {
        self.role = role
        self.configuration = configuration
        self.credential = credential
        self.invitation = invitation
        self.identity = identity
        entropy = DeterministicEntropy(fromSeed: randomSeed)
        phase = .closed(.connectionLost)
        records = RecordBuffer(maximumRecordBytes: configuration.maximumRecordBytes)
        handshakeDeadline = now + configuration.handshakeTimeout
        lastReceived = now
        lastSent = now
        nextTransferID = role == .helper ? 1 : 2
    }

    // MARK: - What the driver reads

    /// True once the connection has ended; write the remaining output, then close the socket.
    public var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// Why it ended, once closed.
    public var closeReason: DisconnectReason? {
        if case .closed(let r) = phase { return r }
        return nil
    }

    /// The other side, once its identity is proven.
    public var peer: PeerIdentity? {
        switch phase {
        case .awaitingConsent(let p, _), .session(let p): p
        default: nil
        }
    }

    /// True once the User accepted and until the connection ends.
    public var isInSession: Bool {
        if case .session = phase { return true }
        return false
    }

    /// Framed records to write, in order.
    public mutating func takeOutput() -> [[UInt8]] {
        defer { output = [] }
        return output
    }

    /// What happened since the last call, in order.
    public mutating func takeEvents() -> [ConnectionEvent] {
        defer { events = [] }
        return events
    }

    /// When `poll` must be called next (nil: nothing is scheduled).
    public var nextDeadline: NodeInstant? {
        var times: [NodeInstant] = []
        switch phase {
        case .closed: return nil
        case .helperLingering(let until): return until
        case .helperAwaitingGreeting, .helperGreeted, .helperAwaitingUserHello, .userAwaitingHelperHello, .userAwaitingHelperFinish, .awaitingIdentity:
            times.append(handshakeDeadline)
        case .awaitingConsent(_, let deadline): times.append(deadline)
        case .session: break
        }
        if sendsEncrypted { times.append(lastSent + configuration.keepaliveInterval) }
        if receivesEncrypted { times.append(lastReceived + configuration.silenceLimit) }
        return times.min()
    }

    // MARK: - Inputs from the transport

    /// Bytes received from the peer, in any pieces.
    public mutating func receive<C: Collection<UInt8>>(_ bytes: C, now: NodeInstant) {
        guard !isClosed else { return }
        lastReceived = now
        records.append(contentsOf: bytes)
        while !isClosed {
            let body: ArraySlice<UInt8>?
            do {
                body = try records.nextRecord()
            } catch {
                violation("\(error)", now: now)
                return
            }
            guard let body else { return }
            if receivesEncrypted {
                receiveEncrypted(body, now: now)
            } else {
                receiveClear(body, now: now)
            }
        }
    }

    /// The transport closed (EOF, reset, or a write failure).
    public mutating func transportClosed(now: NodeInstant) {
        guard !isClosed else { return }
        if case .helperLingering = phase {
            close(.refusedByUs(Refusal(code: .passwordMismatch, reason: Self.mismatchText)))
        } else {
            close(.connectionLost)
        }
    }

    /// Runs the timers due at `now`: handshake and consent deadlines, keepalive pings, peer silence.
    public mutating func poll(now: NodeInstant) {
        switch phase {
        case .closed: return
        case .helperLingering(let until):
            if now >= until { close(.refusedByUs(Refusal(code: .passwordMismatch, reason: Self.mismatchText))) }
            return
        case .helperAwaitingGreeting, .helperGreeted, .helperAwaitingUserHello, .userAwaitingHelperHello, .userAwaitingHelperFinish, .awaitingIdentity:
            if now >= handshakeDeadline {
                close(.handshakeTimedOut)
                return
            }
        case .awaitingConsent(_, let deadline):
            if now >= deadline {
                if role == .user {
                    sendEncrypted(.consent(.noAnswer), now: now)
                }
                close(.consentTimedOut)
                return
            }
        case .session: break
        }
        if receivesEncrypted, now >= lastReceived + configuration.silenceLimit {
            close(.peerSilent(seconds: Int(configuration.silenceLimit.nanoseconds / 1_000_000_000)))
            return
        }
        if sendsEncrypted, now >= lastSent + configuration.keepaliveInterval {
            sendEncrypted(.ping, now: now)
        }
    }

    // MARK: - Ending

    /// Ends the connection from this side, telling the peer when the channel allows.
    public mutating func disconnect(reason: String = "", now: NodeInstant) {
        guard !isClosed else { return }
        if sendsEncrypted { sendEncrypted(.disconnect(Refusal(code: .normal, reason: reason)), final: true, now: now) }
        close(.local(reason))
    }

    /// Refuses the peer with `refusal` (busy, withdrawn, expired …) and ends the connection. An attempt in
    /// progress that this side cuts short is not counted as a wrong password.
    public mutating func refuse(_ refusal: Refusal, now: NodeInstant) {
        guard !isClosed else { return }
        attemptOpen = false
        if sendsEncrypted {
            sendEncrypted(.disconnect(refusal), final: true, now: now)
        } else {
            sendClear(.refusal(refusal), now: now)
        }
        close(.refusedByUs(refusal))
    }

    /// The peer broke the protocol: tell it why and end.
    mutating func violation(_ why: String, now: NodeInstant) {
        guard !isClosed else { return }
        let refusal = Refusal(code: .protocolViolation, reason: "protocol violation: \(why)")
        if sendsEncrypted {
            sendEncrypted(.disconnect(refusal), final: true, now: now)
        } else {
            sendClear(.refusal(refusal), now: now)
        }
        close(.protocolViolation(why))
    }

    mutating func close(_ reason: DisconnectReason) {
        guard !isClosed else { return }
        if attemptOpen {
            attemptOpen = false
            events.append(.attemptFailed)
        }
        for id in incoming.keys.sorted() { events.append(.fileFailed(id: id, incoming: true, reason: "the connection ended before the file was complete")) }
        for id in outgoing.keys.sorted() { events.append(.fileFailed(id: id, incoming: false, reason: "the connection ended before the file was delivered")) }
        incoming = [:]
        outgoing = [:]
        if sharing == .controlSharing { events.append(.controlEnded(role == .user ? .userTookBack : .helperGaveUp)) }
        phase = .closed(reason)
        events.append(.closed(reason))
    }

    // MARK: - Sending

    mutating func sendClear(_ message: HandshakeMessage, now: NodeInstant) {
        guard let body = try? message.encoded() else { return }
        output.append(RecordBuffer.frame(body))
        lastSent = now
    }

    mutating func sendEncrypted(_ message: SessionMessage, final: Bool = false, now: NodeInstant) {
        guard let plain = try? message.encoded() else { return }
        sendEncryptedPlaintext(plain, final: final, now: now)
    }

    mutating func sendEncryptedPlaintext(_ plain: [UInt8], final: Bool = false, now: NodeInstant) {
        guard sendsEncrypted, let channel, let record = try? channel.seal(plain, final: final) else { return }
        output.append(record)
        lastSent = now
    }
}

extension EasyConnectConnection {
    /// Seals any session message on this side's channel, bypassing the session rules: what a modified
    /// program could send. Tests use it to check that the other side refuses forbidden messages.
    @_spi(Testing)
    public mutating func sealForTesting(_ message: SessionMessage) throws(MessageError) -> [UInt8] {
        guard sendsEncrypted, let channel else { throw .unencodable("the channel is not set up yet") }
        return try channel.seal(message.encoded())
    }
}
