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

/// The User's TCP listener: one dual-stack socket on every address (or one socket per chosen address),
/// and the session endpoints to publish for it.
struct SessionListener {
    /// Reads of up to 1 MiB, so that a file streaming in costs few calls into the session.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 64 * 1024, maximum: 1 << 20)

    let channels: [any Channel]
    let endpoints: [SessionEndpoint]

    /// A session listener's options: SO_REUSEPORT because, behind a NAT, connections for a TCP simultaneous
    /// open leave from the listener's port (the User's to a Helper's punch offer, the Helper's to the User's
    /// punch endpoints).
    static func serverBootstrap(_ loop: any EventLoop) -> ServerBootstrap {
        ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT)), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: receiveAllocator)
    }

    /// Closes every socket.
    func close() async {
        for c in channels { try? await c.close() }
    }

    /// Binds on `loop`; connections go to the engine `box` holds (and are closed while it holds none).
    static func bind(addresses: [String], port: UInt16, loop: any EventLoop, box: EngineBox) async throws(EasyConnectError) -> SessionListener {
        func bootstrap() -> ServerBootstrap {
            serverBootstrap(loop)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let (engine, engineLoop) = box.engine, engineLoop === channel.eventLoop else {
                            throw ChannelError.ioOnClosedChannel
                        }
                        try channel.pipeline.syncOperations.addHandler(SessionChannelHandler(engine: engine, id: box.nextID()))
                    }
                }
        }
        var channels: [any Channel] = []
        var endpoints: [SessionEndpoint] = []
        do {
            if addresses.isEmpty {
                let channel: any Channel
                do {
                    channel = try await bootstrap().bind(host: "::", port: Int(port)).get()
                } catch {
                    channel = try await bootstrap().bind(host: "0.0.0.0", port: Int(port)).get()
                }
                channels.append(channel)
                let bound = UInt16(channel.localAddress?.port ?? Int(port))
                endpoints = LocalAddresses.sessionEndpoints(port: bound)
            } else {
                for text in addresses {
                    let parsed: EndpointText
                    do {
                        parsed = try EndpointText(text, defaultPort: port)
                    } catch {
                        throw EasyConnectError.failed(SessionOutcome(.internalError, "bad listen address \(text): \(error)"))
                    }
                    let channel = try await bootstrap().bind(to: parsed.endpoint.socketAddress(zone: parsed.zone)).get()
                    channels.append(channel)
                    let bound = UInt16(channel.localAddress?.port ?? Int(port))
                    endpoints.append(SessionEndpoint(address: parsed.endpoint.address, port: bound, scopeID: parsed.zone))
                }
            }
        } catch let error as EasyConnectError {
            for c in channels { try? await c.close() }
            throw error
        } catch {
            for c in channels { try? await c.close() }
            throw .failed(SessionOutcome(.internalError, "cannot listen for the helper's connection: \(error)"))
        }
        guard !endpoints.isEmpty else {
            for c in channels { try? await c.close() }
            throw .failed(SessionOutcome(.noCloud, "this computer has no address a helper could connect to"))
        }
        return SessionListener(channels: channels, endpoints: Array(endpoints.prefix(Invitation.maximumEndpoints)))
    }
}
