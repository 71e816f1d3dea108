import PeerCrypto
import PNRP

/// This side's long-term identity: the Ed25519 key its trust records are made from, and the names shown
/// to the other side.
public struct LocalIdentity: Sendable {
    /// The signing key.
    public let key: Ed25519PrivateKey
    /// How this person calls themself (at most 64 UTF-8 bytes, no control characters).
    public var displayName: String
    /// This machine's name (at most 64 UTF-8 bytes, no control characters).
    public var computerName: String

    /// Builds an identity; names are trimmed to what an invitation can carry.
    public init(key: Ed25519PrivateKey, displayName: String, computerName: String) {
        self.key = key
        self.displayName = Self.fitted(displayName)
        self.computerName = Self.fitted(computerName)
    }

    /// `text` without control characters, cut at a character boundary to 64 UTF-8 bytes.
    static func fitted(_ text: String) -> String {
        var out = ""
        for c in text where !c.unicodeScalars.contains(where: DisplayText.isControl) {
            guard out.utf8.count + String(c).utf8.count <= Invitation.maximumNameBytes else { break }
            out.append(c)
        }
        return out
    }
}

/// The other side, as proven in the handshake: its key signed this session's channel binding.
public struct PeerIdentity: Sendable, Hashable {
    /// The peer's Ed25519 public key.
    public var key: Ed25519PublicKey
    /// The name it gave (shown escaped: it came from the network).
    public var displayName: String
    /// The machine name it gave.
    public var computerName: String

    /// Builds a peer identity.
    public init(key: Ed25519PublicKey, displayName: String, computerName: String) {
        (self.key, self.displayName, self.computerName) = (key, displayName, computerName)
    }

    /// 40 hex digits of SHA-1 over the key: the authority of the peer's secured `.RAContact` name
    /// ([MS-PNRP] secured names, deviation C1's key).
    public var fingerprint: String { Self.fingerprint(of: key) }

    /// 40 lowercase hex digits of SHA-1 over `key`.
    public static func fingerprint(of key: Ed25519PublicKey) -> String { Hex.encode(SHA1.hash(key.bytes)) }

    /// The peer's contact address, `<fingerprint>.RAContact`.
    public var contactAddress: String { fingerprint + ".RAContact" }
}
