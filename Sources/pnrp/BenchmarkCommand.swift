import ArgumentParser
import Foundation
import PNRP
import PNRPInMemory
import PeerCrypto

/// `pnrp benchmark`: throughput and memory figures of the core, measured in this process.
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Measure codec throughput, resolutions per second and memory per node.",
        discussion: """
            Build in release mode first; debug figures are meaningless:
              swift build -c release && .build/release/pnrp benchmark

            Codec: LOOKUP and AUTHORITY messages encoded and decoded in a loop on one core for \
            --seconds each; then the two random generators (xoshiro256** for the simulator's models, \
            ChaCha20 for every value a node draws), as words and as one INQUIRE's nonce and Message ID \
            per second. Cloud: --nodes nodes join an in-memory cloud through the protocol and \
            register one name each; after the cloud settles, --resolutions random names are \
            resolved, --concurrency of them in flight at once (every hop really encoded, decoded and every \
            CPA verified; the whole cloud's maintenance runs meanwhile). \
            Memory per node is the growth of the resident set while the cloud was built, divided by \
            the node count.

            Idle traffic (--idle, instead of the above): --nodes nodes (default 200) join through the \
            protocol and register one secured name each. The cloud has formed when every node has \
            joined and every registration has been announced (each node reported `registered`). The \
            cloud is then left idle for --windows windows of --window-minutes each; the bytes every node \
            sent (retransmissions included) are reported per node and second, by message type and, \
            for LOOKUPs and their answers, by resolve reason. Then --resolutions random names \
            (default 300) are resolved, to show that the caches still serve. Virtual time; the same \
            --seed gives the same figures.

            Hostile datagrams (--hostile, instead of the above): a node of a settled 40-node cloud that \
            registers a secured name with a 1 KB extended payload is fed --datagrams datagrams of each \
            hostile kind from forged sources, --rate per virtual second (INQUIREs with a nonce, \
            revocations under another key, SOLICITs, route entries naming a third party); reported per \
            datagram: thread CPU time, signatures made, signature checks started, and bytes sent to the \
            third party per byte received.

            Examples:
              pnrp benchmark --hostile
              pnrp benchmark --skip-cloud
              pnrp benchmark --nodes 10000 --resolutions 10000 --json
              pnrp benchmark --idle --nodes 200
            """
    )

    @Option(help: "Seconds per codec measurement.")
    var seconds = 2.0

    @Option(help: "Nodes in the benchmark cloud (default 10000; 200 with --idle).")
    var nodes: Int?

    @Option(help: "Resolutions timed in the benchmark cloud (default 10000; 300 with --idle).")
    var resolutions: Int?

    @Option(help: "Resolutions in flight at once in the benchmark cloud.")
    var concurrency = 100

    @Option(help: "Virtual seconds the cloud runs after the last join.")
    var settleSeconds: UInt64 = 120

    @Flag(help: "Only run the codec measurements.")
    var skipCloud = false

    @Flag(help: "Measure the idle maintenance traffic of a formed cloud instead.")
    var idle = false

    @Option(help: "Length of each idle window in virtual minutes (with --idle).")
    var windowMinutes: UInt64 = 10

    @Option(help: "Number of consecutive idle windows (with --idle).")
    var windows = 2

    @Flag(help: "Measure what hostile datagrams from forged sources cost a node instead.")
    var hostile = false

    @Option(help: "Hostile datagrams per kind (with --hostile).")
    var datagrams = 20_000

    @Option(help: "Hostile datagrams arriving per virtual second (with --hostile).")
    var rate = 12_000.0

    @Option(help: "Seed of the benchmark cloud.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if let nodes, nodes < 2 { throw ValidationError("--nodes must be at least 2") }
        if let resolutions, resolutions < 0 { throw ValidationError("--resolutions must not be negative") }
        if windowMinutes == 0 { throw ValidationError("--window-minutes must be at least 1") }
        if windows < 1 { throw ValidationError("--windows must be at least 1") }
        if datagrams < 1 { throw ValidationError("--datagrams must be at least 1") }
        if !(rate > 0) { throw ValidationError("--rate must be positive") }
    }

    func run() throws {
        var figures: [(String, Double, String)] = []
        if hostile {
            figures = try hostileFigures()
            report(figures)
            return
        }
        if idle {
            figures = try idleFigures()
            report(figures)
            return
        }
        let nodes = self.nodes ?? 10_000
        let resolutions = self.resolutions ?? 10_000
        let (lookup, authority) = try sampleMessages()
        let lookupRate = measure(seconds) { _ = try? PNRPMessage(decoding: try! lookup.encoded()) }
        figures.append(("codec.lookup.encodeDecodePerSecond", lookupRate, "LOOKUP encode+decode per second (\(try lookup.encoded().count) bytes)"))
        let authorityRate = measure(seconds) {
            let bytes = try! authority.encoded()
            if let m = try? PNRPMessage(decoding: bytes), case .authority(let f) = m.body { _ = try? AuthorityBuffer(decoding: f.fragment) }
        }
        figures.append(("codec.authority.encodeDecodePerSecond", authorityRate, "AUTHORITY (with a secured CPA) encode+decode per second (\(try authority.encoded().count) bytes)"))
        figures += generatorFigures()

        if !skipCloud {
            let progress = ProgressLine(enabled: !json)
            let rssBefore = residentBytes()
            var scenario = CloudScenario(nodeCount: nodes, settleTime: .seconds(settleSeconds), cloud: InMemoryCloudConfiguration(seed: seed))
            scenario.cloud.node.maintenanceDepth = Int(log10(Double(nodes)).rounded(.up)) + 1
            var runner = ScenarioRunner(scenario: scenario)
            let joinStart = Date()
            runner.join { n in progress.update("joining: \(n)/\(nodes)") }
            progress.update("settling")
            runner.settle()
            let buildSeconds = Date().timeIntervalSince(joinStart)
            let rssAfter = residentBytes()
            let start = Date()
            let report = runner.resolveRandomNames(count: resolutions, concurrency: concurrency) { k in progress.update("resolving: \(k)/\(resolutions)") }
            let elapsed = Date().timeIntervalSince(start)
            progress.finish()
            figures.append(("cloud.nodes", Double(nodes), "nodes"))
            figures.append(("cloud.buildSeconds", buildSeconds, "wall seconds to join, register and settle"))
            figures.append(("cloud.resolutionsPerSecond", Double(report.attempted) / elapsed, "resolutions per second, one core, \(concurrency) in flight"))
            figures.append(("cloud.successRate", report.successRate, "resolution success rate"))
            figures.append(("cloud.meanHops", report.meanHops, "mean hops"))
            figures.append(("cloud.bytesPerNode", Double(rssAfter &- rssBefore) / Double(nodes), "resident bytes per node"))
            let cacheMean = Double(runner.cloud.nodes.reduce(0) { $0 + $1.cache.count }) / Double(nodes)
            figures.append(("cloud.cacheEntriesPerNode", cacheMean, "route entries cached per node"))
        }

        report(figures)
    }

    private func report(_ figures: [(String, Double, String)]) {
        if json {
            print("{" + figures.map { "\"\($0.0)\":\($0.1.isFinite ? String($0.1) : "null")" }.joined(separator: ",") + "}")
        } else {
            for f in figures { print(String(format: "%14.2f  %@", f.1, f.2)) }
        }
    }

    /// The idle-traffic measurement (`--idle`): form a cloud, leave it idle for `--windows` windows, then resolve.
    private func idleFigures() throws -> [(String, Double, String)] {
        let nodes = self.nodes ?? 200
        let resolutions = self.resolutions ?? 300
        let progress = ProgressLine(enabled: !json)
        var scenario = CloudScenario(nodeCount: nodes, securedFraction: 1, settleTime: .seconds(0), cloud: InMemoryCloudConfiguration(seed: seed))
        scenario.cloud.node.maintenanceDepth = Int(log10(Double(nodes)).rounded(.up)) + 1
        var runner = ScenarioRunner(scenario: scenario)
        runner.join { n in progress.update("joining: \(n)/\(nodes)") }
        progress.update("forming")
        guard let formed = runner.runUntilFormed() else {
            progress.finish()
            throw ValidationError("the cloud did not form within 10 virtual minutes of the last join")
        }
        progress.update("idle")
        let window = NodeDuration.minutes(windowMinutes)
        let windows = runner.measureIdleTraffic(windows: Array(repeating: window, count: self.windows))
        progress.update("resolving")
        let report = runner.resolveRandomNames(count: resolutions)
        progress.finish()

        var figures: [(String, Double, String)] = []
        figures.append(("idle.nodes", Double(nodes), "nodes, one secured name each"))
        figures.append(("idle.formedSeconds", Double(formed.nanoseconds - NodeInstant.virtualEpoch.nanoseconds) / 1e9, "virtual seconds from the first join until the cloud formed"))
        for w in windows {
            let from = w.start.nanoseconds / 60_000_000_000, to = (w.start + w.length).nanoseconds / 60_000_000_000
            let key = "idle.minutes\(from)to\(to)"
            figures.append(("\(key).bytesPerNodePerSecond", w.bytesPerNodePerSecond, "B/s per node sent in minutes \(from)-\(to) after forming"))
            for type in MessageType.allCases {
                figures.append(("\(key).\(type)", w.rate(w.bytesByType[type.rawValue] ?? 0), "  \(type)"))
            }
            for reason in ResolveReason.allCases {
                figures.append(("\(key).lookups.\(reason)", w.rate(w.lookupBytesByReason[reason.rawValue] ?? 0), "  LOOKUP + answers, \(reason)"))
            }
            figures.append(("\(key).retransmissions", Double(w.retransmissions), "  retransmissions (all nodes)"))
        }
        figures.append(("idle.resolutions", Double(report.attempted), "resolutions after the idle windows"))
        figures.append(("idle.successRate", report.successRate, "resolution success rate"))
        figures.append(("idle.meanHops", report.meanHops, "mean hops"))
        return figures
    }

    /// Representative messages: a LOOKUP carrying a best match and a 5-entry flagged path, and an
    /// AUTHORITY whose buffer holds a route entry and a secured CPA.
    private func sampleMessages() throws -> (PNRPMessage, PNRPMessage) {
        var random = RandomSource(seed: 42)
        let endpoints = (0..<5).map { IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: UInt64($0 + 1)), port: 3540) }
        let entry = RouteEntry(id: random.pnrpID(), port: 3540, addresses: [endpoints[0].address])
        let lookup = PNRPMessage(messageID: 7, body: .lookup(Lookup(criteria: .anyPeerName, target: random.pnrpID(), validateID: random.pnrpID(), bestMatch: entry, flaggedPath: endpoints)))
        let key = try Ed25519PrivateKey(seed: random.bytes(32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "benchmark")
        let cpa = try CPA.signed(
            name: name, serviceLocation: ServiceLocation(high: 1, low: 2), serviceAddresses: [endpoints[0]],
            payload: [IPv6AppEndpoint(address: endpoints[0].address, port: 8080, ipProtocol: 6)], friendlyName: nil,
            notAfter: FileTime(unixNanoseconds: 1_900_000_000_000_000_000), nonce: random.bytes(16), key: key)
        let buffer = try AuthorityBuffer(flags: [], routeEntry: entry, validateCPA: cpa).encoded()
        let fragment = try AuthorityFragment.fragments(of: buffer, ackedMessageID: 7)[0]
        return (lookup, PNRPMessage(messageID: 8, body: .authority(fragment)))
    }

    /// Draws per second of the two generators (`docs/deviations.md`, item N23): xoshiro256** (`RandomSource`,
    /// the simulator's models) and ChaCha20 (`NodeRandom`, every value a node draws), as 64-bit words and as
    /// what a node draws for one INQUIRE (a 16-byte nonce and a Message ID).
    private func generatorFigures() -> [(String, Double, String)] {
        var xoshiro = RandomSource(seed: 1)
        var chacha = NodeRandom(seed: 1)
        var sink: UInt64 = 0
        let xoshiroWords = measure(seconds) { for _ in 0..<1000 { sink ^= xoshiro.next() } } * 1000
        let chachaWords = measure(seconds) { for _ in 0..<1000 { sink ^= chacha.next() } } * 1000
        let xoshiroDraws = measure(seconds) { sink ^= UInt64(xoshiro.bytes(16)[0]) ^ xoshiro.next() }
        let chachaDraws = measure(seconds) { sink ^= UInt64(chacha.bytes(16)[0]) ^ chacha.next() }
        keep(sink)
        return [
            ("random.xoshiro.wordsPerSecond", xoshiroWords, "xoshiro256** 64-bit words per second (simulator models)"),
            ("random.chacha20.wordsPerSecond", chachaWords, "ChaCha20 64-bit words per second (node generator)"),
            ("random.xoshiro.inquireDrawsPerSecond", xoshiroDraws, "nonce + Message ID per second, xoshiro256**"),
            ("random.chacha20.inquireDrawsPerSecond", chachaDraws, "nonce + Message ID per second, ChaCha20"),
        ]
    }

    /// Runs `body` repeatedly for about `seconds`; returns calls per second.
    private func measure(_ seconds: Double, _ body: () -> Void) -> Double {
        for _ in 0..<1000 { body() }  // warm up
        var calls = 0
        let start = Date()
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0..<1000 { body() }
            calls += 1000
            elapsed = Date().timeIntervalSince(start)
        }
        return Double(calls) / elapsed
    }
}

/// Keeps a measured loop's result alive, so the optimiser cannot drop the loop.
@inline(never) func keep(_ value: UInt64) { _ = value }

/// The resident set size of this process in bytes (Linux: /proc/self/statm), 0 when unknown.
func residentBytes() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
}
