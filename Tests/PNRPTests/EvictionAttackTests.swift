import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// Eviction by lying: what a node answers about an ID, or its silence, speaks only for the entry cached at that
// node (`docs/deviations.md`, items N22, N24).

@Suite(.onComputeThread) struct EvictionAnswerTests {
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)
    static func endpoint(_ n: UInt64) -> IPv6Endpoint { IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: n), port: 3540) }

    /// A route entry naming the victim's ID at the victim's address and, second, at the attacker's: its node
    /// answers the INQUIRE that validates it (sent to the first address), so a node outside the victim's leaf
    /// sets caches it without a CPA. The attacker then denies the ID, or goes silent, when asked about it at
    /// its own address.
    @Test("an entry validated without a CPA keeps only the address that answered; the attacker listed second cannot have it removed", arguments: [false, true])
    func secondAddressDoesNotSpeakForTheEntry(silent: Bool) throws {
        let resolverEP = Self.endpoint(1), victimEP = Self.endpoint(2), attackerEP = Self.endpoint(3)
        let victimKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x56, count: 32))
        let name = try PeerName(authority: .of(publicKey: victimKey.publicKey.bytes), classifier: "poisoned")
        let id = PNRPID(p2pID: name.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 0x1234_5678_9ABC_DEF0))
        let attackerName = try PeerName("0.elsewhere")
        let attackerID = PNRPID(p2pID: attackerName.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 77))
        let victimCPA = try CPA.signed(
            name: name, serviceLocation: id.serviceLocation, serviceAddresses: [victimEP], payload: nil, friendlyName: nil,
            notAfter: (Self.t0 + .hours(24)).fileTime, nonce: CPA.zeroNonce, key: victimKey)
        let atVictim = RouteEntry(id: id, port: 3540, address: victimEP.address)

        // A resolve-only node (no leaf set: everything is cached without a CPA) learns of the attacker, then
        // of the victim through the attacker's two-address entry.
        var r = ScriptedNode(endpoint: resolverEP, seed: 21, now: Self.t0)
        let attackerEntry = RouteEntry(id: attackerID, port: 3540, address: attackerEP.address)
        try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: attackerEntry, alreadyFlooded: [])), from: attackerEP)
        try r.answer(try r.inquire(about: attackerID, to: attackerEP), with: AuthorityBuffer(flags: [], routeEntry: attackerEntry))
        let poisoned = RouteEntry(id: id, port: 3540, addresses: [victimEP.address, attackerEP.address])
        try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: poisoned, alreadyFlooded: [])), messageID: 2, from: attackerEP)
        try r.answer(try r.inquire(about: id, to: victimEP), with: AuthorityBuffer(flags: [], routeEntry: atVictim))
        #expect(r.node.cache.entry(id)?.primaryEndpoint == victimEP)
        #expect(r.node.cache.entry(id)?.hasEndpoint(attackerEP) == false, "the address nobody validated was cached")

        // The victim misses a LOOKUP (it answers the liveness check, and any request for its CPA, as the live
        // node it is); the search falls back on the attacker, which offers the victim's ID at its own endpoint.
        _ = r.node.resolve(name: name, now: r.now)
        try r.collect()
        try r.wait(seconds: 2)
        var answered = Set<UInt32>()
        func answerVictimInquiries() throws {
            for request in r.sent where request.to == victimEP && !answered.contains(request.message.messageID) {
                guard case .inquire(let q) = request.message.body, q.validateID == id else { continue }
                answered.insert(request.message.messageID)
                var cpa: CPA?
                if q.flags.contains(.wantCPA) {
                    cpa = try q.nonce.map {
                        try CPA.signed(
                            name: name, serviceLocation: id.serviceLocation, serviceAddresses: [victimEP], payload: nil, friendlyName: nil,
                            notAfter: (Self.t0 + .hours(24)).fileTime, nonce: $0, key: victimKey)
                    } ?? victimCPA
                }
                try r.answer(request, with: AuthorityBuffer(flags: [], routeEntry: atVictim, validateCPA: cpa))
            }
        }
        try answerVictimInquiries()
        try r.answer(try r.lookup(validating: attackerID, to: attackerEP), with: AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: id, port: 3540, address: attackerEP.address)))
        try answerVictimInquiries()
        let lookup = try r.lookup(validating: id, to: attackerEP)
        if silent {
            // The attacker stays silent to the LOOKUP and to the liveness check that follows.
            try r.wait(seconds: 6)
        } else {
            // The attacker says it does not hold the ID, then denies it to the liveness check.
            try r.answer(lookup, with: AuthorityBuffer(flags: .notFound))
            try r.wait(seconds: 1)
            for request in r.sent where request.to == attackerEP {
                if case .inquire(let q) = request.message.body, q.validateID == id { try r.answer(request, with: AuthorityBuffer(flags: .notFound)) }
            }
        }
        // The victim goes on answering every INQUIRE, as the live node it is (the resolution's second walk,
        // `docs/deviations.md` N41, asks it again).
        for _ in 0..<6 {
            try answerVictimInquiries()
            try r.wait(seconds: 1)
        }
        try answerVictimInquiries()
        #expect(r.node.cache.entry(id)?.primaryEndpoint == victimEP, "the victim's entry was removed on the attacker's word")
        #expect(r.node.statistics.evictions["notRegistered", default: 0] + r.node.statistics.evictions["invalidCPA", default: 0] == 0)
    }
}

