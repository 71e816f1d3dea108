import Dispatch
import EasyConnect
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PNRP
import PNRPNetwork
import PeerCrypto

/// An Easy Connect session on the real network, from either side.
///
/// ```swift
/// // The User: publish an invitation and read the password to the Helper.
/// let user = try await EasyConnectSession.invite(options: InviteOptions(session: options), nameService: names)
/// for await event in user.events { … case .consentRequest: try await user.perform(.accept(nil)) … }
///
/// // The Helper: find the invitation with the password and connect.
/// let helper = await EasyConnectSession.help(password: try EasyConnectPassword(parsing: typed), options: HelpOptions(session: options), nameService: names)
/// ```
///
/// Events arrive in order on `events` and end with `.disconnected`; commands go through `perform`.
public final class EasyConnectSession: Sendable {
    /// Which side this is.
    public let role: ConnectionRole
    /// Everything that happens, in order; finishes after `.disconnected`.
    public let events: AsyncStream<EasyConnectEvent>
    let engine: NIOLoopBound<SessionEngine>
    let loop: any EventLoop
    let threadPool: NIOThreadPool
    let lookup: NIOLockedValueBox<Task<Void, Never>?>
    /// Completed once with the outcome.
    let endFuture: EventLoopFuture<SessionOutcome>
    /// The session's own event loop thread, if it has one: it stops when the session object goes away
    /// (every method of the session needs it, so it cannot stop earlier).
    let ownedGroup: MultiThreadedEventLoopGroup?

    init(
        role: ConnectionRole, events: AsyncStream<EasyConnectEvent>, engine: NIOLoopBound<SessionEngine>, loop: any EventLoop, threadPool: NIOThreadPool,
        endFuture: EventLoopFuture<SessionOutcome>, ownedGroup: MultiThreadedEventLoopGroup?
    ) {
        self.role = role
        self.events = events
        self.engine = engine
        self.loop = loop
        self.threadPool = threadPool
        self.lookup = NIOLockedValueBox(nil)
        self.endFuture = endFuture
        self.ownedGroup = ownedGroup
    }

    deinit {
        lookup.withLockedValue { $0?.cancel() }
        Self.release(ownedGroup)
    }

    /// The loop a session runs on: the caller's group's next, or a thread of its own (`SessionOptions.group`).
    static func eventLoop(_ options: SessionOptions) -> (any EventLoop, MultiThreadedEventLoopGroup?) {
        if let group = options.group { return (group.next(), nil) }
        let own = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        return (own.next(), own)
    }

    /// Stops a session's own event loop thread (on a thread of its own: a loop cannot wait for itself).
    static func release(_ group: MultiThreadedEventLoopGroup?) {
        guard let group else { return }
        DispatchQueue.global().async { group.shutdownGracefully { _ in } }
    }

    /// Carries out a command; returns the transfer ID for `.sendFile`.
    @discardableResult
    public func perform(_ command: EasyConnectCommand) async throws(EasyConnectError) -> UInt32? {
        let engine = self.engine
        let result: Result<UInt32?, EasyConnectError>
        do {
            result = try await loop.submit { () -> Result<UInt32?, EasyConnectError> in
                let result = Result { () throws(EasyConnectError) -> UInt32? in try engine.value.perform(command) }
                engine.value.logPerformed(command, result)
                return result
            }.get()
        } catch {
            // The session has ended and its loop has stopped.
            throw .command(.notInSession)
        }
        return try result.get()
    }

    /// Ends the session from this side (withdraws a waiting invitation, stops a Helper still connecting).
    public func end(reason: String = "") async {
        lookup.withLockedValue { $0?.cancel() }
        let engine = self.engine
        try? await loop.submit { engine.value.disconnect(reason: reason) }.get()
    }

    /// Waits for the end and returns how it ended.
    public func outcome() async -> SessionOutcome {
        let outcome = (try? await endFuture.get()) ?? SessionOutcome(.internalError, "the session ended without an outcome")
        await flushSessionLog()
        try? await threadPool.shutdownGracefully()
        return outcome
    }

