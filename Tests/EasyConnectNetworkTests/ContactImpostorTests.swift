import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// The Helper's view of a cloud that lets another machine answer for the User's contact name: every lookup of
/// `victim` returns what is published under `impostor` instead. With `forgeFor`, it claims the victim's key
/// (as a forged or unverified registration would) and re-seals the impostor's invitation under the victim's
/// name for that Helper key, so that only the key inside the invitation gives the impostor away.
final class ImpostorNameService: PeerNameService {
    let inner: any PeerNameService
    let victim: PeerName, impostor: PeerName
    let victimKey: [UInt8]
    let forgeFor: Ed25519PrivateKey?

    init(_ inner: any PeerNameService, victim: PeerName, victimKey: [UInt8], impostor: PeerName, forgeFor: Ed25519PrivateKey?) {
        (self.inner, self.victim, self.victimKey, self.impostor, self.forgeFor) = (inner, victim, victimKey, impostor, forgeFor)
    }

    var serviceDescription: String { "impostor view of \(inner.serviceDescription)" }
    func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName { try await inner.publish(publication) }
    func revoke(_ published: PublishedName) async { await inner.revoke(published) }

    func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord {
        guard name == victim else { return try await inner.resolve(name, within: timeout) }
        var record = try await inner.resolve(impostor, within: timeout)
        record.name = victim
        if let helperKey = forgeFor, let sealed = record.extendedPayload,
            let invitation = try? ContactInvitation.open(sealed, under: impostor, with: helperKey)
        {
            var entropy = SystemEntropy()
            record.publicKey = victimKey
            record.extendedPayload = try? ContactInvitation.seal(invitation, under: victim, for: helperKey.publicKey, entropy: &entropy)
        }
        return record
    }
}

@Suite("Contact help against another machine answering for the contact's name", .serialized, .timeLimit(.minutes(2)))
struct ContactImpostorTests {
    @Test("Another key publishing under the name, or an invitation naming another key: refused before connecting, both fingerprints named", arguments: [false, true])
    func impostor(claimsVictimKey: Bool) async throws {
        let scratch = try Scratch("impostor")
        defer { scratch.remove() }
        let downloads = try scratch.directory("downloads")
        try await withLoopbackCloud { cloud in
            let helperOptions = Sessions.help(downloads: downloads)
            let helperPeer = PeerIdentity(key: helperOptions.session.identity.key.publicKey, displayName: "Hector", computerName: "hector-pc")
            // Mallory knows the Helper's public key (it is public) and invites it from her own machine.
            let mallory = Sessions.invite(downloads: downloads)
            let helperRecord = ContactRecord(peer: helperPeer, atMicroseconds: 0)
            let malloryInvite = EventRecorder(try await EasyConnectSession.inviteContact(helperRecord, options: mallory, nameService: cloud.userHost))
            #expect(await malloryInvite.wait { if case .contactInvitation = $0 { true } else { nil } } == true, "\(malloryInvite.summary)")
            // The Helper's record of the real User.
            let realUser = Ed25519PrivateKey().publicKey
            let userRecord = ContactRecord(peer: PeerIdentity(key: realUser, displayName: "Ursula", computerName: "ursula-pc"), atMicroseconds: 0)
            let names = ImpostorNameService(
                cloud.helperHost, victim: ContactInvitation.name(of: realUser), victimKey: realUser.bytes,
                impostor: ContactInvitation.name(of: mallory.session.identity.key.publicKey), forgeFor: claimsVictimKey ? helperOptions.session.identity.key : nil)
            let helper = EventRecorder(try await EasyConnectSession.helpContact(userRecord, options: helperOptions, nameService: names))
            let outcome = try #require(await helper.outcome(15), "\(helper.summary)")
            #expect(outcome.kind == .keyMismatch, "\(outcome)")
            #expect(outcome.exitStatus == 14)
            let malloryFingerprint = PeerIdentity.fingerprint(of: mallory.session.identity.key.publicKey)
            #expect(outcome.message.contains(PeerIdentity.fingerprint(of: realUser)) && outcome.message.contains(malloryFingerprint), "\(outcome.message)")
            #expect(!malloryInvite.events.contains { if case .consentRequest = $0 { true } else { false } }, "Mallory never hears from the Helper")
            await malloryInvite.session.end()
            _ = await malloryInvite.outcome()
        }
    }
}
