import PeerCrypto
import PNRP

/// Identifies one TCP connection to the User's listener.
public struct ConnectionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A driver-chosen number.
    public var rawValue: UInt64
    /// Wraps a number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: ConnectionID, b: ConnectionID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "connection#\(rawValue)" }
}

/// Limits of a waiting invitation.
public struct UserInvitationConfiguration: Sendable, Hashable {
    /// Wrong passwords (or attempts abandoned after the PAKE share) before the invitation is withdrawn.
    public var maximumFailedAttempts = 3
    /// Handshakes in progress at once; more connections are refused as busy.
    public var maximumConcurrentHandshakes = 8
    /// Timers of each connection.
    public var connection = ConnectionConfiguration()
    /// Which Helpers may be asked about (offers: the settings' allowed list); the others are refused with
    /// the reason before the person is disturbed.
    public var admission = HelperAdmission.anyone
    /// An offer listener (msra `/offerRA`): greets every connection with the invitation itself.
    public var announcesInvitation = false

    /// The defaults.
    public init() {}
}

/// The User's side of Easy Connect (msra `/geteasyhelp`) as a sans-IO state machine: one published
/// invitation, the connections Helpers open to the listener, the attempt counter, the consent queue, and
/// the session once a Helper is accepted (`shared/REMOTE-ASSISTANCE.md`, "Waiting For Connect").
///
/// - Every connection runs its own handshake; a racing stranger is refused on its own connection and the
///   real pair goes on.
/// - A connection that received the User's PAKE share and does not confirm the password counts as a
///   failed attempt; after `maximumFailedAttempts` the invitation is withdrawn (names revoked, everyone
///   refused with "withdrawn").
/// - Helpers whose identity is proven are asked about one at a time, in order; the first accepted wins,
///   the names are revoked and every other connection is refused as busy.
/// - At `invitation.expiresAt` the invitation is withdrawn as expired.
public struct UserInvitation {
    /// Where the invitation is in its life.
    public enum State: Sendable, Hashable {
        /// Published, no Helper accepted yet.
        case waiting
        /// A Helper was accepted: the session runs on this connection.
        case inSession(ConnectionID)
        /// Over: withdrawn, expired, cancelled, or the session ended.
        case ended(InvitationEnd)
    }

    /// What the driver must do.
    public enum Effect: Sendable, Hashable {
        /// Write these framed records to the connection.
        case send(ConnectionID, [[UInt8]])
        /// Close the connection once what was sent before is written.
        case close(ConnectionID)
        /// Revoke every published name of the invitation ([MS-RAIOP] 3.1.7: once a session starts).
        case revokeNames
        /// Stop accepting new connections.
        case stopListening
        /// Tell the person.
        case event(UserInvitationEvent)
    }

    /// The invitation.
    public let invitation: Invitation
    /// Limits.
    public let configuration: UserInvitationConfiguration
    let credential: SessionCredential
    let identity: LocalIdentity
    /// Where it is in its life.
    public private(set) var state = State.waiting
    /// Failed attempts so far.
    public private(set) var failedAttempts = 0
    var connections: [ConnectionID: EasyConnectConnection] = [:]
    var consentQueue: [ConnectionID] = []
    var prompted: ConnectionID?
    var seeds: DeterministicEntropy
    var effects: [Effect] = []

    /// A waiting invitation. `identity.key` must be the key `invitation.userKey` names; `randomSeed`
    /// (32 bytes from the system's generator) seeds every connection's randomness.
    public init(password: EasyConnectPassword, invitation: Invitation, identity: LocalIdentity, configuration: UserInvitationConfiguration = UserInvitationConfiguration(), randomSeed: [UInt8]) {
        self.init(credential: .password(password), invitation: invitation, identity: identity, configuration: configuration, randomSeed: randomSeed)
    }

    /// A waiting invitation whose Helpers authenticate with `credential`: a password, or (contact help) the
    /// key of the one contact it is sealed for.
    public init(credential: SessionCredential, invitation: Invitation, identity: LocalIdentity, configuration: UserInvitationConfiguration = UserInvitationConfiguration(), randomSeed: [UInt8]) {
        self.credential = credential
        self.invitation = invitation
        self.identity = identity
        self.configuration = configuration
        seeds = DeterministicEntropy(fromSeed: randomSeed)
    }

    /// What the driver must do now, in order.
    public mutating func takeEffects() -> [Effect] {
        defer { effects = [] }
        return effects
    }

    /// The earliest time `poll` must run.
    public var nextDeadline: NodeInstant? {
        let expiry: NodeInstant? = state == .waiting ? NodeInstant(nanoseconds: invitation.expiresAt * 1_000_000_000) : nil
        return ([expiry] + connections.values.map(\.nextDeadline)).compactMap { $0 }.min()
    }

    // MARK: - Inputs

