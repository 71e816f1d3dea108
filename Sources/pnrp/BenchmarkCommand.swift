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
            --seconds each. Cloud: --nodes nodes join an in-memory cloud through the protocol and \
            register one name each; after the cloud settles, --resolutions random names are \
            resolved, --concurrency of them in flight at once (every hop really encoded, decoded and every \
            CPA verified; the whole cloud's maintenance runs meanwhile). \
            Memory per node is the growth of the resident set while the cloud was built, divided by \
            the node count.

            Examples:
              pnrp benchmark --skip-cloud
              pnrp benchmark --nodes 10000 --resolutions 10000 --json
            """
    )

    @Option(help: "Seconds per codec measurement.")
    var seconds = 2.0

    @Option(help: "Nodes in the benchmark cloud.")
    var nodes = 10_000

    @Option(help: "Resolutions timed in the benchmark cloud.")
    var resolutions = 10_000

    @Option(help: "Resolutions in flight at once in the benchmark cloud.")
    var concurrency = 100

    @Option(help: "Virtual seconds the cloud runs after the last join.")
    var settleSeconds: UInt64 = 120

    @Flag(help: "Only run the codec measurements.")
    var skipCloud = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        var figures: [(String, Double, String)] = []
        let (lookup, authority) = try sampleMessages()
        let lookupRate = measure(seconds) { _ = try? PNRPMessage(decoding: try! lookup.encoded()) }
        figures.append(("codec.lookup.encodeDecodePerSecond", lookupRate, "LOOKUP encode+decode per second (\(try lookup.encoded().count) bytes)"))
        let authorityRate = measure(seconds) {
            let bytes = try! authority.encoded()
            if let m = try? PNRPMessage(decoding: bytes), case .authority(let f) = m.body { _ = try? AuthorityBuffer(decoding: f.fragment) }
        }
        figures.append(("codec.authority.encodeDecodePerSecond", authorityRate, "AUTHORITY (with a secured CPA) encode+decode per second (\(try authority.encoded().count) bytes)"))

        if !skipCloud {
            let progress = ProgressLine(enabled: !json)
            let rssBefore = residentBytes()
            var scenario = CloudScenario(nodeCount: nodes, settleTime: .seconds(settleSeconds), cloud: InMemoryCloudConfiguration(seed: 1))
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

        if json {
            print("{" + figures.map { "\"\($0.0)\":\($0.1.isFinite ? String($0.1) : "null")" }.joined(separator: ",") + "}")
        } else {
            for f in figures { print(String(format: "%14.2f  %@", f.1, f.2)) }
        }
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

/// The resident set size of this process in bytes (Linux: /proc/self/statm), 0 when unknown.
func residentBytes() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
}
