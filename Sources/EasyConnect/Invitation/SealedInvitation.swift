import PNRP
import PeerCrypto

/// An invitation encrypted and authenticated with its rendezvous key: what the extended payload carries.
///
/// Layout: version (1) = 1, nonce (24), XChaCha20-Poly1305 ciphertext of `Invitation.encoded()` with its
/// 16-byte tag. The associated data is `"EasyConnect/1 invitation"` followed by the rendezvous peer name,
/// so a sealed invitation copied under another name does not open.
public enum SealedInvitation {
    /// Format version.
    public static let version: UInt8 = 1

    /// Seals `invitation` for `rendezvous` with a fresh nonce from `entropy`.
    public static func seal(_ invitation: Invitation, for rendezvous: Rendezvous, entropy: inout some EntropySource) throws(InvitationError) -> [UInt8] {
        let plain: [UInt8]
        do {
            plain = try invitation.encoded()
        } catch {
            throw .malformed(error)
        }
        let nonce = entropy.bytes(XChaCha20Poly1305.nonceByteCount)
        do {
            let sealed = try XChaCha20Poly1305.seal(plain, key: rendezvous.invitationKey, nonce: nonce, additionalData: associatedData(rendezvous.name))
            return [version] + nonce + sealed
        } catch {
            throw .cannotOpen
        }
    }

    /// Opens a sealed invitation found under `rendezvous.name`. `.cannotOpen` when it was not sealed with
    /// this rendezvous key (another invitation sharing the name, or tampering).
    public static func open(_ bytes: [UInt8], for rendezvous: Rendezvous) throws(InvitationError) -> Invitation {
        guard bytes.count > 1 + XChaCha20Poly1305.nonceByteCount + XChaCha20Poly1305.tagByteCount else { throw .cannotOpen }
        guard bytes[0] == version else { throw .unsupportedVersion(bytes[0]) }
        let nonce = Array(bytes[1..<25])
        var plain: [UInt8]
        do {
            plain = try XChaCha20Poly1305.open(Array(bytes[25...]), key: rendezvous.invitationKey, nonce: nonce, additionalData: associatedData(rendezvous.name))
        } catch {
            throw .cannotOpen
        }
        return try Invitation(openedPlaintext: &plain)
    }

    static func associatedData(_ name: PeerName) -> [UInt8] {
        Array("EasyConnect/1 invitation".utf8) + Array(name.description.utf8)
    }
}

extension Invitation {
    /// Decodes a decrypted invitation and wipes the plaintext, whatever happens.
    init(openedPlaintext plain: inout [UInt8]) throws(InvitationError) {
        defer { ConstantTime.wipe(&plain) }
        do {
            self = try Invitation(decoding: plain)
        } catch {
            throw .malformed(error)
        }
    }
}

/// Why an invitation could not be used.
public enum InvitationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// It did not decrypt with the key of this password.
    case cannotOpen
    /// It is of a format version this build does not read.
    case unsupportedVersion(UInt8)
    /// It decrypted but its content is malformed.
    case malformed(MessageError)
    /// It expired at `expiresAt` (Unix seconds).
    case expired(expiresAt: UInt64)

    public var description: String {
        switch self {
        case .cannotOpen: "the invitation found under this password's name does not open with this password"
        case .unsupportedVersion(let v): "the invitation is of format version \(v), which this program does not read (update easy-connect)"
        case .malformed(let e): "the invitation is malformed: \(e)"
        case .expired: "this invitation has expired: ask the person you help to send a new one"
        }
    }
}
