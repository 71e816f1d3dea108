import EasyConnect
import NIOCore
import NIOPosix
import PNRP
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the engine keeps to get a session through NATs (`docs/deviations.md`, E11): which connection came by
/// which path, the relayed connections whose first bytes are still awaited or held back, and the punch
/// attempts in flight.
struct TraversalState {
    /// The path of each connection that is not direct.
    var paths: [ConnectionID: SessionPath] = [:]
    /// User: relayed connections whose `PunchOffer` is still being read, with the bytes so far.
    var preambles: [ConnectionID: [UInt8]] = [:]
    /// Helper: relayed connections whose bytes wait while a punched connection may still win.
    var heldBack: [ConnectionID: [UInt8]] = [:]
    /// User: the local port its punches leave from (its listener's), set once it waits at its relay. (A Helper's
    /// punches leave from its punch listener's port, which `startTraversal` passes along.)
    var punchPort: UInt16?
    /// Punch attempts (endpoints) still trying.
    var punchesInFlight = 0
    /// Addresses a punch went to: a connection accepted from one of them came through the NAT.
    var punchAddresses: Set<IPv6Address> = []
    /// Helper: the listener on the port its punches leave from.
    var punchListener: (any Channel)?
    /// Helper: IDs for connections beyond the first race.
    var nextID: UInt64 = 1_000
    /// User: the stream relay connection waiting for a Helper.
    var relayWait: ConnectionID?
    /// Helper: the relay connection made but not yet spliced (counted as racing until then).
    var relayJoining: ConnectionID?
}

/// What a Helper knows to get through the User's NAT, from the invitation and its own name service.
struct HelperTraversal: Sendable {
    /// Where the User's NAT maps its listener.
    var punchEndpoints: [SocketAddress]
    /// The User's stream relay and its token.
    var relay: (endpoint: SocketAddress, token: [UInt8])?
    /// The Helper's own public address (its name service's observation), nil when unknown.
    var publicAddress: IPv6Address?
    /// How long the Helper lets direct connections go first.
    var stagger: TimeAmount
}

extension SessionEngine {
    /// How long punches are tried, and how long a Helper holds a relayed connection back for them.
    static let punchWindow = TimeAmount.seconds(2)
    /// Punch connects to one endpoint, at most (a reset one is made again at once).
    static let punchAttempts = 12
    /// How long a User waits for a relayed Helper's `PunchOffer`.
    static let preambleLimit = TimeAmount.seconds(10)

    /// The path of a connection.
    func path(of id: ConnectionID) -> SessionPath { traversal.paths[id] ?? .direct }

    // MARK: - Punching (both roles)

