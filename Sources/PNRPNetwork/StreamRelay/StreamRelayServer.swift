import Logging
import NIOCore
import NIOPosix
import PNRP

/// The limits of a stream relay.
public struct StreamRelayLimits: Sendable, Hashable {
    /// Pairs spliced at once, at most (default 64: as many as the node may have live tokens,
    /// `NodeConfiguration.maximumStreamTokens`). A join beyond it is answered `busy`.
    public var maximumPairs = 64
    /// Time a new connection has to send its whole hello (default 5 s).
    public var helloTimeout = Duration.seconds(5)
    /// A spliced pair that moves no byte either way for this long is closed (default 5 minutes).
    public var idleTimeout = Duration.seconds(300)
    /// Connections that have not sent their hello yet, at most (default 256); more are closed at once.
    public var maximumPendingHellos = 256
    /// Bytes a connection may send after its hello and before it is spliced (default 64 KiB); they are passed
    /// on once it is. A connection that sends more is closed.
    public var maximumEarlyBytes = 65_536

    /// The defaults.
    public init() {}
}

/// What a stream relay has done, for `pnrp status` and metrics.
public struct StreamRelayCounters: Sendable, Hashable, Codable {
    /// The TCP endpoint it listens on.
    public var endpoint: String
    /// Tokens it accepts now (granted, not expired, not used up).
    public var liveTokens: Int
    /// Connections waiting for their peer.
    public var waiting: Int
    /// Pairs spliced now.
    public var activePairs: Int
    /// Pairs spliced since start.
    public var pairsSpliced: Int
    /// Bytes copied from one side of a pair to the other since start, both ways together.
    public var bytesRelayed: Int
    /// Hellos refused (unknown, expired or used token, busy, no partner, not a hello).
    public var refused: Int
    /// Connections closed for sending no hello in time, or waiting until their token expired.
    public var timedOut: Int
    /// Pairs closed for moving no byte for the idle limit.
    public var idleClosed: Int

    /// Builds the value.
    public init(
        endpoint: String, liveTokens: Int = 0, waiting: Int = 0, activePairs: Int = 0, pairsSpliced: Int = 0, bytesRelayed: Int = 0, refused: Int = 0,
        timedOut: Int = 0, idleClosed: Int = 0
    ) {
        (self.endpoint, self.liveTokens, self.waiting, self.activePairs, self.pairsSpliced) = (endpoint, liveTokens, waiting, activePairs, pairsSpliced)
        (self.bytesRelayed, self.refused, self.timedOut, self.idleClosed) = (bytesRelayed, refused, timedOut, idleClosed)
    }
}

/// A TCP stream relay (`docs/deviations.md`, item X6): it splices two TCP connections that present the same
/// token, then only copies bytes both ways, reading from one side only while the other can take them, until
/// either side closes (a half-close is passed on) or the pair stays idle too long.
///
/// Tokens come from the PNRP node: a relay grants them only to nodes it relays for (`NodeEvent.streamTokenGranted`),
/// and the host hands each to `authorize(_:)`. Each token serves one pair: the first connection says
/// "wait" (the relayed node), the second "join" (its peer); anything else for that token is refused. The
/// relay learns nothing but sizes and timing: what the two sides say to each other is encrypted end to end
/// by their own protocol.
///
/// All connections live on one event loop.
public final class StreamRelayServer: Sendable {
    /// The endpoint it listens on.
    public let endpoint: IPv6Endpoint
    /// The event loop of every connection.
    public let eventLoop: any EventLoop
    let state: NIOLoopBound<StreamRelayState>
    private let listener: any Channel

    private init(endpoint: IPv6Endpoint, eventLoop: any EventLoop, state: NIOLoopBound<StreamRelayState>, listener: any Channel) {
        (self.endpoint, self.eventLoop, self.state, self.listener) = (endpoint, eventLoop, state, listener)
    }

