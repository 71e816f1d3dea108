import EasyConnect
import Foundation
import PNRP
import PNRPInMemory
import PeerCrypto
import Testing

/// Easy Connect end to end over a 300-node PNRP cloud in virtual time: the User publishes its sealed
/// invitation from one node through `InMemoryNameService`, the Helper finds it from another with nothing
/// but the password, and the two sans-IO connections run back to back to a session.
@Suite("Easy Connect in a 300-node virtual cloud", .serialized, .timeLimit(.minutes(10)))
struct VirtualCloudTests {
    /// One cloud for the suite: forming it is the expensive part.
    static let shared: SharedInMemoryCloud = {
        var scenario = CloudScenario(nodeCount: 300, settleTime: .minutes(2), cloud: InMemoryCloudConfiguration(seed: 4242))
        scenario.cloud.node.maintenanceDepth = 4
        return SharedInMemoryCloud(scenario: scenario)
    }()

    /// A User's invitation prepared and published from `node`.
    struct Published {
        var password: EasyConnectPassword
        var invitation: Invitation
        var identity: LocalIdentity
        var names: [PublishedName]
    }

    static func publish(from node: Int, seed: UInt64, lifetime: Duration? = nil) async throws -> Published {
        var entropy = DeterministicEntropy(seed: seed)
        let password = EasyConnectPassword.generate(using: &entropy)
        let identity = LocalIdentity(key: try Ed25519PrivateKey(seed: entropy.bytes(32)), displayName: "User \(node)", computerName: "node-\(node)")
        let created = await shared.now.nanoseconds / 1_000_000_000
        let endpoint = InMemoryCloud.endpoint(ofNode: node)
        let invitation = Invitation(
            id: entropy.bytes(Invitation.idByteCount), expiresAt: created + 1800, userKey: identity.key.publicKey, displayName: identity.displayName,
            computerName: identity.computerName, endpoints: [SessionEndpoint(address: endpoint.address, port: 40_000)])
        // Cheap Argon2id (8 MiB, 1 pass) for speed: one derivation per epoch here and per lookup below;
        // the command uses RendezvousParameters.standard (64 MiB, 2 passes).
        let publications = try InvitationPublication.prepare(
            password: password, invitation: invitation, createdAtUnixSeconds: created, parameters: Sessions.cheapRendezvous, entropy: &entropy)
        #expect(!publications.isEmpty)
        // Each epoch's name is owned by the key derived with it: nothing links it to the User.
        var names: [PublishedName] = []
        for p in publications {
            names.append(
                try await shared.service(forNode: node).publish(
                    NamePublication(name: p.rendezvous.name, key: p.rendezvous.signingKey, extendedPayload: p.sealedInvitation, lifetime: lifetime)))
        }
        return Published(password: password, invitation: invitation, identity: identity, names: names)
    }

    /// What a Helper on `node` does with a password: derive the rendezvous of its epochs, resolve, open.
    static func find(_ password: EasyConnectPassword, from node: Int) async throws(NameServiceError) -> (Invitation, NameRecord) {
        let now = await shared.now.nanoseconds / 1_000_000_000
        var last = NameServiceError.notFound
        for epoch in Sessions.cheapRendezvous.helperEpochs(atUnixSeconds: now) {
            let rendezvous = try! Rendezvous.derive(from: password, epoch: epoch, parameters: Sessions.cheapRendezvous)
            do {
                let record = try await shared.service(forNode: node).resolve(rendezvous.name, within: .seconds(30))
                guard let sealed = record.extendedPayload, let invitation = try? SealedInvitation.open(sealed, for: rendezvous),
                    (try? invitation.checkNotExpired(atUnixSeconds: now)) != nil
                else { continue }
                return (invitation, record)
            } catch {
                last = error
            }
        }
        throw last
    }

    static func session(_ p: Published, found: Invitation, helperNode: Int, helperPassword: EasyConnectPassword? = nil) async -> VirtualSession {
        let now = await shared.now
        let user = UserInvitation(password: p.password, invitation: p.invitation, identity: p.identity, randomSeed: pseudoRandomBytes(32, seed: UInt64(helperNode)))
        let helper = EasyConnectConnection(
            helperWith: helperPassword ?? p.password, invitation: found, identity: LocalIdentity(key: Ed25519PrivateKey(), displayName: "Helper \(helperNode)", computerName: "h\(helperNode)"),
            randomSeed: pseudoRandomBytes(32, seed: UInt64(helperNode) + 1000), now: now)
        return VirtualSession(user: user, helper: helper, now: now)
    }

