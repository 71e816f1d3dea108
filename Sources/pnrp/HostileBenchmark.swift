import Foundation
import PNRP
import PNRPInMemory
import PeerCrypto

/// `pnrp benchmark --hostile`: what hostile datagrams from forged sources cost one node, in CPU and in what
/// they make it send (`docs/deviations.md`, items N25–N27).
extension BenchmarkCommand {
    /// One kind of hostile datagram and what handling it cost.
    struct HostileKind {
        var key: String
        var label: String
        var datagrams: [(bytes: [UInt8], from: IPv6Endpoint)]
    }

    /// Third parties named in hostile route entries live in this /64 (2001:db8:ffff::/64).
    static let thirdPartyPrefix: UInt64 = 0x2001_0DB8_FFFF_0000

    /// The `--hostile` measurement: a settled 40-node in-memory cloud; one node also registers a secured name
    /// with a 1 KB extended payload. A copy of that node is then fed `--datagrams` datagrams of each kind from
    /// forged sources, `--rate` per virtual second, and its timers are run for 10 virtual seconds after the
    /// last (retransmissions included). Reported per datagram: thread CPU time, Ed25519 signatures made,
    /// signature checks started, and for route entries naming a third party, the bytes sent to it per byte
    /// received.
    func hostileFigures() throws -> [(String, Double, String)] {
        let progress = ProgressLine(enabled: !json)
        let scenario = CloudScenario(nodeCount: 40, securedFraction: 0, settleTime: .seconds(60), cloud: InMemoryCloudConfiguration(seed: seed))
        var runner = ScenarioRunner(scenario: scenario)
        runner.join { n in progress.update("joining: \(n)/40") }
        progress.update("settling")
        runner.settle()
        let target = 1
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x42, count: 32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "hostile")
        let id = try runner.cloud.withNode(target) { node, now in
            try node.register(name: name, key: key, extendedPayload: [UInt8](repeating: 7, count: 1024), now: now)
        }
        runner.cloud.run(for: .seconds(60))
        let base = runner.cloud.nodes[target]
        let start = runner.cloud.now