/// What the liar does on the wire, as the report describes it: every LOOKUP it answers offers the victim's ID
/// at the liar's own address, and when it is then asked about that ID, by LOOKUP or INQUIRE, it answers "not
/// found", sends a CPA that does not verify, or stays silent, in turn. It also stays silent whenever it is
/// checked for liveness about its own ID. Everything else its unmodified node sends goes out as it is.
///
/// So that resolutions of the victim's name reach the liar, the victim's answer to the first LOOKUP from each
/// node is lost (both transmissions); the victim answers everything else, its liveness checks included.
final class EvictionLiar: DatagramTamperer {
    let victimID: PNRPID
    let ownID: PNRPID
    let liar: Int, victim: Int
    let endpoint: IPv6Endpoint
    let forgedCPA: CPA
    private var asked: [Request: (isLookup: Bool, id: PNRPID)] = [:]
    private var lostOnce: Set<IPv6Endpoint> = []
    private var losing: Set<Request> = []
    private var turn = 0
    /// Answers changed, by kind.
    private(set) var lies = 0, denials = 0, forgeries = 0, silences = 0

    private struct Request: Hashable {
        var peer: IPv6Endpoint
        var messageID: UInt32
    }

    init(victimID: PNRPID, ownID: PNRPID, liar: Int, victim: Int, forgedCPA: CPA) {
        (self.victimID, self.ownID, self.liar, self.victim, self.forgedCPA) = (victimID, ownID, liar, victim, forgedCPA)
        endpoint = InMemoryCloud.endpoint(ofNode: liar)
    }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
        guard let message = try? PNRPMessage(decoding: datagram) else { return }
        let request = Request(peer: source, messageID: message.messageID)
        if node == victim {
            if case .lookup = message.body, !lostOnce.contains(source) || losing.contains(request) {
                lostOnce.insert(source)
                losing.insert(request)
            }
            return
        }
        switch message.body {
        case .lookup(let m): asked[request] = (true, m.validateID)
        case .inquire(let m): asked[request] = (false, m.validateID)
        default: break
        }
    }

    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard let message = try? PNRPMessage(decoding: datagram), case .authority(let fragment) = message.body else { return datagram }
        if node == victim { return losing.contains(Request(peer: destination, messageID: fragment.ackedMessageID)) ? nil : datagram }
        guard let request = asked.removeValue(forKey: Request(peer: destination, messageID: fragment.ackedMessageID)) else { return datagram }
        var buffer: AuthorityBuffer
        if request.id == victimID {
            turn += 1
            switch (request.isLookup, turn % 3) {
            case (true, _), (false, 0):
                buffer = AuthorityBuffer(flags: .notFound)
                denials += 1
            case (false, 1):
                buffer = AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: victimID, port: endpoint.port, address: endpoint.address), validateCPA: forgedCPA)
                forgeries += 1
            default:
                silences += 1
                return nil
            }
        } else if request.isLookup {
            buffer = AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: victimID, port: endpoint.port, address: endpoint.address))
            lies += 1
        } else if request.id == ownID {
            silences += 1
            return nil
        } else {
            return datagram
        }
        guard let fragments = try? buffer.fragments(ackedMessageID: fragment.ackedMessageID), fragments.count == 1,
            let out = try? PNRPMessage(messageID: message.messageID, body: .authority(fragments[0])).encoded()
        else { return datagram }
        return out
    }
}

