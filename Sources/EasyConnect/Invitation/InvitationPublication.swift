import PeerCrypto

/// One registration of an invitation: the rendezvous of one epoch and the invitation sealed for it.
public struct InvitationPublication: Sendable {
    /// The name and key of the epoch.
    public let rendezvous: Rendezvous
    /// The sealed invitation: the registration's extended payload.
    public let sealedInvitation: [UInt8]

    /// Seals `invitation` under every epoch its lifetime touches (`RendezvousParameters.epochs`): usually
    /// one, two when it crosses an epoch boundary. Costs one Argon2id evaluation per epoch.
    public static func prepare(
        password: EasyConnectPassword, invitation: Invitation, createdAtUnixSeconds: UInt64, parameters: RendezvousParameters, entropy: inout some EntropySource
    ) throws(InvitationPreparationError) -> [InvitationPublication] {
        var out: [InvitationPublication] = []
        for epoch in parameters.epochs(fromUnixSeconds: createdAtUnixSeconds, to: invitation.expiresAt) {
            let rendezvous: Rendezvous
            do {
                rendezvous = try Rendezvous.derive(from: password, epoch: epoch, parameters: parameters)
            } catch {
                throw .rendezvous(error)
            }
            do {
                out.append(InvitationPublication(rendezvous: rendezvous, sealedInvitation: try SealedInvitation.seal(invitation, for: rendezvous, entropy: &entropy)))
            } catch {
                throw .invitation(error)
            }
        }
        return out
    }
}

/// Why an invitation could not be prepared for publishing.
public enum InvitationPreparationError: Error, Sendable, CustomStringConvertible {
    /// The rendezvous could not be derived.
    case rendezvous(RendezvousError)
    /// The invitation could not be sealed (names too long, no endpoint …).
    case invitation(InvitationError)

    public var description: String {
        switch self {
        case .rendezvous(let e): e.description
        case .invitation(let e): e.description
        }
    }
}

extension Invitation {
    /// Throws `.expired` from the expiry on: the second `expiresAt` itself is already too late, as it is
    /// for the User, whose invitation ends when its clock reaches `expiresAt`.
    public func checkNotExpired(atUnixSeconds unixSeconds: UInt64) throws(InvitationError) {
        guard unixSeconds < expiresAt else { throw .expired(expiresAt: expiresAt) }
    }
}

extension RendezvousParameters {
    /// The epochs a Helper tries, in order: its own, then the previous and the next one (for clocks that
    /// are further apart than `clockSkewSeconds`, as [MS-RAIOP] 3.2.5.2 retries the neighbouring hours).
    public func helperEpochs(atUnixSeconds unixSeconds: UInt64) -> [UInt64] {
        let e = epoch(atUnixSeconds: unixSeconds)
        return e == 0 ? [e, e + 1] : [e, e - 1, e + 1]
    }
}
