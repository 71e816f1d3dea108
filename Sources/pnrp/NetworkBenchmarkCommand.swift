import ArgumentParser
import Foundation
import Logging
import NIOPosix
import PNRP
import PNRPNetwork

/// `pnrp benchmark-network`: a cloud of real hosts in this process, each on its own loopback UDP socket.
struct NetworkBenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-network",
        abstract: "Measure resolution latency, bytes per resolution, idle traffic and memory over real UDP sockets.",
        discussion: """
            Build in release mode first; debug figures are meaningless:
              swift build -c release && .build/release/pnrp benchmark-network

            --nodes hosts start in this process, each with its own UDP socket on 127.0.0.1 (ports from \
            --base-port) and the default protocol timers; each joins through the protocol (seeded with \
            the first host) and registers one secured name. After --settle seconds the cloud is taken \
            as formed. With --idle-minutes, the bytes every host sends while nothing is asked of it are \
            measured over minutes 0-10 and 10-20 after formation. Then --resolutions secured names are \
            resolved one at a time from random hosts (final INQUIRE with a nonce and signature check \
            included), timing each, and --throughput more with --concurrency in flight.

            Examples:
              pnrp benchmark-network
              pnrp benchmark-network --nodes 200 --idle-minutes 20 --json
            """
    )

    @Option(help: "Hosts in the cloud.")
    var nodes = 200

    @Option(help: "First UDP port; host i listens on base-port + i.")
    var basePort: UInt16 = 42_000

    @Option(help: "Event-loop threads shared by all hosts.")
    var threads = 1

    @Option(help: "Seconds to let caches fill after the last join.")
    var settle = 60

    @Option(help: "Minutes of idle traffic to measure after formation (0 skips; 20 gives both windows).")
    var idleMinutes = 0

    @Option(help: "Resolutions timed one at a time.")
    var resolutions = 2000

    @Option(help: "Resolutions for the throughput figure.")
    var throughput = 5000

    @Option(help: "Resolutions in flight during the throughput figure.")
    var concurrency = 32

    @Option(help: "Seed of the hosts' random generators.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard Int(basePort) + nodes <= 65_535, basePort > 1024 else { throw ValidationError("--base-port + --nodes must stay within 1025...65535") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard resolutions >= 0, throughput >= 0, concurrency >= 1, settle >= 0, idleMinutes >= 0 else {
            throw ValidationError("counts and durations must not be negative, --concurrency at least 1")
        }
    }

    func run() async throws {
        var logger = Logger(label: "pnrp-benchmark")
        logger.logLevel = .error
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var figures: [(String, Double, String)] = []
        // One host started and stopped first, so the one-time costs of the process (libraries, the event
        // loop thread's allocator arena, type metadata) are not counted as per-host memory.
        do {
            let warmUp = try await PNRPHost.start(hostConfiguration(port: basePort - 1), group: group, logger: logger)
            let warmUpName = try warmUp.identity.securedName("warm-up")
            _ = try await warmUp.register(warmUpName)
            _ = try? await warmUp.resolve(warmUpName, timeout: .milliseconds(100))
            await warmUp.shutdown()
        }
        let rssBefore = residentBytes()
        var hosts: [PNRPHost] = []
        var names: [PeerName] = []
        let clock = ContinuousClock()
        let formStart = clock.now
        for i in 0..<nodes {
            var c = hostConfiguration(port: basePort + UInt16(i))
            c.randomSeed = seed &* 1_000_003 &+ UInt64(i)
            if i > 0 { c.seeds = [try EndpointText("127.0.0.1:\(basePort)")] }
            let host = try await PNRPHost.start(c, group: group, logger: logger)
            let name = try host.identity.securedName("bench-\(i)")
            _ = try await host.register(name)
            hosts.append(host)
            names.append(name)
        }
        progress("\(nodes) hosts started in \(seconds(clock.now - formStart)) s (\((residentBytes() &- rssBefore) / UInt64(nodes)) B RSS per host so far); settling \(settle) s")
        try await Task.sleep(for: .seconds(settle))
        var active = 0
        var cacheEntries = 0
        for h in hosts {
            let status = try await h.clouds()
            if status.first?.state == "active" { active += 1 }
            cacheEntries += status.first?.cachedEntries ?? 0
        }
        let rssPerNode = Double(residentBytes() &- rssBefore) / Double(nodes)
        figures.append(("formation.seconds", seconds(clock.now - formStart), "seconds from the first start to formation (settle included)"))
        figures.append(("formation.activeHosts", Double(active), "hosts whose cloud is active"))
        figures.append(("cache.entriesPerHost", Double(cacheEntries) / Double(nodes), "cached route entries per host"))
        figures.append(("memory.rssBytesPerHost", rssPerNode, "resident memory per host (growth of the process while the cloud formed)"))

        if idleMinutes > 0 {
            let start = try await totalBytesSent(hosts)
            var marks: [(Int, Int)] = [(0, start)]
            for minute in 1...idleMinutes {
                try await Task.sleep(for: .seconds(60))
                marks.append((minute, try await totalBytesSent(hosts)))
                progress("idle minute \(minute): \(Double(marks[minute].1 - marks[minute - 1].1) / Double(nodes) / 60) B/s per host")
            }
            func rate(_ from: Int, _ to: Int) -> Double {
                Double(marks[to].1 - marks[from].1) / Double(nodes) / Double(60 * (to - from))
            }
            figures.append(("idle.bytesPerHostPerSecond.0to\(min(10, idleMinutes))min", rate(0, min(10, idleMinutes)), "idle bytes sent per host per second, minutes 0-\(min(10, idleMinutes))"))
            if idleMinutes > 10 {
                figures.append(("idle.bytesPerHostPerSecond.10to\(idleMinutes)min", rate(10, idleMinutes), "idle bytes sent per host per second, minutes 10-\(idleMinutes)"))
            }
        }

        var random = RandomSource(seed: seed)
        func pick() -> (PNRPHost, PeerName) {
            let from = Int(random.next() % UInt64(nodes))
            var to = Int(random.next() % UInt64(nodes - 1))
            if to >= from { to += 1 }
            return (hosts[from], names[to])
        }
        var latencies: [Double] = []
        var failures = 0
        var hops = 0
        let bytesBefore = try await totalBytesSent(hosts)
        let sequentialStart = clock.now
        for _ in 0..<resolutions {
            let (host, name) = pick()
            let t0 = clock.now
            do {
                let record = try await host.resolve(name, timeout: .seconds(5))
                latencies.append(seconds(clock.now - t0) * 1000)
                hops += record.hops
            } catch {
                failures += 1
            }
        }
        let sequentialSeconds = seconds(clock.now - sequentialStart)
        let bytesAfter = try await totalBytesSent(hosts)
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int((p / 100 * Double(latencies.count)).rounded(.up)) - 1)]
        }
        figures.append(("resolve.success", Double(latencies.count) / Double(max(1, resolutions)), "share of sequential resolutions that found the record"))
        figures.append(("resolve.latencyMs.p50", percentile(50), "latency p50 (ms), secured name, final INQUIRE and signature check included"))
        figures.append(("resolve.latencyMs.p99", percentile(99), "latency p99 (ms)"))
        figures.append(("resolve.latencyMs.max", latencies.last ?? .nan, "latency max (ms)"))
        figures.append(("resolve.meanHops", Double(hops) / Double(max(1, latencies.count)), "mean LOOKUP hops"))
        figures.append(("resolve.bytesOnWire", Double(bytesAfter - bytesBefore) / Double(max(1, resolutions)), "bytes sent by all hosts per resolution (background maintenance during the run included)"))
        figures.append(("resolve.sequentialPerSecond", Double(resolutions) / sequentialSeconds, "resolutions per second, one at a time"))

        let throughputStart = clock.now
        var done = 0
        var throughputFailures = 0
        var pairs: [(PNRPHost, PeerName)] = (0..<throughput).map { _ in pick() }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            var inFlight = 0
            while done < throughput {
                while inFlight < concurrency, let (host, name) = pairs.popLast() {
                    group.addTask { (try? await host.resolve(name, timeout: .seconds(10))) != nil }
                    inFlight += 1
                }
                guard let ok = try await group.next() else { break }
                inFlight -= 1
                done += 1
                if !ok { throughputFailures += 1 }
            }
        }
        let throughputSeconds = seconds(clock.now - throughputStart)
        figures.append(("resolve.concurrentPerSecond", Double(throughput) / throughputSeconds, "resolutions per second with \(concurrency) in flight on \(threads) event-loop thread(s)"))
        figures.append(("resolve.concurrentSuccess", Double(throughput - throughputFailures) / Double(max(1, throughput)), "share found in the throughput run"))

        var retransmissions = 0, probes = 0, timeouts = 0, dropped = 0
        var timeoutTypes: [UInt8: Int] = [:]
        for h in hosts {
            let c = try await h.counters()
            probes += c.probesSent
            for s in c.nodes.values {
                retransmissions += s.retransmissions
                timeouts += s.timeouts
                dropped += s.dropped
                for (k, v) in s.timeoutsByType { timeoutTypes[k, default: 0] += v }
            }
        }
        progress("retransmissions \(retransmissions), timeouts \(timeouts) \(timeoutTypes), dropped \(dropped), probes \(probes)")
        for h in hosts { await h.shutdown() }
        try await group.shutdownGracefully()
        if json {
            let body = figures.map { "\"\($0.0)\": \($0.1.isFinite ? String(format: "%.4f", $0.1) : "null")" }.joined(separator: ", ")
            print("{\(body), \"nodes\": \(nodes), \"failures\": \(failures)}")
        } else {
            print("benchmark-network: \(nodes) hosts on 127.0.0.1, \(threads) event-loop thread(s)")
            for (_, value, label) in figures { print(String(format: "  %12.3f  %@", value, label)) }
        }
    }

    /// A host on 127.0.0.1:`port`: global cloud only, no multicast, default timers.
    private func hostConfiguration(port: UInt16) -> HostConfiguration {
        var c = HostConfiguration()
        c.address = "127.0.0.1"
        c.port = port
        c.linkLocal = .none
        c.multicastDiscovery = false
        return c
    }

    private func totalBytesSent(_ hosts: [PNRPHost]) async throws -> Int {
        var total = 0
        for h in hosts { total += try await h.counters().bytesOut }
        return total
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