    /// A Helper opened a TCP connection to the listener.
    public mutating func accept(_ id: ConnectionID, now: NodeInstant) {
        guard state == .waiting else {
            effects.append(.close(id))
            return
        }
        var connection = EasyConnectConnection(
            userWith: credential, invitation: invitation, identity: identity, configuration: configuration.connection, announcesInvitation: configuration.announcesInvitation,
            randomSeed: seeds.bytes(32), now: now)
        let handshaking = connections.values.filter { !$0.isInSession && $0.peer == nil }.count
        if handshaking >= configuration.maximumConcurrentHandshakes {
            connection.refuse(Refusal(code: .busy, reason: "too many connections are trying at once; try again in a moment"), now: now)
        }
        connections[id] = connection
        drain(id, now: now)
    }

    /// Bytes arrived on a connection.
    public mutating func receive<C: Collection<UInt8>>(_ id: ConnectionID, _ bytes: C, now: NodeInstant) {
        guard connections[id] != nil else { return }
        prepareFailureVerdict(id)
        connections[id]!.receive(bytes, now: now)
        drain(id, now: now)
    }

    /// A connection's transport closed.
    public mutating func transportClosed(_ id: ConnectionID, now: NodeInstant) {
        guard connections[id] != nil else { return }
        connections[id]!.transportClosed(now: now)
        drain(id, now: now)
    }

    /// Runs every timer due at `now`: expiry, handshakes, consent, keepalive.
    public mutating func poll(now: NodeInstant) {
        if state == .waiting, now.nanoseconds >= invitation.expiresAt * 1_000_000_000 {
            withdraw(.expired, refusal: Refusal(code: .expired, reason: "this invitation has expired: ask for a new one"), now: now)
        }
        for id in connections.keys.sorted() {
            prepareFailureVerdict(id)
            connections[id]?.poll(now: now)
            drain(id, now: now)
        }
    }

    /// The person's answer to the consent question about connection `id`.
    public mutating func answerConsent(_ id: ConnectionID, accept: Bool, now: NodeInstant) throws(SessionCommandError) {
        guard prompted == id, connections[id] != nil else { throw .notNow(action: "answer", why: "no helper is waiting for an answer") }
        try connections[id]!.answerConsent(accept, now: now)
        prompted = nil
        drain(id, now: now)
        promptNext()
    }

    /// The User cancels the invitation (Ctrl-C, a signal, `/quit`) or ends the session.
    public mutating func cancel(reason: String = "", now: NodeInstant) {
        switch state {
        case .waiting:
            withdraw(.cancelled, refusal: Refusal(code: .noSuchInvitation, reason: "the person you are trying to help cancelled the invitation"), now: now)
        case .inSession(let id):
            connections[id]?.disconnect(reason: reason, now: now)
            drain(id, now: now)
        case .ended:
            break
        }
    }

    /// Runs a session command on the accepted connection (chat, control, pause, files …).
    public mutating func withSession<R>(now: NodeInstant, _ body: (inout EasyConnectConnection) throws(SessionCommandError) -> R) throws(SessionCommandError) -> R {
        guard case .inSession(let id) = state, connections[id] != nil else { throw .notInSession }
        let result: R
        do {
            result = try body(&connections[id]!)
        } catch {
            drain(id, now: now)
            throw error
        }
        drain(id, now: now)
        return result
    }

    /// The connection whose Helper the person is being asked about now, if any.
    public var promptedConnection: ConnectionID? { prompted }

    /// Whether any Helper is connected now: in its handshake, waiting to be asked about, or in the session.
    public var hasConnections: Bool { !connections.isEmpty }

    /// The accepted connection, for reading its state.
    public var session: EasyConnectConnection? {
        guard case .inSession(let id) = state else { return nil }
        return connections[id]
    }

    // MARK: - Bookkeeping

    /// Tells a connection, before its next input, whether it may start a PAKE attempt (failed attempts
    /// plus those in progress stay within the limit) and which refusal a failure calls for.
    private mutating func prepareFailureVerdict(_ id: ConnectionID) {
        let open = connections.filter { $0.key != id && $0.value.isAttemptOpen }.count
        connections[id]?.mayOpenAttempt = failedAttempts + open < configuration.maximumFailedAttempts
        let last = failedAttempts + 1 >= configuration.maximumFailedAttempts
        connections[id]?.refusalOnFailure =
            last
            ? Refusal(code: .invitationWithdrawn, reason: "the password does not match this invitation, and too many wrong passwords were tried: the invitation was withdrawn; ask for a new one")
            : Refusal(code: .passwordMismatch, reason: EasyConnectConnection.mismatchText)
    }

    /// Moves a connection's output and events into effects, and applies the invitation's rules to them.
    private mutating func drain(_ id: ConnectionID, now: NodeInstant) {
        // Handling an event may make the connection say more (a refusal): repeat until it is quiet.
        while connections[id] != nil {
            let output = connections[id]!.takeOutput()
            let events = connections[id]!.takeEvents()
            if output.isEmpty, events.isEmpty { break }
            if !output.isEmpty { effects.append(.send(id, output)) }
            for event in events { handle(event, from: id, now: now) }
        }
        if connections[id]?.isClosed == true {
            connections[id] = nil
            effects.append(.close(id))
            consentQueue.removeAll { $0 == id }
            if prompted == id {
                prompted = nil
                effects.append(.event(.consentCancelled(id)))
                promptNext()
            }
        }
    }

