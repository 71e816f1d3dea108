import EasyConnect
import NIOCore
import PNRP
import PNRPNetwork
import PeerCrypto

extension EasyConnectSession {
    /// Asks a known Helper for help, with no password (msra `/getcontacthelp`): publishes an invitation under
    /// this User's own secured `<fingerprint>.RAContact` name, sealed for `contact`'s key
    /// (`ContactInvitation`), and waits. The Helper must prove the key the record holds (SIGMA-I,
    /// `SessionCredential.contact`); the User is still asked for consent.
    public static func inviteContact(_ contact: ContactRecord, options: InviteOptions, nameService: any PeerNameService) async throws(EasyConnectError) -> EasyConnectSession {
        let contactKey: Ed25519PublicKey
        do {
            contactKey = try contact.checkedKey()
        } catch {
            throw .failed(SessionOutcome(.keyMismatch, error.description))
        }
        guard options.lifetime > .zero, options.lifetime <= InviteOptions.maximumLifetime else {
            throw .failed(SessionOutcome(.internalError, "an invitation lives from 1 second to 30 minutes"))
        }
        let identity = options.session.identity
        let (loop, ownedGroup) = Self.eventLoop(options.session)
        do throws(EasyConnectError) {
            return try await startUser(options: options, nameService: nameService, loop: loop, ownedGroup: ownedGroup) { reach, expiresAt, system throws(EasyConnectError) in
                let endpoints = reach.endpoints
                let invitation = Invitation(
                    id: system.bytes(Invitation.idByteCount), expiresAt: expiresAt, userKey: identity.key.publicKey, displayName: identity.displayName,
                    computerName: identity.computerName, endpoints: endpoints,
                    punchEndpoints: reach.punchEndpoints, streamRelay: reach.streamRelay)
                let name = ContactInvitation.name(of: identity.key.publicKey)
                let sealed: [UInt8]
                do {
                    sealed = try ContactInvitation.seal(invitation, under: name, for: contactKey, entropy: &system)
                } catch {
                    throw .failed(SessionOutcome(.internalError, "\(error)"))
                }
                return UserStart(
                    credential: .contact(expectedKey: contactKey), invitation: invitation,
                    names: [NamePublication(name: name, key: identity.key, endpoints: [], extendedPayload: sealed, comment: nil, lifetime: options.lifetime)],
                    shown: .contactInvitation(
                        contact: contact.address.description, name: contact.name, address: name.description, expiresAt: expiresAt,
                        endpoints: endpoints.map(\.description)))
            }
        } catch {
            release(ownedGroup)
            throw error
        }
    }

    /// Helps a known User, with no password (msra `/offercontacthelp`): resolves the User's `.RAContact` name,
    /// opens the invitation sealed for this side's key, checks that both the registration and the invitation
    /// carry the key the record holds, and connects. A key that differs ends the attempt with `.keyMismatch`,
    /// naming both fingerprints; nothing is updated.
    public static func helpContact(_ contact: ContactRecord, options: HelpOptions, nameService: any PeerNameService) async throws(EasyConnectError) -> EasyConnectSession {
        let contactKey: Ed25519PublicKey
        do {
            contactKey = try contact.checkedKey()
        } catch {
            throw .failed(SessionOutcome(.keyMismatch, error.description))
        }
        let own = options.session.identity.key
        return try await startHelper(options: options, nameService: nameService) {
            switch await findContactInvitation(contact, key: contactKey, ownKey: own, options: options, nameService: nameService) {
            case .failure(let outcome): return .failure(outcome)
            case .success(let (invitation, zone)):
                var plan = HelperPlan(addresses: connectAddresses(invitation.endpoints, zone: zone), credential: .contact(expectedKey: contactKey), invitation: invitation)
                plan.traversal = await helperTraversal(for: invitation, nameService: nameService)
                return .success(plan)
            }
        }
    }

    /// Resolves the contact's name and opens the invitation waiting there for `ownKey`.
    static func findContactInvitation(
        _ contact: ContactRecord, key: Ed25519PublicKey, ownKey: Ed25519PrivateKey, options: HelpOptions, nameService: any PeerNameService
    ) async -> Result<(Invitation, UInt32), SessionOutcome> {
        let name = ContactInvitation.name(of: key)
        let who = "\(DisplayText.escaped(contact.name)) (\(contact.address))"
        let record: NameRecord
        switch await resolveContactName(
            name, contact: contact, key: key, options: options, nameService: nameService,
            notFound: "no invitation from \(who) is waiting: ask them to run easy-connect invite --contact \(ContactAddress(of: ownKey.publicKey))")
        {
        case .failure(let outcome): return .failure(outcome)
        case .success(let found): record = found
        }
        guard let sealed = record.extendedPayload else {
            return .failure(SessionOutcome(.notFound, "\(who) publishes no invitation (an older program, or not an Easy Connect invitation)"))
        }
        let invitation: Invitation
        do {
            invitation = try ContactInvitation.open(sealed, under: name, with: ownKey)
        } catch {
            return .failure(SessionOutcome(.notFound, "\(who) has an invitation waiting, but not for you (\(error)); ask them to invite you: easy-connect invite --contact \(ContactAddress(of: ownKey.publicKey))"))
        }
        guard invitation.userKey == key else {
            return .failure(
                SessionOutcome(
                    .keyMismatch,
                    ContactError.keyMismatch(
                        address: contact.address, recorded: contact.address.fingerprint, found: PeerIdentity.fingerprint(of: invitation.userKey),
                        context: "the invitation names another key").description))
        }
        do {
            try invitation.checkNotExpired(atUnixSeconds: UInt64(HostClock.now().nanoseconds / 1_000_000_000))
        } catch {
            return .failure(SessionOutcome(.expired, "the invitation from \(who) has expired: ask them for a new one"))
        }
        return .success((invitation, linkZone(of: record)))
    }

    /// Resolves a name the contact's key owns (`.RAContact`, `.RAOffer`) and checks that the registration is
    /// signed by the key the record holds (a cloud that let another key answer is caught here).
    static func resolveContactName(
        _ name: PeerName, contact: ContactRecord, key: Ed25519PublicKey, options: HelpOptions, nameService: any PeerNameService, notFound: String
    ) async -> Result<NameRecord, SessionOutcome> {
        let record: NameRecord
        do {
            record = try await nameService.resolve(name, within: options.resolveTimeout)
        } catch {
            switch error {
            case .notFound: return .failure(SessionOutcome(.notFound, notFound))
            case .timedOut: return .failure(SessionOutcome(.notFound, notFound + " (the lookup timed out)"))
            default: return .failure(SessionOutcome(.noCloud, "cannot look up \(DisplayText.escaped(contact.name)) (\(contact.address)): \(error)"))
            }
        }
        guard record.publicKey == key.bytes else {
            let found = (try? Ed25519PublicKey(bytes: record.publicKey)).map(PeerIdentity.fingerprint(of:)) ?? "an invalid key"
            return .failure(
                SessionOutcome(
                    .keyMismatch,
                    ContactError.keyMismatch(address: contact.address, recorded: contact.address.fingerprint, found: found, context: "another key publishes under the contact's name").description))
        }
        return .success(record)
    }
}
