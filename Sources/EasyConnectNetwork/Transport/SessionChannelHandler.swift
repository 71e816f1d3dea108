import EasyConnect
import NIOCore

/// Hands one TCP connection's bytes and its end to the session engine. Runs on the engine's event loop.
final class SessionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let engine: SessionEngine
    private let id: ConnectionID

    init(engine: SessionEngine, id: ConnectionID) {
        (self.engine, self.id) = (engine, id)
    }

    func channelActive(context: ChannelHandlerContext) {
        engine.channelActive(id, channel: context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        engine.received(id, buffer.readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        engine.channelInactive(id)
        context.fireChannelInactive()
    }

    /// A reset or a failed write ends the connection; the engine learns it through `channelInactive`.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
