/// Why a handshake step failed locally (the other side learns it as a `Refusal` or a closed connection).
public enum HandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The peer's CPace share is not a valid ristretto255 element, or leads to the identity.
    case invalidShare
    /// The peer's key-confirmation tag is wrong: the passwords differ.
    case confirmationFailed
    /// The peer's identity signature does not verify.
    case badIdentitySignature
    /// A primitive failed (out of memory, bad lengths): `reason` says which.
    case crypto(String)

    public var description: String {
        switch self {
        case .invalidShare: "the other side sent an invalid key share"
        case .confirmationFailed: "the password does not match this invitation"
        case .badIdentitySignature: "the other side's identity signature does not verify"
        case .crypto(let why): "a cryptographic step failed: \(why)"
        }
    }
}