    static func makeEngine(
        role: ConnectionRole, core: @escaping @Sendable () -> SessionEngine.Core, options: SessionOptions, loop: any EventLoop
    ) async throws(EasyConnectError) -> (NIOLoopBound<SessionEngine>, AsyncStream<EasyConnectEvent>, NIOThreadPool, EventLoopFuture<SessionOutcome>) {
        let downloads: DownloadDirectory
        do {
            downloads = try DownloadDirectory(path: options.downloadDirectory)
        } catch {
            throw .file(error.description)
        }
        let log: SessionLogRecorder?
        do {
            log = try SessionLogRecorder.start(options: options, role: role)
        } catch {
            throw .file(error.description)
        }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let (stream, continuation) = AsyncStream<EasyConnectEvent>.makeStream(bufferingPolicy: .unbounded)
        let tag = SecureRandom.uint64()
        do {
            let (engine, end) = try await loop.submit {
                let engine = SessionEngine(
                    loop: loop, role: role, core: core(), downloads: downloads, threadPool: pool, continuation: SessionEventSink(continuation: continuation, log: log),
                    chunkBytes: options.chunkBytes, tagSeed: tag)
                log?.attach { [weak engine] id in engine?.remotes[id] }
                return (NIOLoopBound(engine, eventLoop: loop), engine.endPromise.futureResult)
            }.get()
            return (engine, stream, pool, end)
        } catch {
            try? await pool.shutdownGracefully()
            throw .failed(SessionOutcome(.internalError, "cannot start the session: \(error)"))
        }
    }

    // MARK: - The User

    /// Publishes a new invitation (msra `/geteasyhelp`): a fresh password, a listener on every address
    /// (or `listenAddresses`), the invitation sealed under the password's rendezvous name in every cloud
    /// `nameService` has open. Returns once published; the first event is `.invitation` with the password.
    public static func invite(options: InviteOptions, nameService: any PeerNameService) async throws(EasyConnectError) -> EasyConnectSession {
        guard options.lifetime > .zero, options.lifetime <= InviteOptions.maximumLifetime else {
            throw .failed(SessionOutcome(.internalError, "an invitation lives from 1 second to 30 minutes"))
        }
        let (loop, ownedGroup) = Self.eventLoop(options.session)
        do {
            return try await invite(options: options, nameService: nameService, loop: loop, ownedGroup: ownedGroup)
        } catch {
            release(ownedGroup)
            throw error
        }
    }

    private static func invite(
        options: InviteOptions, nameService: any PeerNameService, loop: any EventLoop, ownedGroup: MultiThreadedEventLoopGroup?
    ) async throws(EasyConnectError) -> EasyConnectSession {
        let session = options.session
        return try await startUser(options: options, nameService: nameService, loop: loop, ownedGroup: ownedGroup) { reach, expiresAt, system throws(EasyConnectError) in
                let endpoints = reach.endpoints
            let created = UInt64(HostClock.now().nanoseconds / 1_000_000_000)
            for _ in 0..<5 {
                let password = EasyConnectPassword.generate(using: &system)
                let invitation = Invitation(
                    id: system.bytes(Invitation.idByteCount), expiresAt: expiresAt, userKey: session.identity.key.publicKey,
                    displayName: session.identity.displayName, computerName: session.identity.computerName, endpoints: endpoints,
                    punchEndpoints: reach.punchEndpoints, streamRelay: reach.streamRelay)
                let publications: [InvitationPublication]
                do {
                    publications = try InvitationPublication.prepare(password: password, invitation: invitation, createdAtUnixSeconds: created, parameters: session.rendezvous, entropy: &system)
                } catch {
                    throw .failed(SessionOutcome(.internalError, "\(error)"))
                }
                // A rendezvous name someone already publishes would send Helpers to the wrong invitation: draw again.
                if (try? await nameService.resolve(publications[0].rendezvous.name, within: .seconds(2))) != nil { continue }
                return UserStart(
                    credential: .password(password), invitation: invitation,
                    names: publications.map {
                        NamePublication(name: $0.rendezvous.name, key: $0.rendezvous.signingKey, endpoints: [], extendedPayload: $0.sealedInvitation, comment: nil, lifetime: options.lifetime)
                    },
                    shown: .invitation(password: password.grouped, expiresAt: expiresAt, endpoints: endpoints.map(\.description)))
            }
            throw .failed(SessionOutcome(.internalError, "every password drawn names an invitation already waiting in the cloud; try again"))
        }
    }

