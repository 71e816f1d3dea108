import NetworkLab
import PNRPInMemory
import PeerCrypto
import Testing

@testable import PNRP

/// The anti-abuse guard of real sockets (`SourceGuard`, `docs/deviations.md` D1) run by the in-memory cloud on
/// every node endpoint (`InMemoryCloudConfiguration.sourceGuard`): the simulator exercises what real nodes run.
@Suite(.onComputeThread) struct SimulatedSourceGuardTests {
    /// Sees what arrives at one node's endpoint and lets it send nothing: a host that is no PNRP node, which
    /// answers no probe (it only suffers what is aimed at it).
    final class Victim: DatagramTamperer, @unchecked Sendable {
        var bytesReceived = 0
        var datagramsReceived = 0
        var types: [UInt8: Int] = [:]
        func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
            bytesReceived += datagram.count
            datagramsReceived += 1
            types[datagram.count > 7 ? datagram[7] : 0, default: 0] += 1
        }
        func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? { nil }
    }

    /// Six nodes, each registering a secured name, settled; with or without guards.
    static func cloud(guarded: Bool) throws -> (cloud: InMemoryCloud, ids: [PNRPID], names: [PeerName]) {
        var configuration = InMemoryCloudConfiguration(seed: 6060)
        if guarded { configuration.sourceGuard = SourceGuard.Limits() }
        var cloud = InMemoryCloud(configuration: configuration)
        var random = RandomSource(seed: 61)
        var ids: [PNRPID] = [], names: [PeerName] = []
        let seed = cloud.addNode()
        for i in 0..<6 {
            if i > 0 { cloud.addNode(bootstrap: [seed]) }
            cloud.run(for: .seconds(1))
            let key = try Ed25519PrivateKey(seed: random.bytes(32))
            let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "reflector-\(i)")
            ids.append(try cloud.withNode(i) { node, now in try node.register(name: name, key: key, now: now) })
            names.append(name)
        }
        cloud.run(for: .seconds(60))
        return (cloud, ids, names)
    }

    @Test("a guarded cloud forms and resolves every name, as an unguarded one does")
    func guardedCloudResolves() throws {
        var (cloud, _, names) = try Self.cloud(guarded: true)
        for (i, name) in names.enumerated() {
            let from = (i + 3) % names.count
            guard case .success = cloud.resolve(from: from, name: name) else {
                Issue.record("node \(from) could not resolve \(name) in a guarded cloud")
                continue
            }
        }
        #expect(cloud.traffic.guardDropped == 0, "the guard dropped \(cloud.traffic.guardDropped) datagrams of honest nodes")
    }

    @Test("INQUIREs forged from a host that never spoke to the cloud: unguarded, the node reflects CPAs several times their size at it; guarded, at most the bytes forged")
    func reflectionIsBounded() throws {
        var received: [Bool: (bytes: Int, datagrams: Int, types: [UInt8: Int])] = [:]
        var forged = 0
        for guarded in [false, true] {
            var (cloud, ids, _) = try Self.cloud(guarded: guarded)
            let victim = cloud.addNode()  // joins nobody: no node has ever sent to it
            let observer = Victim()
            cloud.setTamperer(observer, misbehaving: [victim])
            var random = RandomSource(seed: 62)
            forged = 0
            for k in 0..<40 {
                let inquire = Inquire(flags: [.wantCPA, .wantCertificateChain], validateID: ids[0], nonce: random.bytes(16))
                let datagram = try PNRPMessage(messageID: UInt32(1000 + k), body: .inquire(inquire)).encoded()
                forged += datagram.count
                cloud.inject(datagram, spoofing: victim, to: 0)
                cloud.run(for: .milliseconds(100))
            }
            cloud.run(for: .seconds(10))
            received[guarded] = (observer.bytesReceived, observer.datagramsReceived, observer.types)
        }
        let open = received[false]!, guarded = received[true]!
        print(
            "40 forged INQUIREs (\(forged) B): the victim got \(open.bytes) B in \(open.datagrams) datagrams unguarded (by MessageType \(open.types)), \(guarded.bytes) B in \(guarded.datagrams) guarded (\(guarded.types): probes, and a split-detection LOOKUP to a recent requester)")
        #expect(open.bytes > 3 * forged, "without the guard the node should reflect its CPA (this is what the guard is for)")
        #expect(guarded.bytes <= forged, "guarded, the victim got \(guarded.bytes) B for \(forged) B forged")
    }
}
