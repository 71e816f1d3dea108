import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import PNRP
import PNRPNetwork
import Prometheus
import ServiceLifecycle

/// `pnrp node`: run a PNRP node in the foreground.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a PNRP node (the daemon) in the foreground; other commands talk to it.",
        discussion: """
            The node joins the global cloud on --address:--port (UDP) and a link-local cloud on each \
            interface, finding other nodes through the endpoints it cached on its last run, SSDP multicast \
            and --seed nodes. It keeps its identity key and cache in --state-dir and listens for the client \
            commands (`pnrp register`, `resolve`, `status`, `stop`...) on the Unix socket control.sock \
            there (mode 0600: only its owner can use it). It logs to stderr and prints one line on stdout \
            when ready:
              pnrp node ready: Global_ 127.0.0.2:3540 (alone), control /home/me/.local/state/pnrp/control.sock

            SIGTERM, SIGINT, SIGHUP or `pnrp stop` stop it gracefully: registered names are revoked, the \
            cache is saved (so a restart rejoins without seeds), sockets are closed and control.sock is \
            removed. SIGHUP (sent when the terminal closes) stops the node like SIGTERM; it does not reload \
            the settings: restart the node to apply a changed --config file.

            One node runs per state directory: it holds an exclusive lock on node.lock there (with its \
            process id inside) for as long as it runs. A second `pnrp node` on the same directory is \
            refused with exit code 6 and the first one's pid. If control.sock is removed while the node \
            runs, the node listens on it again within 2 seconds.

            A seed that cannot help is reported with a warning in the log and in `pnrp status`: at start \
            a seed of the other address family than --address (an IPv6 seed for an IPv4 socket, or the \
            reverse: it can never be reached), and a seed that has not answered within 10 seconds.

            Under systemd (packaging/pnrp-node.service, Type=notify) the node reports READY=1 to \
            $NOTIFY_SOCKET once its sockets are open and STOPPING=1 when it stops, and keeps its state in \
            $STATE_DIRECTORY (StateDirectory=) unless --state-dir or the config file names another.

            --metrics ADDRESS:PORT serves Prometheus metrics (text format) at http://ADDRESS:PORT/metrics: \
            pnrp_messages_received_total and pnrp_messages_sent_total by message type, \
            pnrp_resolutions_total by outcome, pnrp_resolution_duration, pnrp_datagrams_dropped_total by \
            reason (malformed, rate_limit, amplification), pnrp_bytes_received_total, \
            pnrp_bytes_sent_total, per cloud pnrp_cache_entries, pnrp_registered_names and pnrp_cloud_active, and for the \
            stream relay pnrp_stream_relay_pairs_total, pnrp_stream_relay_bytes_total, pnrp_stream_relay_refused_total and \
            pnrp_stream_relay_active_pairs. Listen on \
            loopback unless the network is trusted: anyone who can connect can read them.

            --nat-traversal makes the node find out whether strangers reach it (peers tell it the address they \
            see and have a third node send it a probe) and, behind a NAT, publish the endpoint of a reachable \
            node that relays for it; a reachable node relays for up to --relay-slots others (default 8), each on \
            a UDP port of its own. An extension of [MS-PNRP]: nodes without it reach relayed nodes all the same, \
            through the relay. A node that relays also runs a TCP stream relay on its address, port \
            --stream-relay-port (default: the UDP port): it splices two TCP connections that present the same \
            token, a token it grants only to the nodes it relays for (a few each, valid 10 minutes), so that two \
            programs behind NATs can still talk. It copies bytes it cannot read (the programs encrypt them) and \
            closes a pair idle for 5 minutes; `pnrp status` shows its pairs and bytes.

            --config FILE reads `key = value` lines (keys: address, port, seed (repeatable), state-dir, \
            link-local (yes/no), interface (repeatable), multicast (yes/no), log-level, \
            cache-save-interval, metrics, nat-traversal (yes/no), relay-slots, stream-relay-port); options on the command line override the \
            file. Example file:
              address = 192.0.2.10
              seed = 192.0.2.1:3540
              link-local = no

            Examples:
              pnrp node
              pnrp node --address 127.0.0.2 --no-link-local --no-multicast --state-dir /tmp/pnrp-a
              pnrp node --address 127.0.0.3 --seed 127.0.0.2:3540 --state-dir /tmp/pnrp-b --no-link-local
              pnrp node --config /etc/pnrp/node.conf --log-level debug
              pnrp node --metrics 127.0.0.1:9464
            """
    )

    @Option(help: ArgumentHelp("IPv4 or IPv6 address of the global cloud's socket (default: the first global address).", discussion: "Example: --address 127.0.0.2"))
    var address: String?

    @Option(help: ArgumentHelp("UDP port of every cloud (default 3540).", discussion: "Example: --port 3541"))
    var port: UInt16?

    @Option(
        name: .customLong("seed"),
        help: ArgumentHelp("A node of the global cloud to join through, host:port (repeatable).", discussion: "Example: --seed 127.0.0.2:3540 --seed [::1]:3541"))
    var seeds: [String] = []

    @Option(help: ArgumentHelp("Settings file of `key = value` lines; command-line options override it.", discussion: "Example: --config /etc/pnrp/node.conf"))
    var config: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "Directory of the identity, the cache and control.sock (default: $STATE_DIRECTORY under systemd, else $XDG_STATE_HOME/pnrp or ~/.local/state/pnrp).",
            discussion: "Example: --state-dir /tmp/pnrp-a", valueName: "dir"))
    var stateDirectory: String?

    @Flag(
        name: .customLong("link-local"), inversion: .prefixedNo,
        help: ArgumentHelp("Open a link-local cloud on each interface (default: yes).", discussion: "Example: --no-link-local"))
    var linkLocal: Bool?

    @Option(
        name: .customLong("interface"),
        help: ArgumentHelp("Open link-local clouds only on this interface (repeatable).", discussion: "Example: --interface eth0"))
    var interfaces: [String] = []

    @Flag(
        name: .customLong("multicast"), inversion: .prefixedNo,
        help: ArgumentHelp("Find and answer other nodes with SSDP multicast (default: yes).", discussion: "Example: --no-multicast"))
    var multicast: Bool?

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (default: info).", discussion: "Example: --log-level debug"))
    var logLevel: String?

    @Option(help: ArgumentHelp("Seconds between saves of the cache (default 300; always saved at stop).", discussion: "Example: --cache-save-interval 60"))
    var cacheSaveInterval: Int?

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics over HTTP at http://ADDRESS:PORT/metrics (default: none).",
            discussion: "Example: --metrics 127.0.0.1:9464", valueName: "address:port"))
    var metrics: String?

    @Flag(
        name: .customLong("nat-traversal"), inversion: .prefixedNo,
        help: ArgumentHelp("Check reachability; behind a NAT, be reached through a relay (default: no).", discussion: "Example: --nat-traversal"))
    var natTraversal: Bool?

    @Option(help: ArgumentHelp("With --nat-traversal: nodes to relay for at most, 0 to 256 (default 8).", discussion: "Example: --relay-slots 2"))
    var relaySlots: Int?

    @Option(
        help: ArgumentHelp(
            "With --nat-traversal and relay slots: TCP port of the stream relay (default: the UDP port).", discussion: "Example: --stream-relay-port 3541",
            valueName: "port"))
    var streamRelayPort: UInt16?

    /// Where `--metrics` (or the config file's `metrics`, when given) asks to listen.
    static func metricsAddress(_ metrics: String?) throws -> SocketAddress? {
        guard let metrics else { return nil }
        let text: EndpointText
        do { text = try EndpointText(metrics, defaultPort: 0) } catch { throw ValidationError("--metrics: \(error.description)") }
        guard text.endpoint.port != 0 else { throw ValidationError("--metrics needs a port: ADDRESS:PORT, such as 127.0.0.1:9464 or [::1]:9464") }
        return text.endpoint.socketAddress(zone: text.zone)
    }

    func validate() throws {
        try StateDirectoryOption.check(stateDirectory)
        _ = try Self.metricsAddress(metrics)
        if let address, EndpointText.parseAddress(address) == nil { throw ValidationError("--address '\(address)' is not a numeric IPv4 or IPv6 address") }
        if port == 0 { throw ValidationError("--port must be 1-65535") }
        for seed in seeds {
            do { _ = try EndpointText(seed) } catch { throw ValidationError("--seed: \(error.description)") }
        }
        if let logLevel, !DaemonConfigFile.logLevels.contains(logLevel.lowercased()) {
            throw ValidationError("--log-level must be one of \(DaemonConfigFile.logLevels.joined(separator: ", "))")
        }
        if let cacheSaveInterval, cacheSaveInterval < 1 { throw ValidationError("--cache-save-interval must be at least 1 second") }
        if linkLocal == false, !interfaces.isEmpty { throw ValidationError("--interface opens a link-local cloud; it cannot be combined with --no-link-local") }
    }

    func run() async throws {
        var file = DaemonConfigFile()
        if let config {
            do {
                file = try ConfigFileReader.load(path: config)
            } catch {
                printError("pnrp node: \(error.description)")
                throw ExitStatus.badInput.exitCode
            }
        }
        let level = Logger.Level(rawValue: (logLevel ?? file.logLevel ?? "info").lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return VisibleLogHandler(handler)
        }
        let logger = Logger(label: "pnrp")

        var configuration = HostConfiguration()
        configuration.address = address ?? file.address
        configuration.port = port ?? file.port ?? 3540
        let seedTexts = seeds.isEmpty ? file.seeds : seeds
        let interfaceNames = interfaces.isEmpty ? file.interfaces : interfaces
        do {
            configuration.seeds = try seedTexts.map { try EndpointText($0) }
        } catch {
            printError("pnrp node: \(error)")
            throw ExitStatus.badInput.exitCode
        }
        if linkLocal ?? file.linkLocal ?? true {
            configuration.linkLocal = interfaceNames.isEmpty ? .automatic : .interfaces(interfaceNames)
        } else {
            configuration.linkLocal = .none
        }
        configuration.multicastDiscovery = multicast ?? file.multicast ?? true
        configuration.natTraversal = natTraversal ?? file.natTraversal ?? false
        if let slots = relaySlots ?? file.relaySlots {
            guard (0...NodeConfiguration.maximumRelayEndpoints).contains(slots) else {
                printError("pnrp node: --relay-slots \(slots): give a whole number from 0 to \(NodeConfiguration.maximumRelayEndpoints)")
                throw ExitStatus.badInput.exitCode
            }
            configuration.relaySlots = slots
        }
        if let port = streamRelayPort ?? file.streamRelayPort {
            guard port > 0 else {
                printError("pnrp node: --stream-relay-port 0: give a TCP port number from 1 to 65535")
                throw ExitStatus.badInput.exitCode
            }
            configuration.streamRelayPort = port
        }
        configuration.cacheSaveInterval = .seconds(cacheSaveInterval ?? file.cacheSaveIntervalSeconds ?? 300)
        let directory: StateDirectory
        do {
            directory = try StateDirectory(
                path: absolutePath(stateDirectory ?? file.stateDirectory ?? SystemdNotifier.stateDirectory() ?? StateDirectory.defaultPath))
        } catch {
            printError("pnrp node: \(FailureText.stateDirectory(error))")
            throw ExitStatus.badInput.exitCode
        }
        configuration.stateDirectory = directory
        // One node per state directory, for as long as it runs, whatever happens to control.sock.
        let lock: StateDirectoryLock
        do {
            lock = try StateDirectoryLock.acquire(in: directory)
        } catch {
            printError("pnrp node: \(error.description)")
            throw (error.isHeld ? ExitStatus.alreadyRunning : ExitStatus.failure).exitCode
        }
        defer { lock.release() }

        // Metrics: the host's swift-metrics instruments go to a Prometheus registry served over HTTP. The
        // backend is bootstrapped before the host starts, as swift-metrics asks.
        var metricsServer: MetricsServer?
        let metricsText = metrics ?? file.metrics
        if let address = try Self.metricsAddress(metricsText), let text = metricsText {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            do {
                metricsServer = try await MetricsServer.start(at: address, registry: registry)
            } catch {
                let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
                printError("pnrp node: cannot serve metrics on \(text): \(reason); pick another --metrics address or port")
                throw ExitStatus.failure.exitCode
            }
            logger.info("serving metrics", metadata: ["url": "http://\(text)/metrics"])
        }

        let service = NodeService(configuration: configuration, directory: directory, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint, .sighup], logger: logger))
        do {
            try await group.run()
            await metricsServer?.close()
        } catch let error as ControlServerError {
            printError("pnrp node: \(error)")
            if case .alreadyRunning = error { throw ExitStatus.alreadyRunning.exitCode }
            throw ExitStatus.failure.exitCode
        } catch {
            printError("pnrp node: \(FailureText.describe(error))")
            throw ExitStatus.failure.exitCode
        }
    }
}
