import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// Offers of help (msra `/offerRA`) between two embedded PNRP hosts on loopback: a listener, a Helper offering
/// to its machine or to it as a contact, the admission rules and the person's answer.
@Suite("Offers of help on loopback", .serialized, .timeLimit(.minutes(3)))
struct OfferTests {
    static func listen(_ cloud: LoopbackCloud, downloads: String, admission: HelperAdmission, port: UInt16 = 0) async throws -> (EventRecorder, String, Ed25519PublicKey) {
        var options = Sessions.invite(downloads: downloads)
        options.port = port
        let user = EventRecorder(try await EasyConnectSession.listenForOffers(options: options, admission: admission, nameService: cloud.userHost))
        let endpoint = try #require(await user.wait { if case .offerListening(_, _, let e) = $0 { e.first } else { nil } }, "\(user.summary)")
        return (user, endpoint, options.session.identity.key.publicKey)
    }

    @Test("An allowed offer to a machine: the User sees who offers and accepts; the Helper sees the User's key; chat works")
    func acceptedOffer() async throws {
        let scratch = try Scratch("offer-ok")
        defer { scratch.remove() }
        let downloads = try scratch.directory("d")
        try await withLoopbackCloud { cloud in
            let (user, endpoint, userKey) = try await Self.listen(cloud, downloads: downloads, admission: .anyone)
            #expect(endpoint.hasPrefix("127.0.0.2:"))
            let helper = EventRecorder(
                try await EasyConnectSession.offer(to: .host(try EndpointText(endpoint)), options: Sessions.help(downloads: downloads), nameService: cloud.helperHost))
            let (id, peer) = try #require(await user.wait { if case .consentRequest(let id, let p) = $0 { (id, p) } else { nil } }, "\(user.summary) / \(helper.summary)")
            #expect(peer.displayName == "Hector")
            try await user.session.perform(.accept(id))
            let seen = try #require(await helper.wait { if case .connected(let p, _, _, _) = $0 { p } else { nil } }, "\(helper.summary)")
            #expect(seen.key == userKey)
            try await helper.session.perform(.chat("offered"))
            #expect(await user.wait { if case .chat(let t) = $0 { t } else { nil } } == "offered")
            await helper.session.end()
            #expect(await user.outcome()?.kind == .ended)
            #expect(await helper.outcome()?.kind == .ended)
        }
    }

    @Test("Offers turned off, or from a Helper not on the allowed list: refused with the reason, the person is not asked")
    func refusedBySettings() async throws {
        let scratch = try Scratch("offer-refused")
        defer { scratch.remove() }
        let downloads = try scratch.directory("d")
        for admission in [HelperAdmission.nobody(refusal: "this computer does not accept offers of help"), .only(fingerprints: [String(repeating: "0", count: 40)], refusal: "offers are accepted only from the helpers the settings list")] {
            try await withLoopbackCloud { cloud in
                let (user, endpoint, _) = try await Self.listen(cloud, downloads: downloads, admission: admission)
                let helper = EventRecorder(
                    try await EasyConnectSession.offer(to: .host(try EndpointText(endpoint)), options: Sessions.help(downloads: downloads), nameService: cloud.helperHost))
                let outcome = try #require(await helper.outcome(15), "\(helper.summary)")
                #expect(outcome.kind == .refused, "\(outcome)")
                #expect(outcome.message.contains("offers"), "\(outcome.message)")
                let refused = try #require(await user.wait { if case .helperRefused(let p, _) = $0 { p } else { nil } })
                #expect(refused.displayName == "Hector")
                #expect(!user.events.contains { if case .consentRequest = $0 { true } else { false } })
                await user.session.end()
                _ = await user.outcome()
            }
        }
    }

