import PNRP
import PeerCrypto

/// An invitation for one contact (msra `/getcontacthelp`), published under the User's own secured
/// `<fingerprint>.RAContact` name and readable only by the holder of the contact's key.
///
/// Layout: version (1) = 1, an ephemeral X25519 public key `E` (32), nonce (24), XChaCha20-Poly1305
/// ciphertext of `Invitation.encoded()` with its 16-byte tag, under
///
///     key = HKDF-SHA-512(ikm: X25519(e, C), salt: E ‖ C, info: "EasyConnect/1 contact invitation", 32 bytes)
///
/// where `C` is the X25519 form of the contact's Ed25519 key. The associated data is the label, the name it
/// is published under and the recipient's Ed25519 key: a sealed invitation copied under another name, or
/// re-addressed, does not open. The registration itself is signed by the User's key (the name's
/// authority), so the cloud vouches for who published it; the Helper also checks the key inside.
public enum ContactInvitation {
    /// Format version.
    public static let version: UInt8 = 1
    /// The classifier of every contact name.
    public static let classifier = "RAContact"
    static let label = Array("EasyConnect/1 contact invitation".utf8)

    /// The secured name `<SHA-1 of key, hex>.RAContact` owned by `key`.
    public static func name(of key: Ed25519PublicKey) -> PeerName {
        // A 40-hex authority and a fixed classifier always form a valid name.
        try! PeerName(authority: .of(publicKey: key.bytes), classifier: classifier)
    }

    /// Seals `invitation`, published under `name`, for the holder of `recipient`.
    public static func seal(_ invitation: Invitation, under name: PeerName, for recipient: Ed25519PublicKey, entropy: inout some EntropySource) throws(InvitationError) -> [UInt8] {
        let plain: [UInt8]
        do {
            plain = try invitation.encoded()
        } catch {
            throw .malformed(error)
        }
        do {
            let contact = try X25519PublicKey(convertingVerificationKey: recipient)
            let ephemeral = X25519PrivateKey(entropy: &entropy)
            var key = try sealingKey(shared: ephemeral.sharedSecret(with: contact), ephemeral: ephemeral.publicKey, recipient: contact)
            defer { ConstantTime.wipe(&key) }
            let nonce = entropy.bytes(XChaCha20Poly1305.nonceByteCount)
            let sealed = try XChaCha20Poly1305.seal(plain, key: key, nonce: nonce, additionalData: associatedData(name, recipient))
            return [version] + ephemeral.publicKey.bytes + nonce + sealed
        } catch {
            throw .cannotOpen
        }
    }

    /// Opens a contact invitation found under `name` with this side's key. `.cannotOpen` when it was sealed
    /// for someone else, under another name, or changed.
    public static func open(_ bytes: [UInt8], under name: PeerName, with key: Ed25519PrivateKey) throws(InvitationError) -> Invitation {
        let header = 1 + X25519PublicKey.byteCount + XChaCha20Poly1305.nonceByteCount
        guard bytes.count > header + XChaCha20Poly1305.tagByteCount else { throw .cannotOpen }
        guard bytes[0] == version else { throw .unsupportedVersion(bytes[0]) }
        var plain: [UInt8]
        do {
            let ephemeral = try X25519PublicKey(bytes: bytes[1..<33])
            let own = X25519PrivateKey(convertingSigningKey: key)
            var sealingKey = try sealingKey(shared: own.sharedSecret(with: ephemeral), ephemeral: ephemeral, recipient: own.publicKey)
            defer { ConstantTime.wipe(&sealingKey) }
            plain = try XChaCha20Poly1305.open(
                Array(bytes[header...]), key: sealingKey, nonce: Array(bytes[33..<header]), additionalData: associatedData(name, key.publicKey))
        } catch {
            throw .cannotOpen
        }
        return try Invitation(openedPlaintext: &plain)
    }

    private static func sealingKey(shared: consuming [UInt8], ephemeral: X25519PublicKey, recipient: X25519PublicKey) throws -> [UInt8] {
        var secret = shared
        defer { ConstantTime.wipe(&secret) }
        return try HKDF.sha512(inputKeyMaterial: secret, salt: ephemeral.bytes + recipient.bytes, info: label, outputByteCount: 32)
    }

    private static func associatedData(_ name: PeerName, _ recipient: Ed25519PublicKey) -> [UInt8] {
        label + Array(name.description.utf8) + recipient.bytes
    }
}
