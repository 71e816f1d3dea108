import EasyConnect
import NIOCore
import NIOPosix
import PNRP
import PNRPNetwork
import PeerCrypto

/// The event-loop-confined driver of one Easy Connect session: it owns the sans-IO core (the User's
/// `UserInvitation`, or the Helper's racing connections and then its one `EasyConnectConnection`),
/// feeds it bytes, time and commands, writes what it returns, reads and writes files itself (committing
/// received ones — `fsync`, final name — on a disk thread), and reports `EasyConnectEvent`s. Every method runs on `loop`; `EasyConnectSession` is its thread-safe face.
final class SessionEngine: @unchecked Sendable {
    enum Core {
        case user(UserInvitation)
        case helper(candidates: [ConnectionID: EasyConnectConnection], winner: ConnectionID?)
    }

    struct IncomingFile {
        var partial: PartialFile
        var safeName: String
        var size: UInt64
        var written: UInt64 = 0
        var completed: [UInt8]?
        var lastProgress = NodeInstant(nanoseconds: 0)
    }

    struct OutgoingFileState {
        var file: OutgoingFile
        /// Bytes handed to the connection.
        var handed: UInt64 = 0
        var accepted = false
        var digest: [UInt8]?
        var lastProgress = NodeInstant(nanoseconds: 0)
    }

    let loop: any EventLoop
    let role: ConnectionRole
    let threadPool: NIOThreadPool
    let downloads: DownloadDirectory
    /// The program's event stream, and the session log on the way (`SessionEventSink`).
    let continuation: SessionEventSink
    let endPromise: EventLoopPromise<SessionOutcome>
    let chunkBytes: Int
    /// The User's invitation (User role).
    var user: UserInvitation?
    /// Helper role: connections racing (or the one that won), stored in place so that feeding them bytes
    /// never copies their buffers.
    var candidates: [ConnectionID: EasyConnectConnection] = [:]
    /// Helper role: the connection whose listener greeted first.
    var winner: ConnectionID?
    var timerDeadline: NodeInstant?
    var channels: [ConnectionID: any Channel] = [:]
    var lastWrite: [ConnectionID: EventLoopFuture<Void>] = [:]
    var remotes: [ConnectionID: String] = [:]
    var pendingCloses: Set<ConnectionID> = []
    var timer: Scheduled<Void>?
    var ended = false
    var incoming: [UInt32: IncomingFile] = [:]
    var outgoing: [UInt32: OutgoingFileState] = [:]
    var nextTag: UInt64
    /// User: revokes the published names (runs once).
    var revokeNames: (@Sendable () -> Void)?
    /// User: the listening sockets.
    var listeners: [any Channel] = []
    /// User: why the invitation can no longer be found, once its name service lost it.
    var lostInvitation: String?
    /// Helper: connection attempts still in progress, and why the failed ones failed.
    var racing = 0
    /// Helper: when the race began, and how long after it the winning path's first byte (the User's greeting) came.
    var raceStartedAt: NIODeadline?
    var firstByteAfter: TimeAmount?
    var raceErrors: [String] = []
    /// Helper: how many of those failures were refused connections (nothing listens there).
    var raceRefusals = 0
    /// Helper: a candidate that ended the race on its own (a listener proving another key than the record's).
    var raceVerdict: SessionOutcome?
    /// Helper: what a new connection attempt needs.
    var helperSetup: HelperSetup?
    /// The ways through NATs in use (`SessionEngine+Traversal`).
    var traversal = TraversalState()
    /// User: where connection identifiers come from (shared with the listener).
    var idSource: EngineBox?

    init(loop: any EventLoop, role: ConnectionRole, core: Core, downloads: DownloadDirectory, threadPool: NIOThreadPool, continuation: SessionEventSink, chunkBytes: Int, tagSeed: UInt64) {
        self.loop = loop
        self.role = role
        switch core {
        case .user(let invitation): self.user = invitation
        case .helper(let candidates, let winner): (self.candidates, self.winner) = (candidates, winner)
        }
        self.downloads = downloads
        self.threadPool = threadPool
        self.continuation = continuation
        self.chunkBytes = chunkBytes
        self.endPromise = loop.makePromise(of: SessionOutcome.self)
        self.nextTag = tagSeed
    }