    /// Connects from local port `port` to `target` with SO_REUSEPORT (the listener holds the port too), so that
    /// the NAT maps this connection as it maps the listener; a connect that is refused or reset is made again
    /// until `deadline`. A connection made this way joins the session as a punched one.
    func punch(to target: SocketAddress, from port: UInt16, until deadline: NIODeadline, attempt: Int = 1) {
        guard !ended, attempt <= Self.punchAttempts, deadline - .now() > .milliseconds(20) else {
            punchEnded(failure: "no connection through the NAT to \(describe(target)) (\(attempt - 1) attempts)")
            return
        }
        let remaining = deadline - .now()
        if attempt == 1, let e = IPv6Endpoint(target) { traversal.punchAddresses.insert(e.address) }
        let local: SocketAddress
        do {
            local = if case .v6 = target { try SocketAddress(ipAddress: "::", port: Int(port)) } else { try SocketAddress(ipAddress: "0.0.0.0", port: Int(port)) }
        } catch {
            punchEnded(failure: "cannot bind port \(port): \(error)")
            return
        }
        let id = newConnectionID()
        traversal.paths[id] = .punched
        let engine = self
        ClientBootstrap(group: loop)
            .connectTimeout(remaining)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT)), value: 1)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: SessionListener.receiveAllocator)
            .bind(to: local)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SessionChannelHandler(engine: engine, id: id))
                }
            }
            .connect(to: target)
            .whenComplete { [self] result in
                switch result {
                case .success:
                    punchEnded(failure: nil)
                case .failure(let error):
                    traversal.paths[id] = nil
                    let errno = (error as? IOError)?.errnoCode
                    // EADDRNOTAVAIL/EADDRINUSE: this very pair of endpoints is connected already (through the listener).
                    if errno == EADDRNOTAVAIL || errno == EADDRINUSE || ended {
                        punchEnded(failure: nil)
                    } else {
                        loop.scheduleTask(in: .milliseconds(10)) { [self] in punch(to: target, from: port, until: deadline, attempt: attempt + 1) }
                    }
                }
            }
    }

    /// One punch endpoint stopped trying: connected (or met the listener's connection), or gave up (`failure`).
    /// A connection made is not active yet (its candidate comes next): the relayed one stays held back for it.
    private func punchEnded(failure: String?) {
        traversal.punchesInFlight -= 1
        guard user == nil else { return }
        racing -= 1
        if let failure {
            raceErrors.append(failure)
            releaseHeldBackIfNoPunch()
        }
        checkRaceLost()
    }

    /// A connection to a stream relay that says `hello` (and sends `early` with it); the session sees it as
    /// connection `id` once the relay has spliced it with its partner.
    func connectToRelay(_ relay: SocketAddress, hello: StreamRelayHello, then early: [UInt8], id: ConnectionID) -> EventLoopFuture<any Channel> {
        let engine = self
        return ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: SessionListener.receiveAllocator)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StreamRelayClientHandler(hello, then: early))
                    try channel.pipeline.syncOperations.addHandler(SessionChannelHandler(engine: engine, id: id))
                }
            }
            .connect(to: relay)
    }

    /// A new connection identifier.
    func newConnectionID() -> ConnectionID {
        if let idSource { return idSource.nextID() }
        traversal.nextID += 1
        return ConnectionID(traversal.nextID)
    }

    // MARK: - The User

    /// Waits at the stream relay with the token the invitation carries: the Helper who joins is handed to the
    /// invitation once its `PunchOffer` arrived, after punches to the offer's endpoints from `listenerPort`.
    func waitAtRelay(_ relay: SocketAddress, token: [UInt8], listenerPort: UInt16) {
        loop.preconditionInEventLoop()
        guard !ended else { return }
        let id = newConnectionID()
        traversal.paths[id] = .relayed
        traversal.preambles[id] = []
        traversal.relayWait = id
        connectToRelay(relay, hello: StreamRelayHello(role: .wait, token: token), then: [], id: id)
            .whenComplete { [self] result in
                if case .failure = result { relayWaitEnded(id) }
            }
        traversal.punchPort = listenerPort
    }

    /// The relayed connection `id` was spliced with a Helper: its first bytes must be a `PunchOffer`.
    func relayedConnectionActive(_ id: ConnectionID) {
        loop.scheduleTask(in: Self.preambleLimit) { [self] in
            if traversal.preambles[id] != nil { channels[id]?.close(promise: nil) }
        }
    }

    /// Reads a relayed connection's first bytes; returns the bytes that follow the offer once it is whole
    /// (nil while it is not, or when the connection was closed for not sending one).
    func readPreamble(_ id: ConnectionID, _ bytes: ByteBufferView) -> [UInt8]? {
        traversal.preambles[id]!.append(contentsOf: bytes)
        let got = traversal.preambles[id]!
        let parsed: (offer: PunchOffer, consumed: Int)?
        do {
            parsed = try PunchOffer.decodePrefix(got)
        } catch {
            traversal.preambles[id] = nil
            channels[id]?.close(promise: nil)
            return nil
        }
        guard let (offer, consumed) = parsed else { return nil }
        traversal.preambles[id] = nil
        if let port = traversal.punchPort {
            let deadline = NIODeadline.now() + Self.punchWindow
            for e in offer.endpoints where !e.address.isLinkLocal {
                traversal.punchesInFlight += 1
                punch(to: IPv6Endpoint(address: e.address, port: e.port).socketAddress(), from: port, until: deadline)
            }
        }
        return Array(got[consumed...])
    }

    /// The User's relay connection `id` ended or could not be made.
    func relayWaitEnded(_ id: ConnectionID) {
        traversal.preambles[id] = nil
        if traversal.relayWait == id { traversal.relayWait = nil }
    }

    // MARK: - The Helper

    /// Starts the ways through the User's NAT: a listener on a port of its own, a `PunchOffer` naming that port
    /// sent through the User's stream relay (joined at once), and connects from that port to the User's punch
    /// endpoints. The relayed connection's bytes are held back for `punchWindow` so that a punched connection
    /// wins when it can.
    func startTraversal(_ plan: HelperTraversal, setup: HelperSetup) {
        guard !ended, winner == nil else { return }
        let engine = self
        let listen = SessionListener.serverBootstrap(loop)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = engine.newConnectionID()
                    engine.traversal.paths[id] = .punched
                    try channel.pipeline.syncOperations.addHandler(SessionChannelHandler(engine: engine, id: id))
                }
            }
            .bind(host: "0.0.0.0", port: 0)
        // Counted as racing until the listener is bound and the attempts are under way.
        racing += 1
        listen.whenComplete { [self] result in
            racing -= 1
            let listener = try? result.get()
            if let listener {
                if ended || winner != nil {
                    listener.close(promise: nil)
                } else {
                    traversal.punchListener = listener
                }
            }
            let port = listener.flatMap { $0.localAddress?.port }.map { UInt16($0) }
            var offered: [SessionEndpoint] = []
            if let port {
                if let address = plan.publicAddress, address.isIPv4Mapped { offered.append(SessionEndpoint(address: address, port: port)) }
                for e in LocalAddresses.sessionEndpoints(port: port, includeLoopback: false) where e.address.isIPv4Mapped && !offered.contains(e) {
                    offered.append(e)
                }
            }
            let offer = PunchOffer(endpoints: Array(offered.prefix(PunchOffer.maximumEndpoints)))
            if let relay = plan.relay { joinRelay(relay.endpoint, token: relay.token, offer: offer) }
            if let port, !ended, winner == nil {
                let deadline = NIODeadline.now() + Self.punchWindow
                for target in plan.punchEndpoints {
                    traversal.punchesInFlight += 1
                    racing += 1
                    punch(to: target, from: port, until: deadline)
                }
            }
            checkRaceLost()
        }
    }

    /// Joins the User's waiting relay connection, the offer going out with the hello.
    private func joinRelay(_ relay: SocketAddress, token: [UInt8], offer: PunchOffer) {
        guard !ended, winner == nil, let early = try? offer.encoded() else { return }
        let id = newConnectionID()
        traversal.paths[id] = .relayed
        traversal.heldBack[id] = []
        loop.scheduleTask(in: Self.punchWindow) { [self] in releaseHeldBack() }
        racing += 1
        connectToRelay(relay, hello: StreamRelayHello(role: .join, token: token), then: early, id: id)
            .whenComplete { [self] result in
                if case .failure(let error) = result {
                    racing -= 1
                    traversal.heldBack[id] = nil
                    raceErrors.append("the stream relay \(describe(relay)): \(error)")
                    checkRaceLost()
                } else {
                    // Still racing until the relay splices it with the User's connection (or refuses).
                    traversal.relayJoining = id
                }
            }
    }

    /// The Helper's relay connection `id` was spliced (`spliced`) or ended before: it stops counting as racing.
    func relayJoinEnded(_ id: ConnectionID, spliced: Bool) {
        guard traversal.relayJoining == id else { return }
        traversal.relayJoining = nil
        racing -= 1
        if !spliced {
            traversal.heldBack[id] = nil
            raceErrors.append("the stream relay closed the connection before the person's computer was joined to it")
            checkRaceLost()
        }
    }

    /// Holds a relayed connection's bytes while a punch may still win; true when they were held.
    func holdBack(_ id: ConnectionID, _ bytes: ByteBufferView) -> Bool {
        guard traversal.heldBack[id] != nil else { return false }
        traversal.heldBack[id]!.append(contentsOf: bytes)
        return true
    }

    /// Releases the relayed connection once no punch is trying and no punched connection is still to greet.
    func releaseHeldBackIfNoPunch() {
        guard !traversal.heldBack.isEmpty, traversal.punchesInFlight == 0 else { return }
        guard !candidates.keys.contains(where: { path(of: $0) == .punched }) else { return }
        releaseHeldBack()
    }

    /// The punches are over (or their window closed): the relayed connection goes on with what it held.
    func releaseHeldBack() {
        let held = traversal.heldBack
        traversal.heldBack = [:]
        for (id, bytes) in held.sorted(by: { $0.key < $1.key }) where candidates[id] != nil && !bytes.isEmpty {
            candidates[id]!.receive(bytes, now: now)
            processHelper(id)
        }
    }

    /// Closes the Helper's punch listener once the race is decided.
    func closePunchListener() {
        traversal.punchListener?.close(promise: nil)
        traversal.punchListener = nil
    }
}