    /// Listens on `endpoint` (port 0: one the system picks), every connection on `eventLoop`.
    public static func start(
        on endpoint: IPv6Endpoint, zone: UInt32 = 0, limits: StreamRelayLimits = StreamRelayLimits(), eventLoop: any EventLoop,
        logger: Logger = Logger(label: "pnrp.stream-relay")
    ) async throws -> StreamRelayServer {
        let state = try await eventLoop.submit { NIOLoopBound(StreamRelayState(eventLoop: eventLoop, limits: limits, logger: logger), eventLoop: eventLoop) }.get()
        let channel = try await ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: StreamRelayState.waterMark)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: StreamRelayState.largestRead))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StreamRelayHelloHandler(state: state.value))
                }
            }
            .bind(to: endpoint.socketAddress(zone: zone)).get()
        guard let port = channel.localAddress?.port, let bound = UInt16(exactly: port) else {
            try? await channel.close()
            throw HostError.bind(EndpointText.format(endpoint), "the stream relay's socket has no port")
        }
        let pinned = IPv6Endpoint(address: endpoint.address, port: bound)
        try await eventLoop.submit { state.value.endpoint = pinned }.get()
        return StreamRelayServer(endpoint: pinned, eventLoop: eventLoop, state: state, listener: channel)
    }

    /// Accepts `grant.token` until `grant.expires` (`HostClock` time).
    public func authorize(_ grant: StreamGrant) async {
        let state = self.state
        try? await eventLoop.submit { state.value.authorize(grant) }.get()
    }

    /// The counters.
    public func counters() async -> StreamRelayCounters {
        let state = self.state
        return (try? await eventLoop.submit { state.value.counters }.get()) ?? StreamRelayCounters(endpoint: EndpointText.format(endpoint))
    }

    /// Stops listening and closes every connection, spliced or not. Safe to call twice.
    public func close() async {
        let state = self.state
        try? await listener.close()
        try? await eventLoop.submit { state.value.closeAll() }.get()
    }
}

