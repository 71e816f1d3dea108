import PNRP
import PNRPInMemory
import PeerCrypto
import NetworkLab
import Testing

/// The simulator's shared CPA signature cache must give exactly the verdicts of a direct check, whatever
/// it has remembered or checked ahead.
@Suite("Shared CPA signature cache", .onComputeThread)
struct SharedSignatureCacheTests {
    let key = try! Ed25519PrivateKey(seed: [UInt8](repeating: 0x17, count: 32))
    let otherKey = try! Ed25519PrivateKey(seed: [UInt8](repeating: 0x71, count: 32))
    let now = FileTime(rawValue: 0x01D9_0000_0000_0000)

    func cpa(friendlyName: String? = "Hall", nonce: UInt8 = 1, signer: Ed25519PrivateKey? = nil) throws -> CPA {
        let signer = signer ?? key
        let name = try PeerName(authority: .of(publicKey: signer.publicKey.bytes), classifier: "printer")
        return try CPA.signed(
            name: name, serviceLocation: ServiceLocation(high: 1, low: 2),
            serviceAddresses: [IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 9), port: 3540)],
            payload: nil, friendlyName: friendlyName, notAfter: now.adding(seconds: 3600),
            nonce: [UInt8](repeating: nonce, count: 16), key: signer)
    }

    @Test("valid CPAs pass, through a check ahead and from memory")
    func validPasses() throws {
        let cache = SharedCPASignatureCache()
        let a = try cpa(), b = try cpa(nonce: 2)
        cache.didSign(a)
        cache.waitForChecksAhead()
        #expect(cache.isValidSignature(of: a))
        #expect(cache.isValidSignature(of: b))  // never announced: checked on the spot
        #expect(cache.isValidSignature(of: b))
        let s = cache.statistics
        #expect(s.checkedAhead == 1 && s.misses == 1 && s.hits == 2)
        #expect(throws: Never.self) { try a.verify(now: now, signatures: cache) }
    }

    @Test("an altered or forged CPA fails even after the genuine one was remembered")
    func alteredFails() throws {
        let cache = SharedCPASignatureCache()
        let genuine = try cpa()
        cache.didSign(genuine)
        cache.waitForChecksAhead()
        #expect(cache.isValidSignature(of: genuine))

        var moved = genuine
        moved.serviceAddresses[0].port = 3541
        var later = genuine
        later.notAfter = now.adding(seconds: 7200)
        var badSignature = genuine
        badSignature.signature[5] ^= 1
        var otherSigner = genuine  // same bytes, signature by another key
        otherSigner.signature = otherKey.signature(for: genuine.signedBytes)
        for forged in [moved, later, badSignature, otherSigner] {
            cache.didSign(forged)  // a forger announcing its own CPA changes nothing
            #expect(!DirectCPASignatureChecker().isValidSignature(of: forged))
            #expect(!cache.isValidSignature(of: forged))
            #expect(throws: CPAError.badSignature) { try forged.verify(now: now, signatures: cache) }
        }
        cache.waitForChecksAhead()
        #expect(cache.isValidSignature(of: genuine))
    }

    @Test("friendly names that are equal as strings but differ in bytes are different CPAs")
    func canonicallyEquivalentNames() throws {
        let cache = SharedCPASignatureCache(checkAhead: false)
        let composed = try cpa(friendlyName: "Caf\u{E9}")
        var decomposed = composed
        decomposed.friendlyName = "Cafe\u{301}"
        #expect(composed == decomposed)  // Swift's String equality: canonical equivalence
        #expect(composed.signedBytes != decomposed.signedBytes)
        #expect(cache.isValidSignature(of: composed))
        #expect(!DirectCPASignatureChecker().isValidSignature(of: decomposed))
        #expect(!cache.isValidSignature(of: decomposed))
    }

    @Test("a full cache forgets the oldest verdicts and stays correct")
    func capacity() throws {
        let cache = SharedCPASignatureCache(capacity: 2, checkAhead: false)
        var cpas = try (1...5).map { try cpa(nonce: UInt8($0)) }
        cpas[2].signature[0] ^= 0x80
        for _ in 0..<3 {
            for (i, c) in cpas.enumerated() { #expect(cache.isValidSignature(of: c) == (i != 2)) }
        }
        #expect(cache.statistics.hits == 0)  // five CPAs cycling through two slots: every check is fresh
    }

    @Test("a cloud gives the same trace with the shared cache as with direct checks")
    func sameTrace() throws {
        func trace(shared: Bool) -> UInt64 {
            var node = NodeConfiguration()
            if shared { node.cpaSignatures = SharedCPASignatureCache() }
            var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: 5, node: node))
            var random = RandomSource(seed: 11)
            for i in 0..<40 {
                let index = cloud.addNode(bootstrap: i == 0 ? [] : [Int(random.next() % UInt64(i))])
                let k = try! Ed25519PrivateKey(seed: random.bytes(32))
                let name = try! PeerName(authority: i % 2 == 0 ? .of(publicKey: k.publicKey.bytes) : .unsecured, classifier: "n\(i)")
                _ = try? cloud.withNode(index) { node, now in try node.register(name: name, key: k, now: now) }
                cloud.run(for: .milliseconds(200))
            }
            cloud.run(for: .seconds(60))
            return cloud.traceHash
        }
        #expect(trace(shared: true) == trace(shared: false))
    }
}
