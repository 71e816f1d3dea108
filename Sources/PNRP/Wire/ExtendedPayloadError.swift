/// Why an EXTENDED_PAYLOAD was refused by `ExtendedPayload.verify` or could not be built by
/// `ExtendedPayload.signed`. Each case is one check of [MS-PNRP] 3.1.5.8 (with the Ed25519 profile of
/// `docs/deviations.md` C8), or the 3.1.5.7 rule that a CPA with flag X must come with one.
public enum ExtendedPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes do not conform to the syntax of [MS-PNRP] 2.2.3.3 (the decoder's refusal).
    case undecodable(WireError)
    /// A hand-assembled payload breaks a structural rule of [MS-PNRP] 2.2.3.3 (sizes, string termination).
    case malformed(String)
    /// The CPA has flag X but the AUTHORITY_BUFFER carries no EXTENDED_PAYLOAD ([MS-PNRP] 3.1.5.7).
    case missing
    /// The public key that should verify the signature is not a 32-byte Ed25519 key.
    case unsupportedKey(String)
    /// `now` is past Not After ([MS-PNRP] 3.1.5.8).
    case expired(notAfter: FileTime, now: FileTime)
    /// Not After lies further ahead than a CPA may claim: 7 days plus the clock-skew allowance (C5, C8).
    case validityTooLong(notAfter: FileTime, latestAccepted: FileTime)
    /// The payload is published for another PNRP ID than the one asked about ([MS-PNRP] 3.1.5.8).
    case wrongID(expected: PNRPID, actual: PNRPID)
    /// The nonce is not the INQUIRE's ([MS-PNRP] 3.1.5.8): a replayed or unsolicited payload.
    case nonceMismatch
    /// The Ed25519 signature does not verify under the CPA's public key ([MS-PNRP] 3.1.5.8, 3.1.5.9).
    case badSignature

    public var description: String {
        switch self {
        case .undecodable(let e): "malformed EXTENDED_PAYLOAD: \(e)"
        case .malformed(let why): "malformed EXTENDED_PAYLOAD: \(why)"
        case .missing: "the CPA announces an extended payload (flag X) but the answer carries none"
        case .unsupportedKey(let why): "cannot check the extended payload's signature: \(why); only Ed25519 keys (32 bytes) are accepted"
        case .expired(let notAfter, let now): "the extended payload expired at \(notAfter) (now \(now)); ask the publisher again"
        case .validityTooLong(let notAfter, let latest):
            "the extended payload claims validity until \(notAfter), later than the 7 days (plus 1 hour skew) allowed, i.e. \(latest); check the publisher's clock"
        case .wrongID(let expected, let actual): "the extended payload is published for \(actual), not for the expected \(expected)"
        case .nonceMismatch: "the extended payload's nonce is not the one sent in the INQUIRE: a replayed or unsolicited payload"
        case .badSignature: "the extended payload's Ed25519 signature does not verify under the CPA's key: it was altered or signed by someone else"
        }
    }
}
