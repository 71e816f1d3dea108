import PNRP
import NIOCore

/// Hands every datagram of one socket to the host's engine. Runs on the engine's event loop.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// Where a socket's datagrams go.
    enum Role {
        /// A cloud's PNRP socket.
        case cloud(CloudScope)
        /// The SSDP group listener.
        case ssdpListener
        /// One of a cloud's other endpoints (a relay endpoint or the dial-back endpoint, `docs/deviations.md` X3).
        case otherEndpoint(CloudScope)
    }

    private let engine: HostEngine
    private let role: Role

    init(engine: HostEngine, role: Role) {
        (self.engine, self.role) = (engine, role)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        switch role {
        case .cloud(let cloud): engine.received(bytes, from: envelope.remoteAddress, cloud: cloud)
        case .ssdpListener: engine.ssdpSearch(bytes, from: envelope.remoteAddress, on: context.channel)
        case .otherEndpoint(let cloud):
            guard let port = context.channel.localAddress?.port, let port = UInt16(exactly: port) else { return }
            engine.received(bytes, from: envelope.remoteAddress, cloud: cloud, atPort: port)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch role {
        case .cloud(let cloud): engine.socketClosed(cloud, channel: context.channel)
        case .ssdpListener: engine.socketClosed(nil, channel: context.channel)
        case .otherEndpoint(let cloud): engine.otherSocketClosed(cloud, channel: context.channel)
        }
        context.fireChannelInactive()
    }

    /// Socket errors (an ICMP error reported on a later send, a full buffer) are counted; the socket stays open.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        engine.socketError(error)
    }
}
