import EasyConnect
import NIOCore
import PNRP
import PNRPNetwork
import PeerCrypto

/// Where a Helper offers help (msra `/offerRA`).
public enum OfferTarget: Sendable, Hashable {
    /// A contact: the offer listener is found under `<fingerprint>.RAOffer`, and the User must prove the key
    /// the record holds.
    case contact(ContactRecord)
    /// A machine, `address:port` (`192.0.2.5`, `[::1]:5940`, `fe80::1%eth0`): the User proves whatever key it has,
    /// shown to the Helper with its fingerprint.
    case host(EndpointText)
}

extension EasyConnectSession {
    /// The TCP port offer listeners use unless told otherwise.
    public static let defaultOfferPort: UInt16 = 5940
    /// The classifier of offer listeners' names, `<fingerprint>.RAOffer`, owned by the User's key.
    public static let offerClassifier = "RAOffer"
    /// The longest an offer listener waits.
    public static let maximumOfferListenLifetime = Duration.seconds(24 * 3600)

    /// The secured name an offer listener of `key` is published under.
    public static func offerName(of key: Ed25519PublicKey) -> PeerName {
        // A 40-hex authority and a fixed classifier always form a valid name.
        try! PeerName(authority: .of(publicKey: key.bytes), classifier: offerClassifier)
    }

    /// The User's side of offers (msra `/offerRA`): listens on `options.port` (`defaultOfferPort` is the one
    /// Helpers offering to a machine assume), publishes its endpoints under `<fingerprint>.RAOffer` (signed by the
    /// User's key), and greets each Helper with its standing invitation. Helpers authenticate with SIGMA-I;
    /// those `admission` refuses are told why (`helperRefused`), the others are asked about as in `invite`.
    public static func listenForOffers(options: InviteOptions, admission: HelperAdmission, nameService: any PeerNameService) async throws(EasyConnectError) -> EasyConnectSession {
        guard options.lifetime > .zero, options.lifetime <= maximumOfferListenLifetime else {
            throw .failed(SessionOutcome(.internalError, "an offer listener waits from 1 second to 24 hours"))
        }
        var options = options
        options.invitation.admission = admission
        options.invitation.announcesInvitation = true
        let identity = options.session.identity, lifetime = options.lifetime
        let (loop, ownedGroup) = Self.eventLoop(options.session)
        do throws(EasyConnectError) {
            return try await startUser(options: options, nameService: nameService, loop: loop, ownedGroup: ownedGroup) { reach, expiresAt, system throws(EasyConnectError) in
                let endpoints = reach.endpoints
                let invitation = Invitation(
                    id: system.bytes(Invitation.idByteCount), expiresAt: expiresAt, userKey: identity.key.publicKey, displayName: identity.displayName,
                    computerName: identity.computerName, endpoints: endpoints)
                let published = endpoints.prefix(8).map { IPv6AppEndpoint(address: $0.address, port: $0.port, ipProtocol: 6) }
                return UserStart(
                    credential: .contact(expectedKey: nil), invitation: invitation,
                    names: [NamePublication(name: offerName(of: identity.key.publicKey), key: identity.key, endpoints: Array(published), extendedPayload: nil, comment: nil, lifetime: lifetime)],
                    shown: .offerListening(address: ContactAddress(of: identity.key.publicKey).description, expiresAt: expiresAt, endpoints: endpoints.map(\.description)))
            }
        } catch {
            release(ownedGroup)
            throw error
        }
    }

    /// Offers help (msra `/offerRA`) to a contact (found through `nameService`) or a machine: connects to its
    /// offer listener, reads its invitation, proves this side's key, and waits for the person to decide.
    public static func offer(to target: OfferTarget, options: HelpOptions, nameService: (any PeerNameService)?) async throws(EasyConnectError) -> EasyConnectSession {
        switch target {
        case .contact(let record):
            let key: Ed25519PublicKey
            do {
                key = try record.checkedKey()
            } catch {
                throw .failed(SessionOutcome(.keyMismatch, error.description))
            }
            guard let nameService else { throw .failed(SessionOutcome(.noCloud, "offering help to a contact needs a PNRP cloud to find them")) }
            return try await startHelper(options: options, nameService: nameService) {
                await findOfferListener(record, key: key, options: options, nameService: nameService).map {
                    HelperPlan(addresses: $0, credential: .contact(expectedKey: key), invitation: Invitation.unknown, offer: true)
                }
            }
        case .host(let text):
            let address = text.endpoint.socketAddress(zone: text.zone)
            return try await startHelper(options: options, nameService: nameService) {
                .success(HelperPlan(addresses: [address], credential: .contact(expectedKey: nil), invitation: Invitation.unknown, offer: true))
            }
        }
    }

    /// The addresses of the contact's offer listener, published under its `.RAOffer` name by its key.
    static func findOfferListener(_ contact: ContactRecord, key: Ed25519PublicKey, options: HelpOptions, nameService: any PeerNameService) async -> Result<[SocketAddress], SessionOutcome> {
        let who = "\(DisplayText.escaped(contact.name)) (\(contact.address))"
        let record: NameRecord
        switch await resolveContactName(
            offerName(of: key), contact: contact, key: key, options: options, nameService: nameService,
            notFound: "\(who) does not wait for offers of help: ask them to run easy-connect listen (or invite you)")
        {
        case .failure(let outcome): return .failure(outcome)
        case .success(let found): record = found
        }
        let endpoints = record.endpoints.filter { $0.ipProtocol == 6 }.map { SessionEndpoint(address: $0.address, port: $0.port) }
        guard !endpoints.isEmpty else { return .failure(SessionOutcome(.notFound, "\(who) publishes no address to offer help to")) }
        return .success(connectAddresses(endpoints, zone: linkZone(of: record)))
    }
}