    var now: NodeInstant { HostClock.now() }

    // MARK: - Transport

    func channelActive(_ id: ConnectionID, channel: any Channel) {
        loop.preconditionInEventLoop()
        channels[id] = channel
        remotes[id] = channel.remoteAddress.flatMap { address in
            // A link-local address means nothing without the interface it is reached through: keep its zone.
            let zone: UInt32 = if case .v6(let v6) = address { v6.address.sin6_scope_id } else { 0 }
            return IPv6Endpoint(address).map { EndpointText.format($0, zone: zone) }
        } ?? "?"
        guard !ended else {
            channel.close(promise: nil)
            return
        }
        if user != nil {
            if traversal.preambles[id] != nil {
                // A Helper joined the relay: it is handed to the invitation once its punch offer is read.
                relayedConnectionActive(id)
                return
            }
            if traversal.paths[id] == nil, let remote = channel.remoteAddress.flatMap(IPv6Endpoint.init), traversal.punchAddresses.contains(remote.address) {
                // The Helper's connect met the listener: it came through the NAT a punch opened.
                traversal.paths[id] = .punched
            }
            user!.accept(id, now: now)
            processUser()
        } else {
            helperCandidateConnected(id)
        }
    }

    func received(_ id: ConnectionID, _ bytes: ByteBufferView) {
        if user != nil {
            if traversal.preambles[id] != nil {
                guard let rest = readPreamble(id, bytes) else { return }
                if traversal.relayWait == id { traversal.relayWait = nil }
                user!.accept(id, now: now)
                if !rest.isEmpty { user!.receive(id, rest, now: now) }
                processUser()
                return
            }
            user!.receive(id, bytes, now: now)
            processUser()
        } else if holdBack(id, bytes) {
            return
        } else if candidates[id] != nil {
            candidates[id]!.receive(bytes, now: now)
            processHelper(id)
        }
    }

    func channelInactive(_ id: ConnectionID) {
        channels[id] = nil
        lastWrite[id] = nil
        pendingCloses.remove(id)
        if user != nil {
            if traversal.preambles[id] != nil || traversal.relayWait == id {
                relayWaitEnded(id)
                return
            }
            user!.transportClosed(id, now: now)
            processUser()
        } else if traversal.relayJoining == id {
            relayJoinEnded(id, spliced: false)
        } else if candidates[id] != nil {
            traversal.heldBack[id] = nil
            candidates[id]!.transportClosed(now: now)
            processHelper(id)
        }
    }

    /// Writes framed records to a connection (flushing once).
    func write(_ records: [[UInt8]], to id: ConnectionID) {
        guard let channel = channels[id], !records.isEmpty else { return }
        var future: EventLoopFuture<Void>?
        for record in records {
            var buffer = channel.allocator.buffer(capacity: record.count)
            buffer.writeBytes(record)
            future = channel.write(buffer)
        }
        channel.flush()
        guard let future else { return }
        let total = records.reduce(0) { $0 + $1.count }
        lastWrite[id] = future
        unsentBytes += total
        future.whenComplete { [self] _ in
            unsentBytes -= total
            // A write can complete inside `flush()`, in the middle of handing a file chunk to the connection:
            // resume sending files on the next turn of the loop, never re-entrantly.
            if unsentBytes < Self.sendBacklogLimit { loop.execute { [self] in resumeOutgoing() } }
        }
    }

    /// Bytes handed to the sockets and not yet written.
    var unsentBytes = 0
    /// File chunks wait while this much is queued for the socket.
    static let sendBacklogLimit = 4 << 20
    /// Screen updates wait while this much is queued for the socket (a newer one replaces them).
    static let frameBacklogLimit = 256 << 10

