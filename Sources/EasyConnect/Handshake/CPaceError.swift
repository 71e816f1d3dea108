/// Why a CPace step refused to go on. Each case says what was wrong.
public enum CPaceError: Error, Equatable, CustomStringConvertible {
    /// The peer's share must be exactly 32 bytes (a ristretto255 encoding).
    case badPeerShareLength(Int)
    /// The peer's share is not a canonical ristretto255 encoding; the run must be aborted.
    case invalidPeerShare
    /// The peer's share is the identity element, so K would be the identity; the draft says to abort.
    case identityPeerShare
    /// An injected scalar must be exactly 32 bytes.
    case badScalarLength(Int)
    /// An injected scalar is zero modulo the group order, so the share would be the identity.
    case invalidScalar
    /// The generator derived from the inputs is the identity element (a SHA-512 output would have to hit a
    /// preimage of it; kept so the failure is named rather than trapped).
    case degenerateGenerator
    /// The entropy source gave only zero scalars, again and again: it is broken.
    case entropyExhausted
    /// The peer's key confirmation tag did not match: a different password, channel, session ID or transcript.
    case confirmationFailed

    /// One sentence saying what was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case .badPeerShareLength(let n): "CPace peer share has \(n) bytes; it must have 32."
        case .invalidPeerShare: "CPace peer share is not a valid ristretto255 encoding."
        case .identityPeerShare: "CPace peer share is the identity element."
        case .badScalarLength(let n): "CPace scalar has \(n) bytes; it must have 32."
        case .invalidScalar: "CPace scalar is zero modulo the group order."
        case .degenerateGenerator: "CPace generator is the identity element."
        case .entropyExhausted: "The entropy source returned only zero scalars."
        case .confirmationFailed: "CPace key confirmation failed: the peer derived a different key."
        }
    }
}
