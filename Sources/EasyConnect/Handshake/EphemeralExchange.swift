import PeerCrypto

/// The key agreement of a session between known keys (contact help, offers): the Diffie–Hellman half of
/// SIGMA-I (`docs/easy-connect.md`, "Contact help"). Each side sends a fresh X25519 share in the same
/// handshake messages that carry CPace shares for a password; then
///
///     transcript = lv_cat("EasyConnect/1 contact", invitation ID, the User's key, Ya, Yb)
///     ISK        = HKDF-SHA-512(ikm: X25519(x, Y), salt: sid, info: "EasyConnect/1 contact ISK" ‖ transcript, 64 bytes)
///     tags       = HMAC-SHA-512(ISK, "EasyConnect/1 helper|user confirmation" ‖ transcript)
///
/// The shares prove nothing about who sent them: authentication comes after, inside the encrypted
/// channel, from each side's Ed25519 signature over the channel binding (which covers both shares) and the
/// check of the signing key against the contact record — SIGMA's sign-and-MAC, the MAC being the AEAD of
/// the channel that carries the identities.
struct EphemeralExchange {
    let role: CPace.Role
    let sessionID: [UInt8]
    private let key: X25519PrivateKey
    private let transcriptPrefix: [[UInt8]]

    init(role: CPace.Role, invitation: Invitation, sessionID: [UInt8], entropy: inout some EntropySource) {
        self.role = role
        self.sessionID = sessionID
        key = X25519PrivateKey(entropy: &entropy)
        transcriptPrefix = [Array("EasyConnect/1 contact".utf8), invitation.id, invitation.userKey.bytes]
    }

    /// This side's share.
    var share: [UInt8] { key.publicKey.bytes }

    /// Completes the agreement with the peer's share.
    func complete(peerShare: [UInt8]) throws(HandshakeError) -> SessionSecrets {
        var shared: [UInt8]
        do {
            shared = try key.sharedSecret(with: X25519PublicKey(bytes: peerShare))
        } catch {
            throw .invalidShare
        }
        defer { ConstantTime.wipe(&shared) }
        let (ya, yb) = role == .initiator ? (share, peerShare) : (peerShare, share)
        let transcript = CPaceEncoding.lengthValueConcatenation(transcriptPrefix + [ya, yb])
        var isk: [UInt8]
        do {
            isk = try HKDF.sha512(inputKeyMaterial: shared, salt: sessionID, info: Array("EasyConnect/1 contact ISK".utf8) + transcript, outputByteCount: 64)
        } catch {
            throw .crypto("HKDF: \(error)")
        }
        defer { ConstantTime.wipe(&isk) }
        let helperTag = HMACSHA512.authenticationCode(key: isk, message: Array("EasyConnect/1 helper confirmation".utf8) + transcript)
        let userTag = HMACSHA512.authenticationCode(key: isk, message: Array("EasyConnect/1 user confirmation".utf8) + transcript)
        return try SessionSecrets(isk: isk, sessionID: sessionID, helperConfirmation: helperTag, userConfirmation: userTag)
    }
}

/// The key agreement a connection runs: CPace for a password, SIGMA-I's ephemeral Diffie–Hellman for known keys.
enum KeyExchange {
    case password(PAKEExchange)
    case ephemeral(EphemeralExchange)

    init(role: CPace.Role, credential: SessionCredential, invitation: Invitation, sessionID: [UInt8], entropy: inout some EntropySource) throws(HandshakeError) {
        switch credential {
        case .password(let password):
            self = .password(try PAKEExchange(role: role, password: password, invitation: invitation, sessionID: sessionID, entropy: &entropy))
        case .contact:
            self = .ephemeral(EphemeralExchange(role: role, invitation: invitation, sessionID: sessionID, entropy: &entropy))
        }
    }

    /// This side's share.
    var share: [UInt8] {
        switch self {
        case .password(let p): p.share
        case .ephemeral(let e): e.share
        }
    }

    /// Completes the agreement with the peer's share.
    func complete(peerShare: [UInt8]) throws(HandshakeError) -> SessionSecrets {
        switch self {
        case .password(let p): try p.complete(peerShare: peerShare)
        case .ephemeral(let e): try e.complete(peerShare: peerShare)
        }
    }
}
