import EasyConnect
import NIOCore
import NIOPosix
import PNRP
import PNRPNetwork
import PeerCrypto

/// How Easy Connect reaches a PNRP cloud: through a running `pnrp node` when its control socket answers,
/// otherwise through a PNRP node embedded in this process (global cloud from seeds or its saved cache,
/// link-local clouds found by multicast), so a freshly installed machine works on a LAN with no setup.
public struct NameServiceSettings: Sendable {
    /// The state directory of the `pnrp node` to use (its `control.sock`); nil: pnrp's default.
    public var daemonStateDirectory: String?
    /// Whether a running daemon may be used at all (false forces the embedded node).
    public var useDaemon = true
    /// Settings of the embedded node when no daemon answers.
    public var embedded = HostConfiguration()
    /// How long to wait for the embedded node to find a cloud before going on.
    public var joinWait = Duration.seconds(4)

    /// Defaults: use `pnrp node` when running, else an embedded node with link-local clouds on every interface.
    public init() {}
}

/// A name service ready to use, and how to let it go.
public struct NameServiceConnection: Sendable {
    /// The service.
    public let service: any PeerNameService
    /// True when it is a node started by this process (it may still be joining its clouds).
    public let isEmbedded: Bool
    private let shutdown: @Sendable () async -> Void

    /// Stops the embedded node (revoking what it published) or closes the daemon connection.
    public func close() async { await shutdown() }

    /// Finds a running daemon, or starts an embedded node.
    public static func open(_ settings: NameServiceSettings) async throws(EasyConnectError) -> NameServiceConnection {
        if settings.useDaemon {
            let directory: StateDirectory?
            if let path = settings.daemonStateDirectory {
                directory = try? StateDirectory(path: path)
            } else {
                directory = try? StateDirectory()
            }
            if let directory {
                do {
                    if let daemon = try await DaemonNameService.connect(stateDirectory: directory) {
                        return NameServiceConnection(service: daemon, isEmbedded: false, shutdown: { await daemon.close() })
                    }
                } catch {
                    throw .failed(SessionOutcome(.noCloud, "the pnrp node at \(directory.path) does not answer properly: \(error)"))
                }
            }
        }
        var configuration = settings.embedded
        var lastError = ""
        // Port 3540 first (the IANA port, [MS-PNRP] 2.1); another local node may hold it, so then a free high port.
        var ports: [UInt16] = [configuration.port]
        var entropy = SystemEntropy()
        for _ in 0..<6 { ports.append(UInt16(49_152 + entropy.uniform(16_000))) }
        for port in ports {
            configuration.port = port
            do {
                let host = try await PNRPHost.start(configuration)
                try? await waitForCloud(host, within: settings.joinWait)
                return NameServiceConnection(service: host, isEmbedded: true, shutdown: { await host.shutdown() })
            } catch let error as HostError {
                if case .bind = error {
                    lastError = error.description
                    continue
                }
                throw .failed(SessionOutcome(.noCloud, "cannot start a PNRP node: \(error)"))
            } catch {
                throw .failed(SessionOutcome(.noCloud, "cannot start a PNRP node: \(error)"))
            }
        }
        throw .failed(SessionOutcome(.noCloud, "cannot start a PNRP node: \(lastError)"))
    }

    /// Returns once one of the host's clouds has found another node, or after `limit`.
    private static func waitForCloud(_ host: PNRPHost, within limit: Duration) async throws {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: limit)
        while clock.now < end {
            if try await host.clouds().contains(where: { $0.state != "alone" && $0.cachedEntries > 0 }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
