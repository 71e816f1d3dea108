import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP

/// Several hosts, each with a Cloud Table, wired together in virtual time.
private struct Hosts {
    var tables: [CloudTable]
    var now = NodeInstant.virtualEpoch
    /// Which host owns each local endpoint.
    var owner: [IPv6Endpoint: Int] = [:]
    var events: [(host: Int, cloud: CloudScope, event: NodeEvent)] = []

    init(count: Int) { tables = Array(repeating: CloudTable(), count: count) }

    static func globalEndpoint(_ host: Int) -> IPv6Endpoint {
        IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: UInt64(host) + 1), port: 3540)
    }

    static func linkEndpoint(_ host: Int) -> IPv6Endpoint {
        IPv6Endpoint(address: IPv6Address(high: 0xFE80_0000_0000_0000, low: UInt64(host) + 1), port: 3540)
    }

    mutating func open(_ host: Int, _ cloud: CloudScope, at endpoint: IPv6Endpoint) throws {
        try tables[host].open(cloud, configuration: NodeConfiguration(localEndpoint: endpoint, seed: UInt64(host * 31 + 7)), now: now)
        owner[endpoint] = host
    }

    /// Delivers datagrams (10 ms each) and timers until `duration` of virtual time has passed.
    mutating func run(for duration: NodeDuration) {
        let end = now + duration
        var queue: [(at: NodeInstant, datagram: [UInt8], from: IPv6Endpoint, to: IPv6Endpoint)] = []
        while now < end {
            for h in tables.indices {
                let local = tables[h]
                for effect in tables[h].takeEffects() {
                    switch effect.effect {
                    case .send(let d, let to, _):
                        let from = local.node(effect.cloud)!.localEndpoint
                        queue.append((now + .milliseconds(10), d, from, to))
                    case .sendFrom:
                        Issue.record("no node of these tables has other endpoints")
                    case .event(let e):
                        events.append((h, effect.cloud, e))
                    }
                }
            }
            let nextTimer = tables.compactMap(\.nextDeadline).min() ?? end
            let nextDatagram = queue.map(\.at).min() ?? end
            now = Swift.max(now, Swift.min(nextTimer, nextDatagram, end))
            let due = queue.filter { $0.at <= now }
            queue.removeAll { $0.at <= now }
            for d in due {
                guard let host = owner[d.to] else { continue }
                tables[host].handle(datagram: d.datagram, from: d.from, arrivedAt: d.to, now: now)
            }
            for h in tables.indices { tables[h].poll(now: now) }
        }
    }

    mutating func resolve(_ host: Int, _ cloud: CloudScope, _ name: PeerName) throws -> ResolveResult? {
        let t = now
        let id = try tables[host].withNode(cloud) { $0.resolve(name: name, now: t) }
        for _ in 0..<100 {
            run(for: .milliseconds(200))
            for e in events where e.host == host && e.cloud == cloud {
                if case .resolved(id, let r) = e.event { return r }
                if case .resolveFailed(id, _) = e.event { return nil }
            }
        }
        return nil
    }
}

@Suite(.onComputeThread) struct CloudTableTests {
    @Test("open counts, cleanup timer, endpoints unique per cloud")
    func openCloseCleanup() throws {
        var table = CloudTable()
        let now = NodeInstant.virtualEpoch
        #expect(try table.open(.global, configuration: NodeConfiguration(localEndpoint: Hosts.globalEndpoint(0)), now: now))
        #expect(try !table.open(.global, configuration: NodeConfiguration(localEndpoint: Hosts.globalEndpoint(0)), now: now))
        #expect(throws: CloudError.endpointInUse(Hosts.globalEndpoint(0), by: .global)) {
            try table.open(.linkLocal(zone: 2), configuration: NodeConfiguration(localEndpoint: Hosts.globalEndpoint(0)), now: now)
        }
        try table.close(.global, now: now)
        try table.close(.global, now: now)
        #expect(throws: CloudError.notOpen(.global)) { try table.close(.global, now: now) }
        table.poll(now: now + .minutes(14))
        #expect(table.clouds == [.global])
        table.poll(now: now + .minutes(15))
        #expect(table.clouds.isEmpty)
    }

    @Test("a name registered in a link-local cloud resolves on that link only, never in the global cloud")
    func cloudsAreSeparate() throws {
        var hosts = Hosts(count: 4)
        for h in 0..<4 { try hosts.open(h, .global, at: Hosts.globalEndpoint(h)) }
        // Hosts 0, 1, 2 share link 1; host 3 is on another link.
        for h in 0..<3 { try hosts.open(h, .linkLocal(zone: 1), at: Hosts.linkEndpoint(h)) }
        try hosts.open(3, .linkLocal(zone: 2), at: Hosts.linkEndpoint(3))
        for h in 1..<4 {
            let now = hosts.now
            try hosts.tables[h].withNode(.global) { $0.synchronize(with: Hosts.globalEndpoint(0), now: now) }
        }
        for h in 1..<3 {
            let now = hosts.now
            try hosts.tables[h].withNode(.linkLocal(zone: 1)) { $0.synchronize(with: Hosts.linkEndpoint(0), now: now) }
        }
        hosts.run(for: .seconds(2))

        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32))
        let onLink = try PeerName("0.printer-on-link")
        let everywhere = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "chat")
        let now = hosts.now
        _ = try hosts.tables[0].withNode(.linkLocal(zone: 1)) { try $0.register(name: onLink, key: key, now: now) }
        _ = try hosts.tables[0].withNode(.global) { try $0.register(name: everywhere, key: key, now: now) }
        hosts.run(for: .seconds(20))

        let local = try hosts.resolve(2, .linkLocal(zone: 1), onLink)
        #expect(local?.cpa.serviceAddresses == [Hosts.linkEndpoint(0)])
        #expect(try hosts.resolve(2, .global, onLink) == nil)
        #expect(try hosts.resolve(3, .linkLocal(zone: 2), onLink) == nil)
        let global = try hosts.resolve(3, .global, everywhere)
        #expect(global?.cpa.serviceAddresses == [Hosts.globalEndpoint(0)])
        #expect(try hosts.resolve(1, .linkLocal(zone: 1), everywhere) == nil)
    }
}
