import NIOCore

/// The client side of a stream relay connection, put first in the pipeline of a TCP connection to the relay
/// (`StreamAllocation.relayEndpoint`), in front of the application's own handlers: it sends the hello when the
/// connection opens and holds `channelActive` back from the handlers after it until the relay says the
/// connection is spliced (`StreamRelayReply.ok`); then it removes itself, and the application's handlers see
/// an ordinary connection to the peer. A waiting side is told when the relay accepted its token with the user
/// event `StreamRelayClientHandler.Event.waiting`. A refusal reaches `errorCaught` as
/// `StreamRelayError.refused(reply)` and closes the connection; a relay that closes first,
/// `StreamRelayError.closed`.
///
/// ```swift
/// ClientBootstrap(group: loop).channelInitializer { channel in
///     channel.eventLoop.makeCompletedFuture {
///         try channel.pipeline.syncOperations.addHandler(StreamRelayClientHandler(StreamRelayHello(role: .wait, token: allocation.token)))
///         try channel.pipeline.syncOperations.addHandler(MySessionHandler())
///     }
/// }.connect(to: allocation.relayEndpoint.socketAddress(zone: 0))
/// ```
///
/// Bytes the application writes before the splice go out after the hello; the relay keeps up to
/// `StreamRelayLimits.maximumEarlyBytes` of them and passes them on once spliced.
public final class StreamRelayClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// User inbound events.
    public enum Event: Hashable, Sendable {
        /// The relay accepted the waiting side's token; the peer has not joined yet.
        case waiting
    }

    private let hello: [UInt8]
    private var spliced = false, failed = false

    /// A handler that will send `hello`, then `early` in the same write (up to
    /// `StreamRelayLimits.maximumEarlyBytes`, passed on by the relay once spliced: a joining side's first
    /// message then costs no round trip to the relay). Throws for a token that is not 16 bytes.
    public init(_ hello: StreamRelayHello, then early: [UInt8] = []) throws(StreamRelayError) {
        self.hello = try hello.encoded() + early
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendHello(context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        sendHello(context)  // channelActive goes on once spliced
    }

    private var helloSent = false

    private func sendHello(_ context: ChannelHandlerContext) {
        guard !helloSent else { return }
        helloSent = true
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: hello)), promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !spliced else {
            context.fireChannelRead(data)
            return
        }
        guard !failed else { return }
        var buffer = unwrapInboundIn(data)
        while !spliced, let byte = buffer.readInteger(as: UInt8.self) {
            switch StreamRelayReply(rawValue: byte) {
            case .waiting?:
                context.fireUserInboundEventTriggered(Event.waiting)
            case .ok?:
                spliced = true
                context.fireChannelActive()
                if buffer.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(buffer)) }
                context.fireChannelReadComplete()
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            case let reply?:
                fail(context, .refused(reply))
                return
            case nil:
                fail(context, .badReply(byte))
                return
            }
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: StreamRelayError) {
        failed = true
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if !spliced, !failed {
            failed = true
            context.fireErrorCaught(StreamRelayError.closed)
        }
        context.fireChannelInactive()
    }
}