@Suite(.onComputeThread) struct EvictionCloudTests {
    @Test("a node that lies about a secured name's ID for two minutes removes it from nobody's cache: it still resolves from every node, and stays in every leaf set")
    func liarEvictsNobody() throws {
        let nodes = 16
        var runner = ScenarioRunner(scenario: CloudTests.scenario(nodes: nodes, seed: 5005, settle: .minutes(1)))
        runner.join()
        runner.settle()
        let victim = 3
        let victimKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x5A, count: 32))
        let liarKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0xA5, count: 32))
        let name = try PeerName(authority: .of(publicKey: victimKey.publicKey.bytes), classifier: "evicted")
        let liarName = try PeerName("0.liar")
        let id = try runner.cloud.withNode(victim) { node, now in try node.register(name: name, key: victimKey, now: now) }
        // The liar is the victim's nearest neighbour on the ring: where a search for the victim's name goes
        // when the victim misses a LOOKUP.
        let liar = try #require(runner.names.filter { $0.node != victim }.min { id.isCloser($0.id, than: $1.id) }?.node)
        let victimEP = InMemoryCloud.endpoint(ofNode: victim), liarEP = InMemoryCloud.endpoint(ofNode: liar)
        let liarID = try runner.cloud.withNode(liar) { node, now in try node.register(name: liarName, key: liarKey, now: now) }
        runner.cloud.run(for: .minutes(1))
        let others = (0..<nodes).filter { $0 != victim && $0 != liar }

        // The liar offers the victim's ID, listed second after the victim's own address, to every other node:
        // those that take it validate it at the victim, which answers.
        for n in others {
            let poisoned = RouteEntry(id: id, port: 3540, addresses: [victimEP.address, liarEP.address])
            let flood = try PNRPMessage(messageID: 0x11AB_0000 + UInt32(n), body: .flood(Flood(doNotAck: true, validateID: .zero, routeEntry: poisoned, alreadyFlooded: []))).encoded()
            runner.cloud.withNode(n) { node, now in node.handle(datagram: flood, from: liarEP, now: now) }
        }
        runner.cloud.run(for: .seconds(10))
        let holders = others.filter { runner.cloud.nodes[$0].cache.entry(id)?.primaryEndpoint == victimEP }
        let neighbours = others.filter { runner.cloud.nodes[$0].cache.isInLeafSet(id) }
        #expect(holders.count >= 5 && neighbours.count >= 5)

        // From now on the liar lies.
        let forged = CPA(
            flags: [.binaryAuthority, .classifierHash], notAfter: (runner.cloud.now + .hours(24)).fileTime, serviceLocation: id.serviceLocation,
            nonce: CPA.zeroNonce, binaryAuthority: name.authority.binary, classifierHash: name.classifierHash, friendlyName: nil,
            serviceAddresses: [liarEP], payload: nil, publicKey: liarKey.publicKey.bytes, signature: [UInt8](repeating: 0x55, count: 64))
        let tamperer = EvictionLiar(victimID: id, ownID: liarID, liar: liar, victim: victim, forgedCPA: forged)
        runner.cloud.setTamperer(tamperer, misbehaving: [liar, victim])
        // It revokes its own ID everywhere, so that the nodes that cached it without a CPA check it for
        // liveness, and goes silent to those checks.
        let revocation = try CPA.signed(
            name: liarName, serviceLocation: liarID.serviceLocation, serviceAddresses: [liarEP], payload: nil, friendlyName: nil,
            notAfter: (runner.cloud.now + .hours(24)).fileTime, nonce: CPA.zeroNonce, key: liarKey
        ).revocation(notAfter: (runner.cloud.now + .hours(24)).fileTime, key: liarKey)
        for n in others {
            let flood = try PNRPMessage(messageID: 0x22AB_0000 + UInt32(n), body: .flood(Flood(doNotAck: true, validateID: .zero, revokeCPA: revocation, alreadyFlooded: []))).encoded()
            runner.cloud.withNode(n) { node, now in node.handle(datagram: flood, from: liarEP, now: now) }
        }
        // Two minutes of resolutions of the victim's name and of random names, through the liar among others.
        var resolved = 0
        for _ in 0..<12 {
            let requests = others.map { (from: $0, name: name) }
            resolved += runner.cloud.resolveConcurrently(requests).filter { if case .success = $0 { true } else { false } }.count
            _ = runner.resolveRandomNames(count: 20, concurrency: 20)
            runner.cloud.run(for: .seconds(5))
        }
        #expect(tamperer.lies > 0 && tamperer.denials + tamperer.forgeries + tamperer.silences > 0)

        for n in holders {
            #expect(runner.cloud.nodes[n].cache.entry(id)?.primaryEndpoint == victimEP, "node \(n) no longer caches the victim's ID")
        }
        for n in neighbours {
            #expect(runner.cloud.nodes[n].cache.isInLeafSet(id), "node \(n) lost the victim from its leaf set")
        }
        var final = 0
        for n in others {
            switch runner.cloud.resolve(from: n, name: name) {
            case .success(let r):
                #expect(r.cpa.publicKey == victimKey.publicKey.bytes && r.cpa.serviceAddresses == [victimEP])
                final += 1
            case .failure(let f):
                Issue.record("node \(n) could not resolve \(name): \(f)")
            }
        }
        print(
            "eviction by lying: \(tamperer.lies) lies, \(tamperer.denials) denials, \(tamperer.forgeries) forged CPAs, \(tamperer.silences) silences; \(resolved)/\(12 * others.count) resolutions during the attack, \(final)/\(others.count) after; \(holders.count) holders, \(neighbours.count) leaf-set neighbours kept the victim"
        )
        #expect(final == others.count)
    }
}
