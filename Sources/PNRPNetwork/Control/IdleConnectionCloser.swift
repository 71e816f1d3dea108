import NIOCore

/// Closes a connection when `IdleStateHandler` reports it idle, so a silent client cannot hold one of the
/// server's bounded connection slots forever; except a connection that holds registrations made with
/// `untilDisconnect`, which lives as long as its client keeps it open.
final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let connections: ConnectionRegistry

    init(connections: ConnectionRegistry) { self.connections = connections }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if !connections.isPinned(context.channel) { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