    /// How long a closing connection waits for what was written to it to go out.
    static let closeLinger = TimeAmount.seconds(5)

    /// Closes a connection once what was written to it has gone out, or after `closeLinger` when the peer
    /// reads nothing (a stalled or hostile peer must not hold the socket open forever).
    func closeAfterWrites(_ id: ConnectionID) {
        guard let channel = channels[id], !pendingCloses.contains(id) else { return }
        pendingCloses.insert(id)
        if let last = lastWrite[id] {
            last.whenComplete { _ in channel.close(promise: nil) }
            loop.scheduleTask(in: Self.closeLinger) { channel.close(promise: nil) }
        } else {
            channel.close(promise: nil)
        }
    }

    // MARK: - The User's core

    func processUser() {
        guard let effects = user?.takeEffects() else { return }
        for effect in effects {
            switch effect {
            case .send(let id, let records): write(records, to: id)
            case .close(let id): closeAfterWrites(id)
            case .revokeNames:
                revokeNames?()
                revokeNames = nil
            case .stopListening:
                for l in listeners { l.close(promise: nil) }
                listeners = []
            case .event(let event): handleUserEvent(event)
            }
        }
        endIfInvitationLost()
        reschedule()
    }

    /// User: the published invitation is gone from the cloud (the `pnrp node` holding it stopped): `why`.
    func invitationLost(_ why: String) {
        guard !ended, user?.state == .waiting else { return }
        lostInvitation = why
        endIfInvitationLost()
    }

    /// Ends a waiting invitation that no Helper can find any more, once no Helper who found it before is
    /// still connected (one being asked about may still be accepted).
    private func endIfInvitationLost() {
        guard let why = lostInvitation, !ended, user?.state == .waiting, user?.hasConnections == false else { return }
        finish(SessionOutcome(.noCloud, why))
    }

    private func handleUserEvent(_ event: UserInvitationEvent) {
        switch event {
        case .attemptFailed(let remaining): continuation.yield(.attemptFailed(remaining: remaining))
        case .helperArrived: break
        case .consentRequested(let id, let peer): continuation.yield(.consentRequest(id, peer))
        case .helperRefused(_, let peer, let refusal): continuation.yield(.helperRefused(peer, reason: refusal.reason))
        case .consentCancelled(let id): continuation.yield(.consentCancelled(id))
        case .sessionStarted(let id, let peer): continuation.yield(.connected(peer, remote: remotes[id] ?? "?", path: path(of: id)))
        case .session(_, let e): handleSessionEvent(e)
        case .connectionEnded: break
        case .invitationEnded(let end):
            switch end {
            case .tooManyFailedAttempts: finish(SessionOutcome(.withdrawn, end.description))
            case .expired: finish(SessionOutcome(.timedOut, end.description))
            case .cancelled: finish(SessionOutcome(.ended, "you cancelled the invitation"))
            case .sessionEnded(let reason): finish(SessionOutcome(reason))
            }
        }
    }

    // MARK: - Events of the session, both roles