    @Test("An offer the person declines: the Helper is told")
    func declined() async throws {
        let scratch = try Scratch("offer-declined")
        defer { scratch.remove() }
        let downloads = try scratch.directory("d")
        try await withLoopbackCloud { cloud in
            let helperOptions = Sessions.help(downloads: downloads)
            let fingerprint = PeerIdentity.fingerprint(of: helperOptions.session.identity.key.publicKey)
            let (user, endpoint, _) = try await Self.listen(cloud, downloads: downloads, admission: .only(fingerprints: [fingerprint], refusal: "not on the list"))
            let helper = EventRecorder(try await EasyConnectSession.offer(to: .host(try EndpointText(endpoint)), options: helperOptions, nameService: cloud.helperHost))
            let id = try #require(await user.wait { $0.consentID })
            try await user.session.perform(.decline(id))
            let outcome = try #require(await helper.outcome(15))
            #expect(outcome.kind == .refused && outcome.message.contains("declined"), "\(outcome)")
            await user.session.end()
            _ = await user.outcome()
        }
    }

    @Test("An offer to a contact: found under its .RAOffer name; another key answering there is refused with both fingerprints")
    func contactOffer() async throws {
        let scratch = try Scratch("offer-contact")
        defer { scratch.remove() }
        let downloads = try scratch.directory("d")
        try await withLoopbackCloud { cloud in
            let (user, _, userKey) = try await Self.listen(cloud, downloads: downloads, admission: .anyone)
            let record = ContactRecord(peer: PeerIdentity(key: userKey, displayName: "Ursula", computerName: "ursula-pc"), atMicroseconds: 0)
            let helper = EventRecorder(try await EasyConnectSession.offer(to: .contact(record), options: Sessions.help(downloads: downloads), nameService: cloud.helperHost))
            let id = try #require(await user.wait { $0.consentID }, "\(helper.summary)")
            try await user.session.perform(.accept(id))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true)
            await user.session.end()
            _ = await helper.outcome()

            // A listener whose key is not the record's: a greeting naming another key is refused.
            let (other, endpoint, otherKey) = try await Self.listen(cloud, downloads: downloads, admission: .anyone)
            _ = otherKey
            var options = Sessions.help(downloads: downloads)
            options.connectTimeout = .seconds(3)
            // Offer to the other listener's machine while expecting Ursula's key.
            let session = try await EasyConnectSession.startHelper(options: options, nameService: nil) {
                .success(EasyConnectSession.HelperPlan(addresses: [try! EndpointText(endpoint).endpoint.socketAddress(zone: 0)], credential: .contact(expectedKey: userKey), invitation: .unknown, offer: true))
            }
            let mismatch = try #require(await EventRecorder(session).outcome(15))
            #expect(mismatch.kind == .keyMismatch, "\(mismatch)")
            #expect(mismatch.message.contains(PeerIdentity.fingerprint(of: userKey)) && mismatch.message.contains(PeerIdentity.fingerprint(of: otherKey)), "\(mismatch.message)")
            await other.session.end()
            _ = await other.outcome()
        }
    }

    @Test("A Helper offering to an invitation listener, or a password Helper reaching an offer listener, is told which it reached")
    func wrongKindOfListener() async throws {
        let scratch = try Scratch("offer-kind")
        defer { scratch.remove() }
        let downloads = try scratch.directory("d")
        try await withLoopbackCloud { cloud in
            let invite = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: downloads), nameService: cloud.userHost))
            let endpoint = try #require(await invite.wait { if case .invitation(_, _, let e) = $0 { e.first } else { nil } })
            let helper = EventRecorder(try await EasyConnectSession.offer(to: .host(try EndpointText(endpoint)), options: Sessions.help(downloads: downloads), nameService: nil))
            let outcome = try #require(await helper.outcome(15))
            #expect(outcome.message.contains("easy-connect listen"), "\(outcome)")
            #expect(!invite.events.contains { if case .attemptFailed = $0 { true } else { false } }, "no attempt is spent")
            await invite.session.end()
            _ = await invite.outcome()
        }
    }
}