        var random = RandomSource(seed: seed ^ 0x4057_11E)
        let count = Swift.max(1, datagrams)
        func forgedSource() -> IPv6Endpoint {
            IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: random.next()), port: UInt16(1025 + random.next() % 60_000))
        }
        func thirdParty() -> IPv6Address { IPv6Address(high: Self.thirdPartyPrefix, low: random.next() | 1) }
        func encoded(_ body: PNRPMessage.Body) throws -> [UInt8] {
            try PNRPMessage(messageID: UInt32(truncatingIfNeeded: random.next()), body: body).encoded()
        }
        /// IDs just above and below the registered one: route entries for them would enter its leaf set.
        func nearID() -> PNRPID {
            let offset = PNRPID(0, 0, random.next() >> 8, random.next())
            return random.next() & 1 == 0 ? id.adding(offset) : id.subtracting(offset)
        }

        // Revocations signed with another key for unsecured names the node caches: each verifies, then is
        // refused for its key (N18), unless the node checks the key first.
        let attacker = try Ed25519PrivateKey(seed: [UInt8](repeating: 0xA7, count: 32))
        let cached = runner.names.filter { !$0.name.isSecured && base.cache.contains($0.id) }
        var revocations: [CPA] = []
        for n in cached.prefix(64) {
            let cpa = try CPA.signed(
                name: n.name, serviceLocation: n.id.serviceLocation, serviceAddresses: [forgedSource()], payload: nil, friendlyName: nil,
                notAfter: (start + .hours(24)).fileTime, nonce: CPA.zeroNonce, key: attacker)
            revocations.append(try cpa.revocation(notAfter: (start + .hours(24)).fileTime, key: attacker))
        }

        var kinds: [HostileKind] = []
        var d: [(bytes: [UInt8], from: IPv6Endpoint)] = []
        for _ in 0..<count {
            let from = forgedSource()
            let lookup = Lookup(criteria: .anyPeerName, target: PNRPID(random.next(), random.next(), random.next(), random.next()), validateID: .zero, flaggedPath: [from])
            d.append((try encoded(.lookup(lookup)), from))
        }
        kinds.append(HostileKind(key: "lookup", label: "LOOKUP for a random target (reference)", datagrams: d))
        d = []
        for _ in 0..<count {
            let inquire = Inquire(flags: [.wantCPA, .wantCertificateChain, .wantExtendedPayload], validateID: id, nonce: random.bytes(16))
            d.append((try encoded(.inquire(inquire)), forgedSource()))
        }
        kinds.append(HostileKind(key: "inquire", label: "INQUIRE with a nonce for a registered ID (CPA + extended payload)", datagrams: d))
        d = []
        if !revocations.isEmpty {
            for k in 0..<count {
                let flood = Flood(doNotAck: false, validateID: .zero, revokeCPA: revocations[k % revocations.count], alreadyFlooded: [])
                d.append((try encoded(.flood(flood)), forgedSource()))
            }
            kinds.append(HostileKind(key: "revocation", label: "FLOOD with a revocation under another key", datagrams: d))
        }
        d = []
        for _ in 0..<count {
            d.append((try encoded(.solicit(Solicit(hashedNonce: random.bytes(20)))), forgedSource()))
        }
        kinds.append(HostileKind(key: "solicit", label: "SOLICIT with a fresh hashed nonce", datagrams: d))
        d = []
        for _ in 0..<count {
            let entry = RouteEntry(id: nearID(), port: 3540, address: thirdParty())
            d.append((try encoded(.solicit(Solicit(routeEntry: entry, hashedNonce: random.bytes(20)))), forgedSource()))
        }
        kinds.append(HostileKind(key: "reflectSolicit", label: "SOLICIT whose route entry names a third party", datagrams: d))
        d = []
        for _ in 0..<count {
            let from = forgedSource()
            let entry = RouteEntry(id: nearID(), port: 3540, address: thirdParty())
            let lookup = Lookup(criteria: .anyPeerName, target: nearID(), validateID: .zero, bestMatch: entry, flaggedPath: [from])
            d.append((try encoded(.lookup(lookup)), from))
        }
        kinds.append(HostileKind(key: "reflectLookup", label: "LOOKUP whose best match names a third party", datagrams: d))
        d = []
        for _ in 0..<count {
            let entry = RouteEntry(id: nearID(), port: 3540, address: thirdParty())
            d.append((try encoded(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: entry, alreadyFlooded: []))), forgedSource()))
        }
        kinds.append(HostileKind(key: "reflectFlood", label: "FLOOD whose route entry names a third party", datagrams: d))

        var figures: [(String, Double, String)] = [
            ("hostile.datagramsPerKind", Double(count), "hostile datagrams per kind"),
            ("hostile.ratePerSecond", rate, "arriving per virtual second"),
        ]
        let step = NodeDuration(nanoseconds: UInt64(1e9 / Swift.max(rate, 1e-3)))
        for kind in kinds {
            progress.update("hostile: \(kind.key)")
            var node = base
            var now = start
            var bytesIn = 0, bytesToThirdParties = 0
            var sentTo: [IPv6Address: Int] = [:]
            let cpuStart = threadCPUSeconds()
            func drain() {
                for effect in node.takeEffects() {
                    if case .send(let bytes, let to, _) = effect, to.address.high == Self.thirdPartyPrefix {
                        bytesToThirdParties += bytes.count
                        sentTo[to.address, default: 0] += bytes.count
                    }
                }
            }
            for datagram in kind.datagrams {
                bytesIn += datagram.bytes.count
                node.handle(datagram: datagram.bytes, from: datagram.from, now: now)
                if let due = node.nextDeadline, due <= now { node.poll(now: now) }
                drain()
                now = now + step
            }
            for _ in 0..<100 {
                now = now + .milliseconds(100)
                node.poll(now: now)
                drain()
            }
            let cpu = threadCPUSeconds() - cpuStart
            let n = Double(kind.datagrams.count)
            let made = node.statistics.signaturesMade - base.statistics.signaturesMade
            let checks = node.statistics.signatureChecks - base.statistics.signatureChecks
            figures.append(("hostile.\(kind.key).microsecondsPerDatagram", cpu / n * 1e6, "µs CPU per datagram: \(kind.label)"))
            figures.append(("hostile.\(kind.key).signaturesPerDatagram", Double(made) / n, "  signatures made per datagram"))
            figures.append(("hostile.\(kind.key).signatureChecksPerDatagram", Double(checks) / n, "  signature checks per datagram"))
            if kind.key.hasPrefix("reflect") {
                // Each datagram names a third party of its own: the worst ratio is that of one datagram.
                let worst = sentTo.values.max() ?? 0
                let size = kind.datagrams.first?.bytes.count ?? 1
                figures.append(("hostile.\(kind.key).thirdPartyBytesPerByte", Double(bytesToThirdParties) / Double(bytesIn), "  bytes sent to third parties per byte received"))
                figures.append(("hostile.\(kind.key).worstThirdPartyBytesPerByte", Double(worst) / Double(size), "  most bytes sent to one third party per byte of the \(size)-byte datagram naming it"))
            }
        }
        progress.finish()
        return figures
    }
}

/// CPU time used by the calling thread so far, in seconds.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
