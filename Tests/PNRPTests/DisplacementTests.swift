import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// Someone else's CPA for the exact PNRP ID of an unsecured registration: it verifies (the ID of an
// unsecured name binds no key, [MS-PNRP] 3.1.5.7), but the first key verified for the ID stays its key
// (`docs/deviations.md`, item N22).

/// What the claimant does on the wire: it answers every INQUIRE about the victim's ID with a CPA for that
/// ID signed with its own key (for the INQUIRE's nonce) and listing its own endpoint, and every LOOKUP
/// that names the victim's ID as its Validate PNRP ID as if it held the ID. Everything else its unmodified
/// node sends goes out as it is.
final class IDClaimant: DatagramTamperer {
    let key: Ed25519PrivateKey
    let name: PeerName
    let id: PNRPID
    let endpoint: IPv6Endpoint
    /// INQUIREs about the ID, by asker and Message ID, with their nonce.
    private var inquiries: [Request: [UInt8]] = [:]
    /// LOOKUPs naming the ID as Validate PNRP ID, by asker and Message ID.
    private var lookups: Set<Request> = []
    /// CPAs for the ID signed with the claimant's key and sent.
    private(set) var claimsSent = 0

    private struct Request: Hashable {
        var peer: IPv6Endpoint
        var messageID: UInt32
    }

    init(key: Ed25519PrivateKey, name: PeerName, id: PNRPID, endpoint: IPv6Endpoint) {
        (self.key, self.name, self.id, self.endpoint) = (key, name, id, endpoint)
    }

    /// The claim: the ID at the claimant's endpoint.
    var routeEntry: RouteEntry { RouteEntry(id: id, port: endpoint.port, address: endpoint.address) }

    /// A CPA for the ID, signed with the claimant's key.
    func cpa(nonce: [UInt8], now: NodeInstant) throws -> CPA {
        try CPA.signed(
            name: name, serviceLocation: id.serviceLocation, serviceAddresses: [endpoint], payload: nil, friendlyName: nil,
            notAfter: (now + .hours(24)).fileTime, nonce: nonce, key: key)
    }

    /// A FLOOD carrying the claim.
    func flood(messageID: UInt32) throws -> [UInt8] {
        try PNRPMessage(messageID: messageID, body: .flood(Flood(doNotAck: false, validateID: .zero, routeEntry: routeEntry, alreadyFlooded: []))).encoded()
    }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
        guard let message = try? PNRPMessage(decoding: datagram) else { return }
        switch message.body {
        case .inquire(let m) where m.validateID == id:
            inquiries[Request(peer: source, messageID: message.messageID)] = m.nonce ?? CPA.zeroNonce
        case .lookup(let m) where m.validateID == id:
            lookups.insert(Request(peer: source, messageID: message.messageID))
        default:
            break
        }
    }

    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard let message = try? PNRPMessage(decoding: datagram), case .authority(let fragment) = message.body, fragment.isWholeBuffer,
            var buffer = try? AuthorityBuffer(decoding: fragment.fragment)
        else { return datagram }
        let request = Request(peer: destination, messageID: fragment.ackedMessageID)
        if let nonce = inquiries.removeValue(forKey: request), let cpa = try? cpa(nonce: nonce, now: now) {
            buffer = AuthorityBuffer(flags: [], routeEntry: routeEntry, validateCPA: cpa)
            claimsSent += 1
        } else if lookups.remove(request) != nil {
            buffer.flags.remove(.notFound)
        } else {
            return datagram
        }
        guard let fragments = try? buffer.fragments(ackedMessageID: fragment.ackedMessageID), fragments.count == 1,
            let out = try? PNRPMessage(messageID: message.messageID, body: .authority(fragments[0])).encoded()
        else { return datagram }
        return out
    }
}