    /// What a User's invitation needs once its listener's endpoints are known.
    struct UserStart: Sendable {
        /// How Helpers authenticate.
        var credential: SessionCredential
        /// The invitation.
        var invitation: Invitation
        /// What to publish (revoked when the session ends).
        var names: [NamePublication]
        /// The event that tells the person the invitation is out.
        var shown: EasyConnectEvent
        /// Runs once the engine takes the listener's connections and before the names are published (an
        /// invitation file is written here); a failure ends the invitation.
        var whenListening: (@Sendable () throws(EasyConnectError) -> Void)? = nil
    }

    /// Binds the listener, prepares the invitation (`prepare` gets the endpoints, the expiry in Unix seconds and
    /// the system's entropy), starts the engine, publishes the names and reports the invitation.
    static func startUser(
        options: InviteOptions, nameService: (any PeerNameService)?, loop: any EventLoop, ownedGroup: MultiThreadedEventLoopGroup?,
        prepare: (UserReach, UInt64, inout SystemEntropy) async throws(EasyConnectError) -> UserStart
    ) async throws(EasyConnectError) -> EasyConnectSession {
        let session = options.session
        let box = EngineBox()
        let listener = try await SessionListener.bind(addresses: options.listenAddresses, port: options.port, loop: loop, box: box)
        let reach = await userReach(endpoints: listener.endpoints, nameService: nameService)
        var system = SystemEntropy()
        let now = HostClock.now().nanoseconds
        // The expiry travels in whole seconds: rounded up, so that the invitation waits at least its lifetime
        // (rounded down, a 2-second invitation lived 1 to 2 seconds, and publishing it takes some of that).
        let (seconds, attoseconds) = options.lifetime.components
        let expiresAt = (now + UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000) + 999_999_999) / 1_000_000_000
        let start: UserStart
        do {
            start = try await prepare(reach, expiresAt, &system)
        } catch {
            await listener.close()
            throw error
        }
        let seed = system.bytes(32)
        let identity = session.identity, configuration = options.invitation
        let core: @Sendable () -> SessionEngine.Core = {
            .user(UserInvitation(credential: start.credential, invitation: start.invitation, identity: identity, configuration: configuration, randomSeed: seed))
        }
        let (engine, stream, pool, end): (NIOLoopBound<SessionEngine>, AsyncStream<EasyConnectEvent>, NIOThreadPool, EventLoopFuture<SessionOutcome>)
        do {
            (engine, stream, pool, end) = try await makeEngine(role: .user, core: core, options: session, loop: loop)
        } catch {
            await listener.close()
            throw error
        }
        // The engine takes the listener's connections before anyone can learn where it listens.
        try? await loop.submit {
            let e = engine.value
            box.set(e, loop: loop)
            e.idSource = box
            e.listeners = listener.channels
            if let relay = reach.streamRelay, let port = reach.endpoints.first?.port {
                // Waiting at the relay before the invitation is out: a Helper who finds it can join at once.
                e.waitAtRelay(IPv6Endpoint(address: relay.endpoint.address, port: relay.endpoint.port).socketAddress(), token: relay.token, listenerPort: port)
            }
            e.reschedule()
        }.get()
        func abandon(_ outcome: SessionOutcome) async {
            let log = try? await loop.submit { () -> SessionLogRecorder? in
                engine.value.finish(outcome)
                return engine.value.sessionLog
            }.get()
            await log?.writer.flush()
            await listener.close()
            try? await pool.shutdownGracefully()
        }
        if let whenListening = start.whenListening {
            do {
                try whenListening()
            } catch {
                await abandon(SessionOutcome(.internalError, "\(error)"))
                throw error
            }
        }
        var published: [PublishedName] = []
        for request in start.names {
            guard let nameService else { break }
            do {
                published.append(try await nameService.publish(request))
            } catch {
                for p in published { await nameService.revoke(p) }
                let outcome = SessionOutcome(.noCloud, "cannot publish the invitation: \(error)")
                await abandon(outcome)
                throw .failed(outcome)
            }
        }
        let names = nameService, publishedNames = published
        let revoke: @Sendable () -> Void = { Task { for p in publishedNames { await names?.revoke(p) } } }
        let description = nameService?.serviceDescription
        try? await loop.submit {
            let e = engine.value
            if e.ended {
                revoke()
            } else {
                e.revokeNames = revoke
                // Only a published invitation is shown: its password is worth reading out.
                if let description { e.continuation.yield(.nameService(description)) }
                e.continuation.yield(start.shown)
                e.continuation.yield(.status(.waitingForHelper))
            }
        }.get()
        // A `pnrp node` that stops takes the names published through it along: say so rather than wait for
        // Helpers who can no longer find the invitation.
        if let daemon = nameService as? DaemonNameService {
            let why = "the pnrp node at \(daemon.socketPath) stopped, and your invitation went with it: helpers can no longer find it; start the node again (or use --no-daemon) and create a new invitation"
            Task {
                await daemon.waitUntilPublicationsEnd()
                try? await loop.submit { engine.value.invitationLost(why) }.get()
            }
        }
        return EasyConnectSession(role: .user, events: stream, engine: engine, loop: loop, threadPool: pool, endFuture: end, ownedGroup: ownedGroup)
    }

    // MARK: - The Helper

    /// Finds the invitation `password` names and connects to it (msra `/offereasyhelp`). Returns at once;
    /// progress arrives as `.status` events, and a failure (no invitation, wrong password, declined …) as
    /// `.disconnected` with its outcome.
    public static func help(password: EasyConnectPassword, options: HelpOptions, nameService: any PeerNameService) async throws(EasyConnectError) -> EasyConnectSession {
        try await startHelper(options: options, nameService: nameService) {
            switch await findInvitation(password: password, options: options, nameService: nameService) {
            case .failure(let outcome): return .failure(outcome)
            case .success(let (invitation, zone)):
                var plan = HelperPlan(addresses: connectAddresses(invitation.endpoints, zone: zone), credential: .password(password), invitation: invitation)
                plan.traversal = await helperTraversal(for: invitation, nameService: nameService)
                return .success(plan)
            }
        }
    }

    /// Where and how a Helper connects, once the invitation (or the offer listener) is found.
    struct HelperPlan: Sendable {
        /// The addresses raced.
        var addresses: [SocketAddress]
        /// How the Helper authenticates.
        var credential: SessionCredential
        /// The invitation (a placeholder when offering: the listener's greeting carries it).
        var invitation: Invitation
        /// Offering help to an offer listener.
        var offer = false
        /// The ways through the User's NAT, when the invitation lists any.
        var traversal: HelperTraversal?
    }

    /// Starts a Helper's engine, then finds the invitation with `find` (off the loop) and races its endpoints.
    static func startHelper(
        options: HelpOptions, nameService: (any PeerNameService)?,
        find: @escaping @Sendable () async -> Result<HelperPlan, SessionOutcome>
    ) async throws(EasyConnectError) -> EasyConnectSession {
        let (loop, ownedGroup) = Self.eventLoop(options.session)
        let made: (NIOLoopBound<SessionEngine>, AsyncStream<EasyConnectEvent>, NIOThreadPool, EventLoopFuture<SessionOutcome>)
        do {
            made = try await makeEngine(role: .helper, core: { .helper(candidates: [:], winner: nil) }, options: options.session, loop: loop)
        } catch {
            release(ownedGroup)
            throw error
        }
        let (engine, stream, pool, end) = made
        let session = EasyConnectSession(role: .helper, events: stream, engine: engine, loop: loop, threadPool: pool, endFuture: end, ownedGroup: ownedGroup)
        let description = nameService?.serviceDescription
        try? await loop.submit {
            if let description { engine.value.continuation.yield(.nameService(description)) }
            engine.value.continuation.yield(.status(.attemptingToConnect))
        }.get()
        let task = Task {
            let result = await find()
            try? await loop.submit {
                let e = engine.value
                switch result {
                case .failure(let outcome): e.finish(outcome)
                case .success(let plan):
                    var setup = HelperSetup(
                        credential: plan.credential, invitation: plan.invitation, identity: options.session.identity, configuration: options.session.connection, seeds: SystemEntropy())
                    setup.offer = plan.offer
                    if !plan.offer { e.sessionLog?.invitationOpened(plan.invitation) }
                    e.startRace(
                        plan.addresses,
                        setup: setup,
                        traversal: plan.traversal,
                        connectTimeout: .nanoseconds(Int64(options.connectTimeout.components.seconds) * 1_000_000_000 + options.connectTimeout.components.attoseconds / 1_000_000_000))
                }
            }.get()
        }
        session.lookup.withLockedValue { $0 = task }
        return session
    }

    /// Derives the rendezvous of the Helper's epoch (and, if nothing is found, of the neighbouring
    /// epochs), resolves it, and opens the invitation.
    static func findInvitation(password: EasyConnectPassword, options: HelpOptions, nameService: any PeerNameService) async -> Result<(Invitation, UInt32), SessionOutcome> {
        let parameters = options.session.rendezvous
        let nowSeconds = UInt64(HostClock.now().nanoseconds / 1_000_000_000)
        // The User revokes its invitation when it expires, is withdrawn or is accepted: a Helper then
        // finds nothing, exactly as with a mistyped password.
        var lastFailure = SessionOutcome(
            .notFound,
            "no invitation found for this password — check the first characters; if they are right, the invitation has ended (expired, withdrawn or already accepted): ask for a new one")
        for epoch in parameters.helperEpochs(atUnixSeconds: nowSeconds) {
            if Task.isCancelled { return .failure(SessionOutcome(.ended, "you stopped connecting")) }
            let rendezvous: Rendezvous
            do {
                rendezvous = try Rendezvous.derive(from: password, epoch: epoch, parameters: parameters)
            } catch {
                return .failure(SessionOutcome(.internalError, error.description))
            }
            let record: NameRecord
            do {
                record = try await nameService.resolve(rendezvous.name, within: options.resolveTimeout)
            } catch {
                switch error {
                case .notFound: continue
                case .timedOut:
                    lastFailure = SessionOutcome(.notFound, "no invitation found for this password (the lookup timed out) — check the first characters, or the network")
                    continue
                default: return .failure(SessionOutcome(.noCloud, "cannot look up the invitation: \(error)"))
                }
            }
            guard let sealed = record.extendedPayload else { continue }
            let invitation: Invitation
            do {
                invitation = try SealedInvitation.open(sealed, for: rendezvous)
                try invitation.checkNotExpired(atUnixSeconds: UInt64(HostClock.now().nanoseconds / 1_000_000_000))
            } catch .expired {
                return .failure(SessionOutcome(.expired, InvitationError.expired(expiresAt: 0).description))
            } catch {
                lastFailure = SessionOutcome(.notFound, "an invitation was found under this password's name but does not open with it (\(error)) — check the first characters")
                continue
            }
            return .success((invitation, linkZone(of: record)))
        }
        return .failure(lastFailure)
    }

    /// The interface of a record found in a link-local cloud (`LinkLocal_<zone>`), else 0.
    static func linkZone(of record: NameRecord) -> UInt32 {
        guard record.cloud.hasPrefix("LinkLocal_"), let z = UInt32(record.cloud.dropFirst("LinkLocal_".count)) else { return 0 }
        return z
    }

    /// Socket addresses for the invitation's endpoints: link-local ones on the interface the invitation
    /// was found on, or on every interface with a link-local address.
    static func connectAddresses(_ endpoints: [SessionEndpoint], zone: UInt32) -> [SocketAddress] {
        var out: [SocketAddress] = []
        let interfaces = zone != 0 ? [zone] : LocalAddresses.linkLocalInterfaces()
        for e in endpoints {
            let endpoint = IPv6Endpoint(address: e.address, port: e.port)
            if e.address.isLinkLocal {
                for z in interfaces.prefix(4) { out.append(endpoint.socketAddress(zone: z)) }
            } else {
                out.append(endpoint.socketAddress())
            }
        }
        return Array(out.prefix(32))
    }
}

/// Lets the listener's connections reach an engine created after the socket was bound.
final class EngineBox: Sendable {
    private let state = NIOLockedValueBox<(SessionEngine, any EventLoop)?>(nil)
    private let counter = NIOLockedValueBox<UInt64>(0)

    func set(_ engine: SessionEngine, loop: any EventLoop) { state.withLockedValue { $0 = (engine, loop) } }
    var engine: (SessionEngine, any EventLoop)? { state.withLockedValue { $0 } }
    func nextID() -> ConnectionID {
        counter.withLockedValue {
            $0 += 1
            return ConnectionID($0)
        }
    }
}
