import PNRP
import PeerCrypto

/// Where an invitation waits in the cloud, the key that owns that place, and the key that opens the
/// invitation, all derived from the password's leading part (`EasyConnectPassword.rendezvousPart`) and
/// the epoch:
///
///     master = Argon2id(rendezvousPart, salt = SHA-512("EasyConnect/1 rendezvous salt" ‖ epoch)[0..<16], 64 bytes)
///     signing key    = Ed25519 key pair from the seed master[0..<32]
///     name           = <hex SHA-1 of its public key>.EasyConnect      (a secured peer name, [MS-PNRP] 2.2.4)
///     invitation key = master[32..<64]
///
/// Because the name is secured, only someone who knows the leading part can publish under it ([MS-PNRP]
/// 3.1.5.7 checks that the CPA's key hashes to the authority): an observer who copies the name from the
/// cloud cannot squat it. Knowing the name tells nothing about either key without inverting Argon2id; the
/// salt changes every epoch (an hour), so no table computed in advance outlives it (`docs/easy-connect.md`).
public struct Rendezvous: Sendable {
    /// The secured peer name the invitation is published under.
    public let name: PeerName
    /// The key the invitation's registration is signed with; its SHA-1 is the name's authority.
    public let signingKey: Ed25519PrivateKey
    /// The XChaCha20-Poly1305 key of the sealed invitation (32 bytes).
    public let invitationKey: [UInt8]
    /// The epoch this rendezvous belongs to.
    public let epoch: UInt64

    /// The classifier of every rendezvous name.
    public static let classifier = "EasyConnect"

    /// Derives the rendezvous of `password` in `epoch` (one Argon2id evaluation).
    public static func derive(from password: EasyConnectPassword, epoch: UInt64, parameters: RendezvousParameters) throws(RendezvousError) -> Rendezvous {
        var input = Array(password.rendezvousPart.utf8)
        defer { ConstantTime.wipe(&input) }
        var master: [UInt8]
        do {
            master = try Argon2id.deriveKey(byteCount: 64, password: input, salt: salt(epoch: epoch), parameters: parameters.argon2)
        } catch {
            throw .derivation(error)
        }
        defer { ConstantTime.wipe(&master) }
        let key: Ed25519PrivateKey
        let name: PeerName
        do {
            key = try Ed25519PrivateKey(seed: master[0..<32])
            name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: classifier)
        } catch {
            throw .name("\(error)")
        }
        return Rendezvous(name: name, signingKey: key, invitationKey: Array(master[32..<64]), epoch: epoch)
    }

    /// The Argon2id salt of `epoch`.
    static func salt(epoch: UInt64) -> [UInt8] {
        var w = MessageWriter(capacity: 40)
        w.write(bytes: Array("EasyConnect/1 rendezvous salt".utf8))
        w.write(epoch)
        return Array(SHA512.hash(w.bytes).prefix(Argon2id.saltByteCount))
    }
}

/// Why a rendezvous could not be derived.
public enum RendezvousError: Error, Sendable, CustomStringConvertible {
    /// Argon2id failed (in practice: not enough memory for its cost).
    case derivation(Argon2idError)
    /// The key or the name could not be formed (cannot happen with 32 seed bytes and a fixed classifier).
    case name(String)

    public var description: String {
        switch self {
        case .derivation(let e): "cannot derive the invitation's name from the password: \(e)"
        case .name(let e): "cannot form the invitation's name: \(e)"
        }
    }
}