    private mutating func handle(_ event: ConnectionEvent, from id: ConnectionID, now: NodeInstant) {
        switch event {
        case .attemptFailed:
            failedAttempts += 1
            let left = max(0, configuration.maximumFailedAttempts - failedAttempts)
            effects.append(.event(.attemptFailed(remaining: left)))
            if left == 0, state == .waiting {
                withdraw(.tooManyFailedAttempts, refusal: Refusal(code: .invitationWithdrawn, reason: "too many wrong passwords were tried: the invitation was withdrawn; ask for a new one"), now: now)
            }
        case .consentRequested(let peer):
            guard state == .waiting else {
                connections[id]?.refuse(Refusal(code: .busy, reason: "another helper is already connected"), now: now)
                return
            }
            if let refusal = configuration.admission.refusal(for: peer) {
                connections[id]?.refuse(refusal, now: now)
                effects.append(.event(.helperRefused(id, peer, refusal)))
                return
            }
            consentQueue.append(id)
            effects.append(.event(.helperArrived(id, peer)))
            promptNext()
        case .connected(let peer):
            state = .inSession(id)
            effects.append(.revokeNames)
            effects.append(.stopListening)
            effects.append(.event(.sessionStarted(id, peer)))
            for other in connections.keys.sorted() where other != id {
                connections[other]?.refuse(Refusal(code: .busy, reason: "the person you are trying to help has accepted another helper"), now: now)
                drain(other, now: now)
            }
            consentQueue = []
        case .closed(let reason):
            if case .inSession(id) = state {
                state = .ended(.sessionEnded(reason))
                effects.append(.event(.session(id, event)))
                effects.append(.event(.invitationEnded(.sessionEnded(reason))))
            } else {
                effects.append(.event(.connectionEnded(id, reason)))
            }
        default:
            if case .inSession(id) = state { effects.append(.event(.session(id, event))) }
        }
    }

    private mutating func promptNext() {
        guard prompted == nil, state == .waiting, let next = consentQueue.first else { return }
        consentQueue.removeFirst()
        guard let peer = connections[next]?.peer else { return promptNext() }
        prompted = next
        effects.append(.event(.consentRequested(next, peer)))
    }

    private mutating func withdraw(_ end: InvitationEnd, refusal: Refusal, now: NodeInstant) {
        guard state == .waiting else { return }
        state = .ended(end)
        effects.append(.revokeNames)
        effects.append(.stopListening)
        for id in connections.keys.sorted() {
            connections[id]?.refuse(refusal, now: now)
            drain(id, now: now)
        }
        effects.append(.event(.invitationEnded(end)))
    }
}

/// How an invitation ended.
public enum InvitationEnd: Sendable, Hashable, CustomStringConvertible {
    /// Three wrong passwords: withdrawn.
    case tooManyFailedAttempts
    /// It reached its expiry (30 minutes at most) without a session.
    case expired
    /// The User cancelled it.
    case cancelled
    /// A session took place and ended.
    case sessionEnded(DisconnectReason)

    public var description: String {
        switch self {
        case .tooManyFailedAttempts: "the invitation was withdrawn after too many wrong passwords; create a new one"
        case .expired: "the invitation expired before a helper connected"
        case .cancelled: "the invitation was cancelled"
        case .sessionEnded(let r): "the session ended: \(r)"
        }
    }
}

/// What the User's side tells its person.
public enum UserInvitationEvent: Sendable, Hashable {
    /// Someone tried a wrong password (or gave up mid-way); `remaining` attempts are left.
    case attemptFailed(remaining: Int)
    /// A Helper proved its identity; it waits in line for the consent question.
    case helperArrived(ConnectionID, PeerIdentity)
    /// Ask: "Would you like to allow <name> to connect to your computer?" and answer with `answerConsent`.
    case consentRequested(ConnectionID, PeerIdentity)
    /// A Helper the admission rules do not accept was refused without asking the person.
    case helperRefused(ConnectionID, PeerIdentity, Refusal)
    /// The Helper being asked about left (or timed out) before an answer.
    case consentCancelled(ConnectionID)
    /// A Helper was accepted: the session runs on this connection.
    case sessionStarted(ConnectionID, PeerIdentity)
    /// Something happened in the session.
    case session(ConnectionID, ConnectionEvent)
    /// A connection that never became the session ended.
    case connectionEnded(ConnectionID, DisconnectReason)
    /// The invitation is over: withdrawn, expired or cancelled without a session, or its session ended
    /// (after that session's `.closed`). Nothing more happens.
    case invitationEnded(InvitationEnd)
}