/// The stream relay's state and decisions; confined to its event loop.
final class StreamRelayState {
    /// Write buffer marks of every connection: a side stops being read while its partner holds more than the
    /// high mark unsent, and is read again below the low mark.
    static let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 128 * 1024, high: 512 * 1024)
    /// Largest single read.
    static let largestRead = 256 * 1024

    struct Token {
        var client: IPv6Endpoint
        var expires: NodeInstant
        var waiter: StreamRelayHelloHandler?
        /// Set once spliced: the token is used up; it is forgotten when the pair ends.
        var pair: StreamRelayPair?
        var expiry: Scheduled<Void>?
    }

    let eventLoop: any EventLoop
    let limits: StreamRelayLimits
    let logger: Logger
    let metrics = HostMetrics.shared
    var endpoint = IPv6Endpoint(address: .unspecified, port: 0)
    var tokens: [[UInt8]: Token] = [:]
    var pendingHellos = 0
    var pairs: [ObjectIdentifier: StreamRelayPair] = [:]
    /// Connections not yet spliced (in their hello, or waiting), to close at shutdown.
    var unspliced: [ObjectIdentifier: StreamRelayHelloHandler] = [:]
    var counters: StreamRelayCounters {
        StreamRelayCounters(
            endpoint: EndpointText.format(endpoint), liveTokens: tokens.values.count { $0.pair == nil }, waiting: tokens.values.count { $0.waiter != nil },
            activePairs: pairs.count, pairsSpliced: pairsSpliced, bytesRelayed: bytesRelayed, refused: refused, timedOut: timedOut, idleClosed: idleClosed)
    }
    var pairsSpliced = 0, bytesRelayed = 0, refused = 0, timedOut = 0, idleClosed = 0
    var isClosed = false

    /// Told each token a pair was spliced with (the host tells its node, which stops counting it).
    var onSpent: (([UInt8]) -> Void)?

    init(eventLoop: any EventLoop, limits: StreamRelayLimits, logger: Logger) {
        (self.eventLoop, self.limits, self.logger) = (eventLoop, limits, logger)
    }

    // MARK: - Tokens

    func authorize(_ grant: StreamGrant) {
        guard !isClosed, grant.token.count == TraversalMessage.tokenLength else { return }
        let now = HostClock.now()
        guard grant.expires > now, tokens[grant.token] == nil else { return }
        let key = grant.token
        let delay = Int64(clamping: (grant.expires - now).nanoseconds)
        let expiry = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { [self] in expire(key) }
        tokens[key] = Token(client: grant.client, expires: grant.expires, expiry: expiry)
        logger.debug("stream relay token granted", metadata: ["client": "\(EndpointText.format(grant.client))"])
    }

    /// A token ran out: a connection still waiting for it is told so and closed; a pair spliced with it goes on.
    private func expire(_ key: [UInt8]) {
        guard var token = tokens[key] else { return }
        token.expiry = nil
        if let waiter = token.waiter {
            timedOut += 1
            token.waiter = nil
            unspliced[ObjectIdentifier(waiter)] = nil
            waiter.finish(.timeout)
        }
        if token.pair == nil { tokens[key] = nil } else { tokens[key] = token }
    }

    // MARK: - Connections

    /// A new connection: false when too many have not sent their hello yet.
    func admit(_ handler: StreamRelayHelloHandler) -> Bool {
        guard !isClosed, pendingHellos < limits.maximumPendingHellos else { return false }
        pendingHellos += 1
        unspliced[ObjectIdentifier(handler)] = handler
        return true
    }

    /// A connection's hello phase ended (hello complete, timed out, or closed).
    func helloEnded() { pendingHellos -= 1 }

    /// A connection closed before being spliced.
    func gone(_ handler: StreamRelayHelloHandler, token key: [UInt8]?) {
        unspliced[ObjectIdentifier(handler)] = nil
        if let key, tokens[key]?.waiter === handler { tokens[key]!.waiter = nil }
    }

    func refuse(_ handler: StreamRelayHelloHandler, _ reply: StreamRelayReply) {
        if reply == .timeout { timedOut += 1 } else { refused += 1 }
        metrics.streamRelayRefused.increment()
        unspliced[ObjectIdentifier(handler)] = nil
        handler.finish(reply)
    }

    /// A complete hello: the connection waits, is spliced with the one waiting, or is refused.
    func hello(_ hello: StreamRelayHello, from handler: StreamRelayHelloHandler) {
        guard var token = tokens[hello.token], token.expires > HostClock.now() else {
            refuse(handler, .unknownToken)
            return
        }
        guard token.pair == nil else {
            refuse(handler, .busy)
            return
        }
        switch hello.role {
        case .wait:
            guard token.waiter == nil else {
                refuse(handler, .busy)
                return
            }
            token.waiter = handler
            tokens[hello.token] = token
            handler.waitForPartner(token: hello.token)
        case .join:
            guard let waiter = token.waiter else {
                refuse(handler, .noPartner)
                return
            }
            guard pairs.count < limits.maximumPairs else {
                refuse(handler, .busy)
                return
            }
            splice(waiter, handler, key: hello.token)
        }
    }

    /// Joins the waiting connection and the joining one: both are told `ok`, the hello handlers give way to
    /// glue handlers, and what either sent early goes to the other.
    private func splice(_ waiter: StreamRelayHelloHandler, _ joiner: StreamRelayHelloHandler, key: [UInt8]) {
        guard let w = waiter.context, let j = joiner.context else {
            refuse(joiner, .noPartner)
            return
        }
        let pair = StreamRelayPair(state: self, token: key)
        tokens[key]!.waiter = nil
        tokens[key]!.pair = pair
        pairs[ObjectIdentifier(pair)] = pair
        unspliced[ObjectIdentifier(waiter)] = nil
        unspliced[ObjectIdentifier(joiner)] = nil
        pairsSpliced += 1
        onSpent?(key)
        metrics.streamRelayPairs.increment()
        metrics.streamRelayActivePairs.record(pairs.count)
        let (waiterChannel, joinerChannel) = (w.channel, j.channel)
        let (a, b) = StreamRelayGlue.pair(pair)
        let early = [(waiter.takeEarly(), b), (joiner.takeEarly(), a)]
        for (handler, context, glue) in [(waiter, w, a), (joiner, j, b)] {
            context.write(NIOAny(ByteBuffer(bytes: [StreamRelayReply.ok.rawValue])), promise: nil)
            do {
                try context.pipeline.syncOperations.addHandler(glue)
                handler.spliced = true
                _ = context.pipeline.syncOperations.removeHandler(context: context)
            } catch {
                context.close(promise: nil)
            }
        }
        // Early bytes go out right after the `ok` on the other side.
        for (bytes, receiver) in early {
            guard let bytes else { continue }
            relayed(bytes.readableBytes)
            receiver.send(bytes)
        }
        waiterChannel.flush()
        joinerChannel.flush()
        pair.armIdleTimer()
        logger.debug("stream relay pair spliced", metadata: ["active": "\(pairs.count)"])
    }

    /// Both sides of a pair closed: its token is used up.
    func pairEnded(_ pair: StreamRelayPair) {
        guard pairs.removeValue(forKey: ObjectIdentifier(pair)) != nil else { return }
        if let token = tokens[pair.token], token.pair === pair {
            token.expiry?.cancel()
            tokens[pair.token] = nil
        }
        metrics.streamRelayActivePairs.record(pairs.count)
    }

    func relayed(_ count: Int) {
        bytesRelayed &+= count
        metrics.streamRelayBytes.increment(by: count)
    }

    /// Closes every connection and forgets every token.
    func closeAll() {
        isClosed = true
        for token in tokens.values { token.expiry?.cancel() }
        tokens = [:]
        for handler in unspliced.values { handler.context?.close(promise: nil) }
        unspliced = [:]
        for pair in pairs.values { pair.closeBoth() }
    }
}

