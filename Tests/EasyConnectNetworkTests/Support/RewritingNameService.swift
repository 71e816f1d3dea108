import EasyConnect
import Foundation
import PNRP
import PeerCrypto

/// The Helper's view of the cloud with the invitation's endpoints rewritten: what a User whose machine
/// lists addresses the Helper cannot use looks like. It knows the password, opens the sealed invitation,
/// lets `rewrite` change its endpoints, and seals it again under the same rendezvous.
final class RewritingNameService: PeerNameService {
    let inner: any PeerNameService
    let password: EasyConnectPassword
    let rewrite: @Sendable ([SessionEndpoint]) -> [SessionEndpoint]

    init(_ inner: any PeerNameService, password: EasyConnectPassword, rewrite: @escaping @Sendable ([SessionEndpoint]) -> [SessionEndpoint]) {
        (self.inner, self.password, self.rewrite) = (inner, password, rewrite)
    }

    var serviceDescription: String { "rewritten view of \(inner.serviceDescription)" }

    func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName { try await inner.publish(publication) }

    func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord {
        var record = try await inner.resolve(name, within: timeout)
        let parameters = Sessions.cheapRendezvous
        for epoch in parameters.helperEpochs(atUnixSeconds: UInt64(Date().timeIntervalSince1970)) {
            guard let rendezvous = try? Rendezvous.derive(from: password, epoch: epoch, parameters: parameters), rendezvous.name == name,
                let sealed = record.extendedPayload, var invitation = try? SealedInvitation.open(sealed, for: rendezvous)
            else { continue }
            invitation.endpoints = rewrite(invitation.endpoints)
            var entropy = SystemEntropy()
            record.extendedPayload = try? SealedInvitation.seal(invitation, for: rendezvous, entropy: &entropy)
        }
        return record
    }

    func revoke(_ published: PublishedName) async { await inner.revoke(published) }
}