    @Test("User on node 17, Helper on node 203: password → lookup → sealed invitation → handshake → consent → chat both ways → a file")
    func endToEnd() async throws {
        let p = try await Self.publish(from: 17, seed: 1)
        let (found, record) = try await Self.find(p.password, from: 203)
        #expect(found == p.invitation)
        #expect(record.hops > 0, "the record came through the cloud")
        #expect(record.publicKey != p.identity.key.publicKey.bytes, "published under a fresh key, not the User's")
        var s = await Self.session(p, found: found, helperNode: 203)
        try s.connect()
        #expect(s.helper.isInSession)
        #expect(s.user.state == .inSession(s.id))
        #expect(s.helperEvents.contains(.connected(PeerIdentity(key: p.identity.key.publicKey, displayName: "User 17", computerName: "node-17"))))

        try s.helper.sendChat("Hi from node 203", now: s.now)
        s.pump()
        try s.user.withSession(now: s.now) { (c) throws(SessionCommandError) in try c.sendChat("Hi from node 17", now: s.now) }
        s.pump()
        #expect(s.userSessionEvents.contains(.chat("Hi from node 203")))
        #expect(s.helperEvents.contains(.chat("Hi from node 17")))

        // A 200 KB file from the User to the Helper, in 64 KiB chunks.
        let content = pseudoRandomBytes(200_000, seed: 3)
        let now = s.now
        let id = try s.user.withSession(now: now) { (c) throws(SessionCommandError) in try c.offerFile(name: "log.txt", size: UInt64(content.count), now: now) }
        s.pump()
        #expect(s.helperEvents.contains { if case .fileOffered(let o) = $0 { o.id == id && o.safeName == "log.txt" } else { false } })
        try s.helper.acceptFile(id, now: s.now)
        s.pump()
        #expect(s.userSessionEvents.contains(.fileAccepted(id: id)))
        for offset in stride(from: 0, to: content.count, by: 65_536) {
            let chunk = Array(content[offset..<min(offset + 65_536, content.count)])
            try s.user.withSession(now: now) { (c) throws(SessionCommandError) in try c.sendFileData(id, chunk, now: now) }
            s.pump()
        }
        let digest = try s.user.withSession(now: now) { (c) throws(SessionCommandError) in try c.finishFile(id, now: now) }
        s.pump()
        let received = s.helperEvents.flatMap { (e: ConnectionEvent) -> [UInt8] in if case .fileData(id, let bytes) = e { Array(bytes) } else { [] } }
        #expect(received == content)
        #expect(s.helperEvents.contains(.fileComplete(id: id, sha256: digest)))
        #expect(digest == SHA256.hash(content))
        try s.helper.confirmFileStored(id, stored: true, now: s.now)
        s.pump()
        #expect(s.userSessionEvents.contains(.fileDelivered(id: id)))

        // Keepalives hold the session through two quiet virtual minutes; then the Helper ends it.
        s.advance(.minutes(2))
        #expect(s.helper.isInSession)
        s.helper.disconnect(reason: "done", now: s.now)
        s.pump()
        #expect(s.user.state == .ended(.sessionEnded(.peerEnded("done"))))
        // Nothing of the password, the chat or the file crossed in clear.
        let wire = s.wire.flatMap { $0 }
        for needle in [Array(p.password.characters.utf8), Array("Hi from node".utf8), Array(content[1000..<1032])] {
            #expect(!contains(wire, needle))
        }
        for name in p.names { await Self.shared.service(forNode: 17).revoke(name) }
    }

    @Test("A wrong leading part finds nothing; a revoked invitation is gone")
    func notFoundAndRevoked() async throws {
        let p = try await Self.publish(from: 42, seed: 2)
        var chars = Array(p.password.characters)
        chars[0] = chars[0] == "B" ? "C" : "B"
        let wrongHead = try EasyConnectPassword(parsing: String(chars))
        await #expect(throws: NameServiceError.notFound) { _ = try await Self.find(wrongHead, from: 250) }
        // The right password with a wrong tail finds and opens the invitation: only the PAKE can tell.
        chars = Array(p.password.characters)
        chars[11] = chars[11] == "B" ? "C" : "B"
        let wrongTail = try EasyConnectPassword(parsing: String(chars))
        let (found, _) = try await Self.find(wrongTail, from: 250)
        var s = await Self.session(p, found: found, helperNode: 250, helperPassword: wrongTail)
        s.pump()
        s.advance(.seconds(2))
        #expect(s.userEvents.contains(.attemptFailed(remaining: 2)))
        #expect(s.helper.closeReason == .refusedByPeer(Refusal(code: .passwordMismatch, reason: "the password does not match this invitation")) || s.helper.closeReason == .refusedByUs(Refusal(code: .passwordMismatch, reason: "the password does not match this invitation")))

        _ = try await Self.find(p.password, from: 99)
        for name in p.names { await Self.shared.service(forNode: 42).revoke(name) }
        for node in [99, 250, 7] {
            await #expect(throws: NameServiceError.notFound) { _ = try await Self.find(p.password, from: node) }
        }
    }

    @Test("Twenty invitations at once, each found and joined by its own Helper from another node")
    func twentyAtOnce() async throws {
        var published: [(Published, Int)] = []
        for i in 0..<20 {
            let node = (i * 13 + 5) % 300
            published.append((try await Self.publish(from: node, seed: 100 + UInt64(i)), node))
        }
        #expect(Set(published.map(\.0.password.characters)).count == 20)
        for (i, (p, userNode)) in published.enumerated() {
            let helperNode = (userNode + 150 + i) % 300
            let (found, _) = try await Self.find(p.password, from: helperNode)
            #expect(found == p.invitation, "invitation \(i)")
            var s = await Self.session(p, found: found, helperNode: helperNode)
            try s.connect()
            #expect(s.helper.isInSession, "pair \(i): \(s.helperEvents)")
            try s.helper.sendChat("pair \(i)", now: s.now)
            s.pump()
            #expect(s.userSessionEvents.contains(.chat("pair \(i)")))
        }
        for (p, node) in published { for name in p.names { await Self.shared.service(forNode: node).revoke(name) } }
    }

    @Test("A publication with a lifetime disappears once it has passed")
    func lifetime() async throws {
        let p = try await Self.publish(from: 120, seed: 3, lifetime: .seconds(60))
        let (found, _) = try await Self.find(p.password, from: 10)
        #expect(found == p.invitation)
        await Self.shared.advance(by: .seconds(70))
        await #expect(throws: NameServiceError.notFound) { _ = try await Self.find(p.password, from: 10) }
        await #expect(throws: NameServiceError.notFound) { _ = try await Self.find(p.password, from: 280) }
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    let first = needle[0]
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
        if haystack[i] == first, Array(haystack[i..<(i + needle.count)]) == needle { return true }
        i += 1
    }
    return false
}