    func handleSessionEvent(_ event: ConnectionEvent) {
        switch event {
        case .greeted, .authenticated, .attemptFailed, .consentRequested: break
        case .awaitingConsent: continuation.yield(.status(.waitingForAcceptance))
        case .connected(let peer):
            if role == .helper, let winner {
                continuation.yield(.connected(peer, remote: remotes[winner] ?? "?", path: path(of: winner), firstByte: firstByteAfter.map { .nanoseconds($0.nanoseconds) }))
            }
        case .chat(let text): continuation.yield(.chat(text))
        case .controlRequested: continuation.yield(.controlRequested)
        case .controlGranted: continuation.yield(.controlGranted)
        case .controlDenied: continuation.yield(.controlDenied)
        case .controlEnded(let r): continuation.yield(.controlEnded(r))
        case .paused: continuation.yield(.paused)
        case .resumed: continuation.yield(.resumed)
        case .terminalFrame(let encoding, let body): continuation.yield(.terminalFrame(encoding: encoding, body: body))
        case .terminalInput(let bytes): continuation.yield(.terminalInput(bytes))
        case .terminalInputIgnored(let count): continuation.yield(.terminalInputIgnored(bytes: count))
        case .terminalWindow(let size): continuation.yield(.terminalWindow(size))
        case .terminalClosed(let reason): continuation.yield(.terminalClosed(reason))
        case .fileOffered(let offer):
            continuation.yield(.fileOffer(id: offer.id, name: offer.offeredName, safeName: offer.safeName, bytes: offer.size))
            offers[offer.id] = offer
        case .fileAccepted(let id):
            outgoing[id]?.accepted = true
            pumpOutgoing(id)
        case .fileDeclined(let id):
            outgoing[id] = nil
            continuation.yield(.fileDeclined(id: id))
        case .fileData(let id, let bytes): storeIncoming(id, bytes)
        case .fileComplete(let id, let digest):
            incoming[id]?.completed = digest
            commitIfReady(id)
        case .fileDelivered(let id):
            if let s = outgoing.removeValue(forKey: id) {
                continuation.yield(.fileSent(id: id, name: s.file.name, bytes: s.file.size, sha256: Hex.encode(s.digest ?? [])))
            }
        case .fileFailed(let id, let isIncoming, let reason):
            if isIncoming {
                incoming.removeValue(forKey: id)?.partial.discard()
                offers[id] = nil
            } else {
                outgoing[id] = nil
            }
            continuation.yield(.fileFailed(id: id, direction: isIncoming ? .incoming : .outgoing, reason: reason))
        case .closed(let reason):
            // Both roles: the User's invitation reports the end of its session only as this event.
            finish(SessionOutcome(reason))
        }
    }

    // MARK: - Commands

    /// Runs `body` on the session's connection and carries out what follows.
    func withConnection<R>(_ body: (inout EasyConnectConnection) throws(SessionCommandError) -> R) throws(SessionCommandError) -> R {
        guard !ended else { throw .notInSession }
        if user != nil {
            defer { processUser() }
            return try user!.withSession(now: now, body)
        }
        guard let winner, candidates[winner]?.isInSession == true else { throw .notInSession }
        defer { processHelper(winner) }
        return try body(&candidates[winner]!)
    }

    func perform(_ command: EasyConnectCommand) throws(EasyConnectError) -> UInt32? {
        let t = now
        do {
            switch command {
            case .accept(let id), .decline(let id):
                guard user != nil else { throw SessionCommandError.wrongRole(action: "answer the consent question", allowedFor: .user) }
                defer { processUser() }
                guard let target = id ?? user!.promptedConnection else { throw SessionCommandError.notNow(action: "answer", why: "no helper is waiting for an answer") }
                if case .accept = command {
                    try user!.answerConsent(target, accept: true, now: t)
                } else {
                    try user!.answerConsent(target, accept: false, now: t)
                }
            case .chat(let text): try withConnection { (c) throws(SessionCommandError) in try c.sendChat(text, now: t) }
            case .sendFile(let path): return try offerFile(path)
            case .acceptFile(let id): try acceptIncoming(id)
            case .declineFile(let id):
                try withConnection { (c) throws(SessionCommandError) in try c.declineFile(id, now: t) }
                offers[id] = nil
            case .cancelFile(let id): try withConnection { (c) throws(SessionCommandError) in try c.cancelFile(id, reason: "cancelled", now: t) }
            case .requestControl: try withConnection { (c) throws(SessionCommandError) in try c.requestControl(now: t) }
            case .grantControl: try withConnection { (c) throws(SessionCommandError) in try c.grantControl(now: t) }
            case .denyControl: try withConnection { (c) throws(SessionCommandError) in try c.denyControl(now: t) }
            case .giveUpControl: try withConnection { (c) throws(SessionCommandError) in try c.giveUpControl(now: t) }
            case .panic: try withConnection { (c) throws(SessionCommandError) in try c.panic(now: t) }
            case .pause: try withConnection { (c) throws(SessionCommandError) in try c.pause(now: t) }
            case .resume: try withConnection { (c) throws(SessionCommandError) in try c.resume(now: t) }
            case .terminalFrame(let encoding, let body):
                // Screen updates replace one another: while the socket is backlogged, a newer one goes later.
                guard unsentBytes < Self.frameBacklogLimit else { throw SessionCommandError.notNow(action: "send a screen update", why: "the link is busy") }
                try withConnection { (c) throws(SessionCommandError) in try c.sendTerminalFrame(encoding: encoding, body: body, now: t) }
            case .terminalInput(let bytes): try withConnection { (c) throws(SessionCommandError) in try c.sendTerminalInput(bytes, now: t) }
            case .terminalWindow(let size): try withConnection { (c) throws(SessionCommandError) in try c.sendTerminalWindow(size, now: t) }
            case .terminalClosed(let reason): try withConnection { (c) throws(SessionCommandError) in try c.sendTerminalClosed(reason, now: t) }
            case .disconnect: disconnect(reason: "")
            }
        } catch let e as SessionCommandError {
            throw .command(e)
        } catch let e as EasyConnectError {
            throw e
        } catch {
            throw .file("\(error)")
        }
        return nil
    }