@Suite(.onComputeThread) struct DisplacementCloudTests {
    @Test("a CPA signed with another key for the exact PNRP ID of an unsecured registration neither takes its place nor blocks its revocation")
    func floodedClaimOnAnotherKey() throws {
        let nodes = 40
        var runner = ScenarioRunner(scenario: CloudTests.scenario(nodes: nodes, seed: 3003, settle: .minutes(1)))
        runner.join()
        runner.settle()
        let victim = 12, attacker = 25
        let victimKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x56, count: 32))
        let attackerKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0xA7, count: 32))
        let name = try PeerName("0.displaced")
        let victimEndpoint = InMemoryCloud.endpoint(ofNode: victim), attackerEndpoint = InMemoryCloud.endpoint(ofNode: attacker)
        let id = try runner.cloud.withNode(victim) { node, now in try node.register(name: name, key: victimKey, now: now) }
        let registered = runner.cloud.run(atMost: .minutes(2)) { cloud in cloud.events.contains { $0.node == victim && $0.event == .registered(id) } }
        #expect(registered)
        runner.cloud.run(for: .seconds(30))

        // Every node that caches the ID (its leaf-set neighbours with the victim's key) is sent the claim.
        let others = (0..<nodes).filter { $0 != victim && $0 != attacker }
        let holders = others.filter { runner.cloud.nodes[$0].cache.contains(id) }
        let verifiedHolders = holders.filter { runner.cloud.nodes[$0].cache.verifiedKey(of: id) == victimKey.publicKey.bytes }
        #expect(verifiedHolders.count >= 5, "the victim's leaf-set neighbours hold its ID with its key")
        let claimant = IDClaimant(key: attackerKey, name: name, id: id, endpoint: attackerEndpoint)
        runner.cloud.setTamperer(claimant, misbehaving: [attacker])
        let rejectedBefore = runner.cloud.nodes.reduce(0) { $0 + $1.statistics.cpaRejected }
        for (k, holder) in holders.enumerated() {
            let flood = try claimant.flood(messageID: 0x0D15_0000 + UInt32(k))
            runner.cloud.withNode(holder) { node, now in node.handle(datagram: flood, from: attackerEndpoint, now: now) }
        }
        runner.cloud.run(for: .seconds(30))

        // The claim reached the verifiers and was refused; every holder still has the ID at the victim.
        #expect(claimant.claimsSent >= verifiedHolders.count)
        #expect(runner.cloud.nodes.reduce(0) { $0 + $1.statistics.keyConflicts } >= verifiedHolders.count)
        #expect(runner.cloud.nodes.reduce(0) { $0 + $1.statistics.cpaRejected } >= rejectedBefore + verifiedHolders.count)
        for holder in holders {
            let entry = runner.cloud.nodes[holder].cache.entry(id)
            #expect(entry?.hasEndpoint(victimEndpoint) == true, "node \(holder) holds the ID at \(entry.map { "\($0.endpoints)" } ?? "nothing")")
            #expect(entry?.hasEndpoint(attackerEndpoint) != true)
        }
        for holder in verifiedHolders {
            #expect(runner.cloud.nodes[holder].cache.verifiedKey(of: id) == victimKey.publicKey.bytes)
        }

        // Every other node resolves the name to the victim, with the victim's key.
        var resolved = 0
        for from in others {
            switch runner.cloud.resolve(from: from, name: name) {
            case .success(let r):
                #expect(r.id == id)
                #expect(r.cpa.publicKey == victimKey.publicKey.bytes, "node \(from) resolved \(name) to \(r.cpa.serviceAddresses)")
                #expect(r.cpa.serviceAddresses == [victimEndpoint])
                if r.cpa.publicKey == victimKey.publicKey.bytes { resolved += 1 }
            case .failure(let f):
                Issue.record("node \(from) could not resolve \(name): \(f)")
            }
        }
        #expect(resolved == others.count)

        // The victim's revocation is accepted by its neighbours, which pass it on; the name stops resolving.
        let revokedBefore = runner.cloud.nodes.reduce(0) { $0 + ($1.statistics.evictions["revoked"] ?? 0) }
        let neighbours = verifiedHolders.filter { runner.cloud.nodes[$0].cache.isInLeafSet(id) }
        #expect(runner.cloud.withNode(victim) { node, now in node.unregister(id, now: now) })
        runner.cloud.run(for: .seconds(30))
        let revoked = runner.cloud.nodes.reduce(0) { $0 + ($1.statistics.evictions["revoked"] ?? 0) } - revokedBefore
        #expect(revoked >= 2, "the nearest neighbour on each side accepts the revocation")
        for holder in neighbours {
            #expect(!runner.cloud.nodes[holder].cache.contains(id), "leaf-set neighbour \(holder) still holds the revoked ID")
        }
        let conflicts = runner.cloud.nodes.reduce(0) { $0 + $1.statistics.keyConflicts }
        print(
            "displacement: \(holders.count) holders (\(verifiedHolders.count) with the victim's key), \(claimant.claimsSent) CPAs signed by the claimant, \(conflicts) refused for their key, \(resolved)/\(others.count) resolved to the victim, \(revoked) accepted the revocation"
        )
        for from in [others[0], others[7], others[19], others[30]] {
            if case .success(let r) = runner.cloud.resolve(from: from, name: name) {
                Issue.record("the revoked name still resolved from node \(from), to \(r.cpa.serviceAddresses)")
            }
        }
    }
}

