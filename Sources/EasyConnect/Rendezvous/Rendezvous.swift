import PNRP
import PeerCrypto

/// Where an invitation waits in the cloud, and the key that opens it, both derived from the password's
/// leading part (`EasyConnectPassword.rendezvousPart`) and the epoch.
///
/// `master = Argon2id(rendezvousPart, salt = SHA-512("EasyConnect/1 rendezvous salt" ‖ epoch)[0..<16], 48 bytes)`;
/// the unsecured peer name is `0.ec1-` followed by the first 16 bytes of `master` in hex, and the
/// invitation key is the other 32. Knowing the name tells nothing about the key without inverting Argon2id.
/// The salt changes every epoch (an hour), so no table computed in advance outlives it
/// (`docs/easy-connect.md`).
public struct Rendezvous: Sendable {
    /// The unsecured peer name the invitation is published under ([MS-RAIOP] 3.1.5.3 in spirit).
    public let name: PeerName
    /// The XChaCha20-Poly1305 key of the sealed invitation (32 bytes).
    public let invitationKey: [UInt8]
    /// The epoch this rendezvous belongs to.
    public let epoch: UInt64

    /// Prefix of every rendezvous classifier.
    public static let classifierPrefix = "ec1-"

    /// Derives the rendezvous of `password` in `epoch` (one Argon2id evaluation).
    public static func derive(from password: EasyConnectPassword, epoch: UInt64, parameters: RendezvousParameters) throws(RendezvousError) -> Rendezvous {
        var input = Array(password.rendezvousPart.utf8)
        defer { ConstantTime.wipe(&input) }
        var master: [UInt8]
        do {
            master = try Argon2id.deriveKey(byteCount: 48, password: input, salt: salt(epoch: epoch), parameters: parameters.argon2)
        } catch {
            throw .derivation(error)
        }
        defer { ConstantTime.wipe(&master) }
        let hex = Hex.encode(master[0..<16])
        let name: PeerName
        do {
            name = try PeerName(authority: .unsecured, classifier: classifierPrefix + hex)
        } catch {
            throw .name(error)
        }
        return Rendezvous(name: name, invitationKey: Array(master[16..<48]), epoch: epoch)
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
    /// The derived name was refused (cannot happen with the fixed prefix; kept for completeness).
    case name(PeerNameError)

    public var description: String {
        switch self {
        case .derivation(let e): "cannot derive the invitation's name from the password: \(e)"
        case .name(let e): "cannot form the invitation's name: \(e)"
        }
    }
}