/// The two glue handlers of a spliced pair, and its idle timer.
final class StreamRelayPair {
    let state: StreamRelayState
    let token: [UInt8]
    var sides: [StreamRelayGlue] = []
    var closedSides = 0
    var lastActivity = NIODeadline.now()
    var idleTimer: Scheduled<Void>?

    init(state: StreamRelayState, token: [UInt8]) {
        (self.state, self.token) = (state, token)
    }

    func armIdleTimer() {
        let idle = TimeAmount.nanoseconds(Int64(clamping: NodeDuration(state.limits.idleTimeout).nanoseconds))
        idleTimer = state.eventLoop.assumeIsolated().scheduleTask(deadline: lastActivity + idle) { [self] in
            if NIODeadline.now() >= lastActivity + idle {
                state.idleClosed += 1
                closeBoth()
            } else {
                armIdleTimer()
            }
        }
    }

    func sideClosed() {
        closedSides += 1
        if closedSides == 2 {
            idleTimer?.cancel()
            state.pairEnded(self)
        }
    }

    func closeBoth() {
        for side in sides { side.context?.close(promise: nil) }
    }
}

/// One side of a spliced pair: what it reads goes to the other side's connection, and it is read only while
/// the other side can take more (`StreamRelayState.waterMark`), so no byte waits anywhere but in the
/// kernel's socket buffers and one write buffer per side. An end of input is passed on as a half-close.
final class StreamRelayGlue: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let pair: StreamRelayPair
    weak var partner: StreamRelayGlue?
    var context: ChannelHandlerContext?
    private var pendingRead = false
    private var unflushed = false

    private init(pair: StreamRelayPair) { self.pair = pair }

    static func pair(_ pair: StreamRelayPair) -> (StreamRelayGlue, StreamRelayGlue) {
        let a = StreamRelayGlue(pair: pair), b = StreamRelayGlue(pair: pair)
        (a.partner, b.partner) = (b, a)
        pair.sides = [a, b]
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: Called by the partner

    /// Writes bytes that arrived on the other side.
    func send(_ buffer: ByteBuffer) {
        context?.write(NIOAny(buffer), promise: nil)
        unflushed = true
    }

    func flushOut() {
        guard unflushed else { return }
        unflushed = false
        context?.flush()
    }

    /// The other side ended its input: once what it sent is out, this side's output is shut down.
    func sendEndOfInput() {
        guard let context else { return }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(ByteBuffer()), promise: done)
        unflushed = false
        done.futureResult.assumeIsolated().whenComplete { _ in context.close(mode: .output, promise: nil) }
    }

    /// The other side is gone: this one closes once what it had to send is out.
    func closeAfterWrites() {
        guard let context else { return }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(ByteBuffer()), promise: done)
        done.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// The other side can take bytes again: a read held back goes ahead.
    func partnerWritable() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    private var writable: Bool { context?.channel.isWritable ?? false }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        pair.state.relayed(buffer.readableBytes)
        pair.lastActivity = .now()
        partner?.send(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.flushOut()
    }

    func read(context: ChannelHandlerContext) {
        if partner?.writable ?? false {
            context.read()
        } else {
            pendingRead = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerWritable() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { partner?.sendEndOfInput() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.closeAfterWrites()
        pair.sideClosed()
    }

    /// A reset or a failed write: the channel closes, and `channelInactive` closes the other side.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A connection before it is spliced: reads its hello within the time limit, then waits for its partner
/// (keeping what it sends meanwhile, within a bound, and noticing when it goes away).
final class StreamRelayHelloHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let state: StreamRelayState
    var context: ChannelHandlerContext?
    private var received = ByteBuffer()
    private var started = false, inHello = false, finished = false
    /// Set when the hello is handled and the connection waits for its partner.
    private var waitingFor: [UInt8]?
    private var timer: Scheduled<Void>?
    var spliced = false

    init(state: StreamRelayState) { self.state = state }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        guard state.admit(self) else {
            finished = true
            context.close(promise: nil)
            return
        }
        inHello = true
        let timeout = TimeAmount.nanoseconds(Int64(clamping: NodeDuration(state.limits.helloTimeout).nanoseconds))
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard inHello else { return }
            endHello()
            state.refuse(self, .timeout)
        }
    }

    private func endHello() {
        guard inHello else { return }
        inHello = false
        timer?.cancel()
        timer = nil
        state.helloEnded()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var incoming = unwrapInboundIn(data)
        received.writeBuffer(&incoming)
        if inHello, received.readableBytes >= StreamRelayHello.length {
            endHello()
            let bytes = received.readBytes(length: StreamRelayHello.length) ?? []
            do {
                let hello = try StreamRelayHello(decoding: bytes)
                state.hello(hello, from: self)
            } catch {
                state.refuse(self, .badHello)
            }
        } else if !inHello, received.readableBytes > state.limits.maximumEarlyBytes {
            // A waiting connection that keeps sending: nobody reads it yet.
            state.gone(self, token: waitingFor)
            finished = true
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .inputClosed? = event as? ChannelEvent, !finished else { return }
        if inHello {
            // No hello can come any more.
            endHello()
            state.refuse(self, .badHello)
        } else {
            // A waiting side that ends its input before its peer arrived has left (a closed socket looks the
            // same): its token is free for another wait.
            state.gone(self, token: waitingFor)
            finished = true
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        endHello()
        if !spliced { state.gone(self, token: waitingFor) }
        finished = true
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: Called by the state

    /// The hello was accepted: the connection waits for its partner.
    func waitForPartner(token: [UInt8]) {
        waitingFor = token
        context?.writeAndFlush(NIOAny(ByteBuffer(bytes: [StreamRelayReply.waiting.rawValue])), promise: nil)
    }

    /// Sends `reply` and closes.
    func finish(_ reply: StreamRelayReply) {
        guard !finished, let context else { return }
        finished = true
        waitingFor = nil
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: [reply.rawValue]))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// What arrived after the hello.
    func takeEarly() -> ByteBuffer? {
        finished = true
        let early = received.readableBytes > 0 ? received : nil
        received = ByteBuffer()
        return early
    }
}
