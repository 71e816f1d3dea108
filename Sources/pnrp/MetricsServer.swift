import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// `pnrp node --metrics ADDRESS:PORT`: an HTTP/1.1 endpoint that serves the node's swift-metrics
/// instruments (collected by swift-prometheus) in Prometheus text format at `/metrics`. Nothing else is
/// served: other paths get 404, other methods 405. Each connection answers one request and is closed;
/// a connection that sends nothing for 10 seconds is closed too.
final class MetricsServer: Sendable {
    /// Where it listens (the port the system chose when asked for port 0).
    let localAddress: SocketAddress?
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        localAddress = channel.localAddress
    }

    /// Starts listening on `address`.
    static func start(at address: SocketAddress, registry: PrometheusCollectorRegistry, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws -> MetricsServer
    {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let sync = child.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: .seconds(10)))
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(MetricsRequestHandler(registry: registry))
                }
            }
            .bind(to: address).get()
        return MetricsServer(channel: channel)
    }

    /// Stops listening.
    func close() async {
        try? await channel.close()
    }
}

/// Answers one HTTP request with the registry's text, then closes the connection.
private final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var head: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        let status: HTTPResponseStatus
        let body: [UInt8]
        var contentType = "text/plain; charset=utf-8"
        switch (head.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            status = .ok
            body = registry.emitToBuffer()
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        case (_, "/metrics"):
            status = .methodNotAllowed
            body = Array("only GET and HEAD are served\n".utf8)
        default:
            status = .notFound
            body = Array("not found: the metrics are at /metrics\n".utf8)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