/// One node driven datagram by datagram: the test plays every other node.
struct ScriptedNode {
    var node: PNRPNode
    var now: NodeInstant
    /// Everything the node has sent, decoded, with its destination.
    private(set) var sent: [(message: PNRPMessage, to: IPv6Endpoint)] = []
    /// Events it reported.
    private(set) var events: [NodeEvent] = []

    init(endpoint: IPv6Endpoint, seed: UInt64, now: NodeInstant, configure: (inout NodeConfiguration) -> Void = { _ in }) {
        var configuration = NodeConfiguration(localEndpoint: endpoint, seed: seed)
        // No maintenance while the script runs: every datagram the node sends answers the script.
        configuration.maintenanceInterval = .hours(6)
        configure(&configuration)
        node = PNRPNode(configuration: configuration, now: now)
        self.now = now
    }

    mutating func collect() throws {
        for effect in node.takeEffects() {
            switch effect {
            case .send(let bytes, let to, _): sent.append((try PNRPMessage(decoding: bytes), to))
            case .sendFrom: Issue.record("this node has no other endpoints")
            case .event(let e): events.append(e)
            }
        }
    }

    /// Delivers `body` from `source` as message `messageID`.
    mutating func deliver(_ body: PNRPMessage.Body, messageID: UInt32 = 0x5C21_0000, from source: IPv6Endpoint) throws {
        node.handle(datagram: try PNRPMessage(messageID: messageID, body: body).encoded(), from: source, now: now)
        try collect()
    }

    /// Answers the request `request` with an AUTHORITY carrying `buffer`, from where it was sent.
    mutating func answer(_ request: (message: PNRPMessage, to: IPv6Endpoint), with buffer: AuthorityBuffer) throws {
        let fragment = try #require(try buffer.fragments(ackedMessageID: request.message.messageID).first)
        try deliver(.authority(fragment), messageID: request.message.messageID &+ 1, from: request.to)
    }

    /// Runs the node's timers second by second for `seconds` seconds (each retransmission is a poll).
    mutating func wait(seconds: Int) throws {
        for _ in 0..<seconds {
            now = now + .seconds(1)
            node.poll(now: now)
            try collect()
        }
    }

    /// A request the script expected the node to have sent.
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// The last INQUIRE sent to `to` about `id`.
    func inquire(about id: PNRPID, to: IPv6Endpoint) throws -> (message: PNRPMessage, to: IPv6Endpoint) {
        let found = sent.last { if case .inquire(let q) = $0.message.body { q.validateID == id && $0.to == to } else { false } }
        guard let found else { throw Missing(description: "no INQUIRE about \(id) was sent to \(to)") }
        return found
    }

    /// The last LOOKUP sent to `to` naming `validateID`.
    func lookup(validating validateID: PNRPID, to: IPv6Endpoint) throws -> (message: PNRPMessage, to: IPv6Endpoint) {
        let found = sent.last { if case .lookup(let l) = $0.message.body { l.validateID == validateID && $0.to == to } else { false } }
        guard let found else { throw Missing(description: "no LOOKUP validating \(validateID) was sent to \(to)") }
        return found
    }
}