    /// Ends the session from this side (or withdraws the waiting invitation, or stops connecting).
    func disconnect(reason: String) {
        guard !ended else { return }
        if user != nil {
            user!.cancel(reason: reason, now: now)
            processUser()
            return
        }
        for id in candidates.keys.sorted() { candidates[id]!.disconnect(reason: reason, now: now) }
        for id in candidates.keys.sorted() { processHelper(id) }
        finish(SessionOutcome(.ended, winner == nil ? "you stopped connecting" : DisconnectReason.local(reason).description))
    }

    var offers: [UInt32: IncomingFileOffer] = [:]

    // MARK: - Timers

    func reschedule() {
        guard !ended else { return }
        let deadline = user.map { $0.nextDeadline } ?? candidates.values.compactMap(\.nextDeadline).min()
        // Most inputs leave the earliest deadline where it was: keep the timer then.
        if deadline == timerDeadline, timer != nil { return }
        timer?.cancel()
        timer = nil
        timerDeadline = deadline
        guard let deadline else { return }
        let delay = deadline - now
        timer = loop.scheduleTask(in: .nanoseconds(Int64(clamping: delay.nanoseconds) + 1_000_000)) { [self] in self.tick() }
    }

    private func tick() {
        timer = nil
        timerDeadline = nil
        guard !ended else { return }
        if user != nil {
            user!.poll(now: now)
            processUser()
            return
        }
        let t = now
        for id in candidates.keys.sorted() { candidates[id]!.poll(now: t) }
        for id in candidates.keys.sorted() { processHelper(id) }
        reschedule()
    }

    // MARK: - Ending

    /// Reports the outcome once, closes every connection, drops partial files, revokes names, stops the
    /// disk thread.
    func finish(_ outcome: SessionOutcome) {
        guard !ended else { return }
        ended = true
        timer?.cancel()
        timer = nil
        for (_, file) in incoming { file.partial.discard() }
        incoming = [:]
        outgoing = [:]
        revokeNames?()
        revokeNames = nil
        for l in listeners { l.close(promise: nil) }
        listeners = []
        closePunchListener()
        for id in channels.keys.sorted() { closeAfterWrites(id) }
        // Nothing is read or written any more: the disk thread stops (work still queued is cancelled,
        // and a cancelled commit discards its file), whether or not anyone asks for the outcome.
        threadPool.shutdownGracefully { _ in }
        continuation.yield(.disconnected(outcome))
        continuation.finish()
        endPromise.succeed(outcome)
    }
}
