import CSodium

/// Errors from the Ed25519 wrappers. Each says what was wrong with the input.
public enum Ed25519Error: Error, Equatable, CustomStringConvertible {
    /// A public key must be exactly 32 bytes.
    case badPublicKeyLength(Int)
    /// A seed must be exactly 32 bytes.
    case badSeedLength(Int)
    /// A secret key must be exactly 64 bytes (seed followed by public key).
    case badSecretKeyLength(Int)

    public var description: String {
        switch self {
        case .badPublicKeyLength(let n): "Ed25519 public key has \(n) bytes; it must have 32."
        case .badSeedLength(let n): "Ed25519 seed has \(n) bytes; it must have 32."
        case .badSecretKeyLength(let n): "Ed25519 secret key has \(n) bytes; it must have 64."
        }
    }
}

/// An Ed25519 public key (32 bytes). Verifies signatures with libsodium's `crypto_sign_verify_detached`.
public struct Ed25519PublicKey: Hashable, Sendable {
    /// Key length in bytes.
    public static let byteCount = 32
    /// The raw 32-byte key.
    public let bytes: [UInt8]

    /// Wraps 32 raw key bytes.
    public init<D: Collection<UInt8>>(bytes: D) throws(Ed25519Error) {
        let b = Array(bytes)
        guard b.count == Self.byteCount else { throw .badPublicKeyLength(b.count) }
        self.bytes = b
    }

    /// True when `signature` is a valid Ed25519 signature of `message` under this key.
    /// Signatures of the wrong length are simply invalid.
    public func isValidSignature<S: Collection<UInt8>, M: Collection<UInt8>>(_ signature: S, for message: M) -> Bool {
        let sig = Array(signature)
        guard sig.count == Ed25519.signatureByteCount else { return false }
        Sodium.ensure()
        let msg = Array(message)
        return sig.withUnsafeBufferPointer { s in
            msg.withUnsafeBufferPointer { m in
                bytes.withUnsafeBufferPointer { k in
                    crypto_sign_verify_detached(s.baseAddress!, m.baseAddress, UInt64(m.count), k.baseAddress!) == 0
                }
            }
        }
    }
}

/// An Ed25519 signing key. The secret half is wiped from memory when the last copy is released.
///
/// The key is a reference-counted box so that copies share one secret buffer and the wipe happens once.
public final class Ed25519PrivateKey: Sendable {
    /// The matching public key.
    public let publicKey: Ed25519PublicKey
    let secret: SecretBox

    /// Creates a fresh key pair from libsodium's random generator.
    public convenience init() {
        Sodium.ensure()
        var seed = SecureRandom.bytes(32)
        defer { ConstantTime.wipe(&seed) }
        try! self.init(seed: seed)  // 32 bytes by construction
    }

    /// Derives a key pair deterministically from a 32-byte seed (`crypto_sign_seed_keypair`).
    /// Simulations and tests use this to get reproducible identities from a seeded generator.
    public init<D: Collection<UInt8>>(seed: D) throws(Ed25519Error) {
        var s = Array(seed)
        defer { ConstantTime.wipe(&s) }
        guard s.count == 32 else { throw .badSeedLength(s.count) }
        Sodium.ensure()
        var pk = [UInt8](repeating: 0, count: 32)
        let box = SecretBox(count: 64)
        box.withMutableBytes { sk in
            _ = crypto_sign_seed_keypair(&pk, sk.baseAddress!, s)
        }
        self.secret = box
        self.publicKey = try Ed25519PublicKey(bytes: pk)
    }

    /// Signs `message`; returns the 64-byte detached signature.
    public func signature<M: Collection<UInt8>>(for message: M) -> [UInt8] {
        Sodium.ensure()
        let msg = Array(message)
        var sig = [UInt8](repeating: 0, count: Ed25519.signatureByteCount)
        secret.withBytes { sk in
            msg.withUnsafeBufferPointer { m in
                _ = crypto_sign_detached(&sig, nil, m.baseAddress, UInt64(m.count), sk.baseAddress!)
            }
        }
        return sig
    }

    /// The 32-byte seed, for writing the key to a protected file. Callers must wipe the copy.
    public func exportSeed() -> [UInt8] {
        secret.withBytes { Array($0.prefix(32)) }
    }
}

/// Ed25519 constants.
public enum Ed25519 {
    /// Detached signature length in bytes.
    public static let signatureByteCount = 64
}
