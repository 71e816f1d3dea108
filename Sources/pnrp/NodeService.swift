import Foundation
import Logging
import PNRP
import PNRPNetwork
import ServiceLifecycle

/// The `pnrp node` daemon as a swift-service-lifecycle service: it opens the control socket, starts the
/// host, serves control requests until a graceful shutdown (SIGTERM, SIGINT, SIGHUP or `pnrp stop`), then
/// revokes the registered names, saves the cache, closes the sockets and removes the control socket.
/// The control socket is recreated if its file is removed while the node runs.
struct NodeService: Service {
    let configuration: HostConfiguration
    let directory: StateDirectory
    let logger: Logger
    /// How often the control socket's file is checked, and recreated when it was removed.
    var controlSocketCheckInterval: Duration = .seconds(2)

    func run() async throws {
        let server = try await ControlSocketKeeper.bind(socketPath: ControlProtocol.socketPath(in: directory), checkInterval: controlSocketCheckInterval, logger: logger)
        let host: PNRPHost
        do {
            host = try await PNRPHost.start(configuration, logger: logger)
        } catch {
            await server.close()
            throw error
        }
        let daemon = NodeDaemon(host: host, stateDirectory: directory)
        let clouds = (try? await host.clouds()) ?? []
        logger.info("identity", metadata: ["authority": "\(host.identity.authority)", "stateDirectory": "\(directory.path)"])
        let ready = VisibleText.escaped("pnrp node ready: \(clouds.map { "\($0.name) \($0.endpoint) (\($0.state))" }.joined(separator: ", ")), control \(server.socketPath)") + "\n"
        FileHandle.standardOutput.write(Data(ready.utf8))
        SystemdNotifier.notify("READY=1\nSTATUS=\(ready.dropFirst("pnrp node ready: ".count).dropLast())\nMAINPID=\(getpid())")
        await withGracefulShutdownHandler {
            await server.run(handler: daemon)
        } onGracefulShutdown: {
            server.stop()
        }
        SystemdNotifier.notify("STOPPING=1")
        logger.info("stopping: revoking registered names, saving the cache")
        await host.shutdown()
        logger.info("stopped")
    }
}
