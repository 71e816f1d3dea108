import EasyConnect
import PNRP
import PeerCrypto
import NetworkLab
import Testing

@Suite("Rendezvous names and sealed invitations", .onComputeThread)
struct RendezvousTests {
    @Test("The name depends on the leading six characters and the epoch only")
    func nameDerivation() throws {
        let p = Fixtures.password("BCDF GHJK MNPQ")
        let same = Fixtures.password("BCDF GHRS TVWX")
        let other = Fixtures.password("BCDF GJJK MNPQ")
        let a = try Rendezvous.derive(from: p, epoch: 100, parameters: Fixtures.cheapRendezvous)
        let b = try Rendezvous.derive(from: same, epoch: 100, parameters: Fixtures.cheapRendezvous)
        let c = try Rendezvous.derive(from: other, epoch: 100, parameters: Fixtures.cheapRendezvous)
        let d = try Rendezvous.derive(from: p, epoch: 101, parameters: Fixtures.cheapRendezvous)
        #expect(a.name == b.name && a.invitationKey == b.invitationKey)
        #expect(a.name != c.name && a.name != d.name && a.invitationKey != d.invitationKey)
        #expect(a.name.isSecured && a.name.classifier == Rendezvous.classifier)
        #expect(a.name.authority == .of(publicKey: a.signingKey.publicKey.bytes), "only the holder of the derived key can publish the name")
        #expect(a.signingKey.publicKey == b.signingKey.publicKey && a.signingKey.publicKey != d.signingKey.publicKey)
        #expect(!a.name.description.contains("BCDF"))
    }

    @Test("An invitation lifetime is covered by every epoch a skewed clock may be in")
    func epochs() {
        let p = RendezvousParameters(argon2: Fixtures.cheapRendezvous.argon2, epochSeconds: 3600, clockSkewSeconds: 300)
        #expect(p.epochs(fromUnixSeconds: 3600 * 10 + 600, to: 3600 * 10 + 2400) == [10])
        #expect(p.epochs(fromUnixSeconds: 3600 * 10 + 2700, to: 3600 * 11 + 900) == [10, 11])
        #expect(p.epochs(fromUnixSeconds: 3600 * 10 + 100, to: 3600 * 10 + 1900) == [9, 10])
        #expect(p.helperEpochs(atUnixSeconds: 3600 * 10 + 5) == [10, 9, 11])
    }

    @Test("A sealed invitation opens with its rendezvous only, and refuses tampering")
    func sealing() throws {
        let r = try Rendezvous.derive(from: Fixtures.password(), epoch: 5, parameters: Fixtures.cheapRendezvous)
        let wrong = try Rendezvous.derive(from: Fixtures.password("ZZZZ GHJK MNPQ"), epoch: 5, parameters: Fixtures.cheapRendezvous)
        var entropy = DeterministicEntropy(seed: 1)
        let invitation = Fixtures.invitation()
        let sealed = try SealedInvitation.seal(invitation, for: r, entropy: &entropy)
        #expect(try SealedInvitation.open(sealed, for: r) == invitation)
        #expect(throws: InvitationError.cannotOpen) { try SealedInvitation.open(sealed, for: wrong) }
        for i in [0, 5, 30, sealed.count - 1] {
            var t = sealed
            t[i] ^= 0x01
            #expect(throws: InvitationError.self) { try SealedInvitation.open(t, for: r) }
        }
        #expect(throws: InvitationError.cannotOpen) { try SealedInvitation.open(Array(sealed.prefix(20)), for: r) }
        // Nothing of the invitation is readable in the sealed bytes.
        let plain = try invitation.encoded()
        #expect(!contains(sealed, Array("Ursula".utf8)) && !contains(sealed, invitation.userKey.bytes))
        #expect(sealed.count == plain.count + 1 + 24 + 16)
    }

    @Test("Invitations round-trip and malformed ones are refused, never trapping")
    func invitationCodec() throws {
        let inv = Fixtures.invitation()
        let bytes = try inv.encoded()
        #expect(try Invitation(decoding: bytes) == inv)
        for cut in 0..<bytes.count {
            #expect(throws: MessageError.self) { try Invitation(decoding: Array(bytes.prefix(cut))) }
        }
        #expect(throws: MessageError.self) { try Invitation(decoding: bytes + [0]) }
        var badName = inv
        badName.displayName = "evil\u{1b}[31m"
        #expect(throws: MessageError.self) { try badName.encoded() }
        var none = inv
        none.endpoints = []
        #expect(throws: MessageError.self) { try none.encoded() }
        var entropy = DeterministicEntropy(seed: 9)
        for _ in 0..<2_000 {
            var m = bytes
            let i = entropy.uniform(m.count)
            m[i] = UInt8(entropy.uniform(256))
            _ = try? Invitation(decoding: m)
            _ = try? Invitation(decoding: entropy.bytes(entropy.uniform(200)))
        }
    }

    @Test("Preparing an invitation seals it under each epoch it touches")
    func preparation() throws {
        var entropy = DeterministicEntropy(seed: 3)
        let inv = Fixtures.invitation()
        let created = inv.expiresAt - 1800
        let pubs = try InvitationPublication.prepare(password: Fixtures.password(), invitation: inv, createdAtUnixSeconds: created, parameters: Fixtures.cheapRendezvous, entropy: &entropy)
        #expect(!pubs.isEmpty && pubs.count <= 3)
        for pub in pubs { #expect(try SealedInvitation.open(pub.sealedInvitation, for: pub.rendezvous) == inv) }
        #expect(throws: InvitationError.self) { try inv.checkNotExpired(atUnixSeconds: inv.expiresAt + 1) }
        // The User withdraws the invitation when its clock reaches the expiry: the Helper agrees on that second.
        #expect(throws: InvitationError.expired(expiresAt: inv.expiresAt)) { try inv.checkNotExpired(atUnixSeconds: inv.expiresAt) }
        try inv.checkNotExpired(atUnixSeconds: inv.expiresAt - 1)
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return true }
    return false
}