@Suite(.onComputeThread) struct DisplacementAnswerTests {
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)
    static func endpoint(_ n: UInt64) -> IPv6Endpoint { IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: n), port: 3540) }

    /// The cast of these tests: a resolver, the victim publishing an unsecured name, an attacker with a key
    /// of its own and a registration of its own.
    struct Scene {
        let resolverEP = DisplacementAnswerTests.endpoint(1), victimEP = DisplacementAnswerTests.endpoint(2), attackerEP = DisplacementAnswerTests.endpoint(3)
        let victimKey: Ed25519PrivateKey
        let attackerKey: Ed25519PrivateKey
        let name: PeerName
        let id: PNRPID
        let attackerName: PeerName
        let attackerID: PNRPID
        let notAfter = (DisplacementAnswerTests.t0 + .hours(24)).fileTime

        init() throws {
            victimKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x56, count: 32))
            attackerKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0xA7, count: 32))
            name = try PeerName("0.displaced")
            id = PNRPID(p2pID: name.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 0x1234_5678_9ABC_DEF0))
            attackerName = try PeerName("0.elsewhere")
            attackerID = PNRPID(p2pID: attackerName.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 77))
        }

        /// A CPA for `name` at `ep`, signed with `key`.
        func cpa(_ name: PeerName, _ id: PNRPID, at ep: IPv6Endpoint, key: Ed25519PrivateKey, nonce: [UInt8] = CPA.zeroNonce) throws -> CPA {
            try CPA.signed(name: name, serviceLocation: id.serviceLocation, serviceAddresses: [ep], payload: nil, friendlyName: nil, notAfter: notAfter, nonce: nonce, key: key)
        }

        /// A resolver whose cache holds the victim's ID under the victim's key and the attacker's ID under
        /// the attacker's, both learnt through the wire (a flood, then the INQUIRE that validates it).
        func resolverKnowingVictimAndAttacker(seed: UInt64) throws -> ScriptedNode {
            var r = ScriptedNode(endpoint: resolverEP, seed: seed, now: DisplacementAnswerTests.t0)
            _ = try r.node.register(name: try PeerName("0.resolver"), key: try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32)), now: r.now)
            try r.collect()
            try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: RouteEntry(id: id, port: 3540, address: victimEP.address), alreadyFlooded: [])), from: victimEP)
            try r.answer(try r.inquire(about: id, to: victimEP), with: AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: id, port: 3540, address: victimEP.address), validateCPA: try cpa(name, id, at: victimEP, key: victimKey)))
            try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: RouteEntry(id: attackerID, port: 3540, address: attackerEP.address), alreadyFlooded: [])), messageID: 2, from: attackerEP)
            try r.answer(try r.inquire(about: attackerID, to: attackerEP), with: AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: attackerID, port: 3540, address: attackerEP.address), validateCPA: try cpa(attackerName, attackerID, at: attackerEP, key: attackerKey)))
            return r
        }
    }

    @Test("a resolver with the ID cached under the publisher's key refuses another key's CPA for it, in an INQUIRE answer and as a resolution's answer")
    func answersOnAnotherKeyAreRefused() throws {
        let scene = try Scene()
        let (victimEP, attackerEP, victimKey, attackerKey, name, id) = (scene.victimEP, scene.attackerEP, scene.victimKey, scene.attackerKey, scene.name, scene.id)
        let attackerID = scene.attackerID
        func cpa(_ name: PeerName, _ id: PNRPID, at ep: IPv6Endpoint, key: Ed25519PrivateKey, nonce: [UInt8] = CPA.zeroNonce) throws -> CPA {
            try scene.cpa(name, id, at: ep, key: key, nonce: nonce)
        }
        // The victim's ID enters the resolver's leaf set with the victim's CPA; so does the attacker's own.
        var r = try scene.resolverKnowingVictimAndAttacker(seed: 11)
        #expect(r.node.cache.verifiedKey(of: id) == victimKey.publicKey.bytes)
        #expect(r.node.cache.verifiedKey(of: attackerID) == attackerKey.publicKey.bytes)

        // A resolution of the name: the victim does not answer, so it falls back on the attacker, which
        // offers the victim's ID at its own endpoint.
        _ = r.node.resolve(name: name, now: r.now)
        try r.collect()
        _ = try r.lookup(validating: id, to: victimEP)
        try r.wait(seconds: 2)
        let firstHop = try r.lookup(validating: attackerID, to: attackerEP)
        let claim = RouteEntry(id: id, port: 3540, address: attackerEP.address)
        try r.answer(firstHop, with: AuthorityBuffer(flags: [], routeEntry: claim))

        // The resolver checks the claim with an INQUIRE that wants a CPA; the attacker's verifies but is
        // signed with another key: refused, and the cached entry stays where it was.
        try r.answer(try r.inquire(about: id, to: attackerEP), with: AuthorityBuffer(flags: [], routeEntry: claim, validateCPA: try cpa(name, id, at: attackerEP, key: attackerKey)))
        #expect(r.node.cache.entry(id)?.hasEndpoint(victimEP) == true)
        #expect(r.node.cache.verifiedKey(of: id) == victimKey.publicKey.bytes)
        #expect(r.node.statistics.keyConflicts == 1)

        // The resolution asks the attacker as if it held the ID, then sends it the final INQUIRE; the CPA
        // that comes back is signed for the INQUIRE's nonce, but with the attacker's key: refused too.
        try r.answer(try r.lookup(validating: id, to: attackerEP), with: AuthorityBuffer(flags: []))
        let final = try r.inquire(about: id, to: attackerEP)
        guard case .inquire(let finalInquire) = final.message.body else { return }
        let nonce = try #require(finalInquire.nonce)
        try r.answer(final, with: AuthorityBuffer(flags: [], routeEntry: claim, validateCPA: try cpa(name, id, at: attackerEP, key: attackerKey, nonce: nonce)))
        for event in r.events {
            if case .resolved(_, let result) = event { Issue.record("resolved \(name) to \(result.cpa.serviceAddresses) with the attacker's key") }
        }
        #expect(r.node.statistics.keyConflicts == 2)
        #expect(r.node.cache.entry(id)?.hasEndpoint(victimEP) == true)
        #expect(r.node.cache.verifiedKey(of: id) == victimKey.publicKey.bytes)
    }

    @Test("an ID cached without a CPA is not moved by a claim: its node is asked for its CPA, and the claimant's key is refused")
    func unverifiedEntryIsValidatedWhereItIs() throws {
        let resolverEP = Self.endpoint(1), victimEP = Self.endpoint(2), attackerEP = Self.endpoint(3)
        let victimKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x56, count: 32))
        let attackerKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0xA7, count: 32))
        let name = try PeerName("0.displaced")
        let id = PNRPID(p2pID: name.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 0x1234_5678_9ABC_DEF0))
        let notAfter = (Self.t0 + .hours(24)).fileTime
        func cpa(at ep: IPv6Endpoint, key: Ed25519PrivateKey) throws -> CPA {
            try CPA.signed(name: name, serviceLocation: id.serviceLocation, serviceAddresses: [ep], payload: nil, friendlyName: nil, notAfter: notAfter, nonce: CPA.zeroNonce, key: key)
        }
        func entry(at ep: IPv6Endpoint) -> RouteEntry { RouteEntry(id: id, port: 3540, address: ep.address) }
        /// A node without a registration, which caches the ID in a slot, validated without a CPA.
        func resolverWithUnverifiedEntry(seed: UInt64) throws -> ScriptedNode {
            var r = ScriptedNode(endpoint: resolverEP, seed: seed, now: Self.t0)
            try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: entry(at: victimEP), alreadyFlooded: [])), from: victimEP)
            try r.answer(try r.inquire(about: id, to: victimEP), with: AuthorityBuffer(flags: [], routeEntry: entry(at: victimEP)))
            #expect(r.node.cache.entry(id)?.hasEndpoint(victimEP) == true)
            #expect(!r.node.cache.isVerified(id))
            return r
        }
        /// Floods the claim and returns the INQUIREs it made the node send.
        func claim(_ r: inout ScriptedNode, messageID: UInt32) throws -> [(message: PNRPMessage, to: IPv6Endpoint)] {
            let before = r.sent.count
            try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: entry(at: attackerEP), alreadyFlooded: [])), messageID: messageID, from: attackerEP)
            return r.sent[before...].filter { if case .inquire = $0.message.body { true } else { false } }
        }

        // The claim makes the node ask the victim for its CPA, not the claimant; the victim's key is then
        // the ID's key, and the claimant's CPA is refused.
        var r = try resolverWithUnverifiedEntry(seed: 12)
        var asked = try claim(&r, messageID: 2)
        #expect(asked.count == 1 && asked.first?.to == victimEP)
        if case .inquire(let q)? = asked.first?.message.body { #expect(q.flags.contains(.wantCPA)) }
        try r.answer(try #require(asked.first), with: AuthorityBuffer(flags: [], routeEntry: entry(at: victimEP), validateCPA: try cpa(at: victimEP, key: victimKey)))
        #expect(r.node.cache.verifiedKey(of: id) == victimKey.publicKey.bytes)
        asked = try claim(&r, messageID: 3)
        #expect(asked.count == 1 && asked.first?.to == attackerEP)
        try r.answer(try #require(asked.first), with: AuthorityBuffer(flags: [], routeEntry: entry(at: attackerEP), validateCPA: try cpa(at: attackerEP, key: attackerKey)))
        #expect(r.node.statistics.keyConflicts == 1)
        #expect(r.node.cache.entry(id)?.hasEndpoint(victimEP) == true)
        #expect(r.node.cache.verifiedKey(of: id) == victimKey.publicKey.bytes)

        // A node asked that way which no longer holds the ID, or does not answer, loses the entry.
        var gone = try resolverWithUnverifiedEntry(seed: 13)
        asked = try claim(&gone, messageID: 2)
        try gone.answer(try #require(asked.first), with: AuthorityBuffer(flags: .notFound))
        #expect(!gone.node.cache.contains(id))
        var silent = try resolverWithUnverifiedEntry(seed: 14)
        asked = try claim(&silent, messageID: 2)
        #expect(asked.first?.to == victimEP)
        try silent.wait(seconds: 3)
        #expect(!silent.node.cache.contains(id))
    }

    @Test("what a node answers about an ID, or its silence, removes only the entry that names that node", arguments: [false, true])
    func answersFromElsewhereDoNotEvict(silent: Bool) throws {
        let scene = try Scene()
        let (victimEP, attackerEP, victimKey, name, id) = (scene.victimEP, scene.attackerEP, scene.victimKey, scene.name, scene.id)
        let attackerID = scene.attackerID
        func cpa(_ name: PeerName, _ id: PNRPID, at ep: IPv6Endpoint, key: Ed25519PrivateKey) throws -> CPA { try scene.cpa(name, id, at: ep, key: key) }
        var r = try scene.resolverKnowingVictimAndAttacker(seed: 15)

        // The victim misses one LOOKUP (it answers the liveness check that follows); the resolution falls
        // back on the attacker, which offers the victim's ID at its own endpoint.
        _ = r.node.resolve(name: name, now: r.now)
        try r.collect()
        try r.wait(seconds: 2)
        try r.answer(try r.inquire(about: id, to: victimEP), with: AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: id, port: 3540, address: victimEP.address)))
        try r.answer(try r.lookup(validating: attackerID, to: attackerEP), with: AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: id, port: 3540, address: attackerEP.address)))
        let lookup = try r.lookup(validating: id, to: attackerEP)
        if silent {
            // The attacker stays silent: the node checked for liveness is the one at the attacker's endpoint.
            try r.wait(seconds: 6)
            #expect(!r.node.cache.contains(attackerID))
        } else {
            // The attacker says it does not hold the ID: true of the entry that names it, not of the victim's.
            try r.answer(lookup, with: AuthorityBuffer(flags: .notFound))
        }
        #expect(r.node.cache.entry(id)?.hasEndpoint(victimEP) == true)
        #expect(r.node.cache.verifiedKey(of: id) == victimKey.publicKey.bytes)
    }
}
