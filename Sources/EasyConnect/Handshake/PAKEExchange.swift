import PeerCrypto

/// One side's CPace exchange as Easy Connect runs it (initiator = Helper, responder = User), with the
/// inputs fixed by `docs/easy-connect.md`, "PAKE":
///
/// - PRS: the 12 ASCII characters of the password;
/// - CI: `lv_cat("EasyConnect/1", invitation ID, the User's public key)` — the exchange only works for
///   this invitation of this User;
/// - sid: 16 random bytes chosen by the Helper for this connection;
/// - ADa / ADb: `"EasyConnect/1 helper"` / `"EasyConnect/1 user"`.
struct PAKEExchange {
    private let cpace: CPace
    let role: CPace.Role
    let sessionID: [UInt8]

    static let helperAD = Array("EasyConnect/1 helper".utf8)
    static let userAD = Array("EasyConnect/1 user".utf8)

    init(role: CPace.Role, password: EasyConnectPassword, invitation: Invitation, sessionID: [UInt8], entropy: inout some EntropySource) throws(HandshakeError) {
        self.role = role
        self.sessionID = sessionID
        var prs = password.pakeInput
        defer { ConstantTime.wipe(&prs) }
        let ci = CPaceEncoding.lengthValueConcatenation([Array("EasyConnect/1".utf8), invitation.id, invitation.userKey.bytes])
        do {
            cpace = try CPace(
                role: role, password: prs, channelIdentifier: ci, sessionID: sessionID,
                associatedData: role == .initiator ? Self.helperAD : Self.userAD, entropy: &entropy)
        } catch {
            throw .crypto("CPace: \(error)")
        }
    }

    /// This side's share (Ya for the Helper, Yb for the User).
    var share: [UInt8] { cpace.share }

    /// Completes the exchange with the peer's share.
    func complete(peerShare: [UInt8]) throws(HandshakeError) -> SessionSecrets {
        let peerAD = role == .initiator ? Self.userAD : Self.helperAD
        var isk: [UInt8]
        do {
            isk = try cpace.intermediateSessionKey(peerShare: peerShare, peerAssociatedData: peerAD)
        } catch {
            throw .invalidShare
        }
        defer { ConstantTime.wipe(&isk) }
        let tags = cpace.confirmationTags(isk: isk, peerShare: peerShare, peerAssociatedData: peerAD)
        let (helperTag, userTag) = role == .initiator ? (tags.own, tags.peer) : (tags.peer, tags.own)
        return try SessionSecrets(isk: isk, sessionID: sessionID, helperConfirmation: helperTag, userConfirmation: userTag)
    }
}
