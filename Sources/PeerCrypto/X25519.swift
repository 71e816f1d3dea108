import CSodium

/// Errors from the X25519 wrappers.
public enum X25519Error: Error, Equatable, CustomStringConvertible {
    /// A public key must be exactly 32 bytes.
    case badPublicKeyLength(Int)
    /// A secret scalar must be exactly 32 bytes.
    case badSecretLength(Int)
    /// The Ed25519 public key is not a point of the curve, so it has no X25519 form.
    case notConvertible
    /// The peer's key is of small order: the shared secret would be all zeros (libsodium refuses it).
    case weakPeerKey

    public var description: String {
        switch self {
        case .badPublicKeyLength(let n): "X25519 public key has \(n) bytes; it must have 32."
        case .badSecretLength(let n): "X25519 secret has \(n) bytes; it must have 32."
        case .notConvertible: "the Ed25519 public key is not a valid curve point, so it has no X25519 form"
        case .weakPeerKey: "the peer's X25519 key is of small order (an all-zero shared secret); it is refused"
        }
    }
}

/// An X25519 public key (32 bytes, RFC 7748).
public struct X25519PublicKey: Hashable, Sendable {
    /// Key length in bytes.
    public static let byteCount = 32
    /// The raw key.
    public let bytes: [UInt8]

    /// Wraps 32 raw key bytes.
    public init<D: Collection<UInt8>>(bytes: D) throws(X25519Error) {
        let b = Array(bytes)
        guard b.count == Self.byteCount else { throw .badPublicKeyLength(b.count) }
        self.bytes = b
    }

    /// The X25519 form of an Ed25519 verification key (`crypto_sign_ed25519_pk_to_curve25519`): the same
    /// point in Montgomery coordinates, so that a message can be encrypted to the holder of the signing key.
    public init(convertingVerificationKey key: Ed25519PublicKey) throws(X25519Error) {
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        guard crypto_sign_ed25519_pk_to_curve25519(&out, key.bytes) == 0 else { throw .notConvertible }
        bytes = out
    }
}

/// An X25519 secret scalar and its public key. The secret is wiped when the last copy is released.
public final class X25519PrivateKey: Sendable {
    /// The matching public key.
    public let publicKey: X25519PublicKey
    private let secret: SecretBox

    private init(secret: SecretBox) {
        Sodium.ensure()
        var pk = [UInt8](repeating: 0, count: X25519PublicKey.byteCount)
        secret.withBytes { s in _ = crypto_scalarmult_base(&pk, s.baseAddress!) }
        self.secret = secret
        publicKey = try! X25519PublicKey(bytes: pk)  // 32 bytes by construction
    }

    /// A fresh key pair whose 32 secret bytes come from `entropy` (ephemeral keys of a handshake).
    public convenience init(entropy: inout some EntropySource) {
        var s = entropy.bytes(32)
        defer { ConstantTime.wipe(&s) }
        self.init(secret: SecretBox(copying: s))
    }

    /// The X25519 form of an Ed25519 signing key (`crypto_sign_ed25519_sk_to_curve25519`): decrypts what was
    /// encrypted to `X25519PublicKey(convertingVerificationKey: key.publicKey)`.
    public convenience init(convertingSigningKey key: Ed25519PrivateKey) {
        Sodium.ensure()
        let box = SecretBox(count: 32)
        key.secret.withBytes { sk in
            box.withMutableBytes { out in _ = crypto_sign_ed25519_sk_to_curve25519(out.baseAddress!, sk.baseAddress!) }
        }
        self.init(secret: box)
    }

    /// The 32-byte Diffie–Hellman shared secret with `peer` (`crypto_scalarmult`). Refuses small-order peer
    /// keys, whose result is all zeros whatever this side's secret is. Callers must hash it with both public
    /// keys before use, and wipe it.
    public func sharedSecret(with peer: X25519PublicKey) throws(X25519Error) -> [UInt8] {
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: 32)
        let status = secret.withBytes { s in crypto_scalarmult(&out, s.baseAddress!, peer.bytes) }
        guard status == 0 else { throw .weakPeerKey }
        return out
    }
}
