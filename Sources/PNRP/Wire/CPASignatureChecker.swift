import PeerCrypto

/// Checks the Ed25519 signature of a CPA ([MS-PNRP] 3.1.5.9 with the Ed25519 profile of
/// `docs/deviations.md` C1), and hears about the CPAs its node signs.
///
/// A node on a real network uses `DirectCPASignatureChecker`, which checks every signature when asked. A
/// process that runs many nodes (the simulator) may give them one shared checker that remembers results
/// keyed by public key, signed bytes and signature, so each distinct CPA is checked once and can be checked
/// ahead of its delivery on another core; any changed byte is a different key and is checked afresh
/// (`docs/deviations.md`, item S1).
public protocol CPASignatureChecker: Sendable {
    /// True when the CPA's signature is a valid Ed25519 signature, by its public key, of its bytes before
    /// the SIGNATURE structure (`CPA.signedBytes`).
    func isValidSignature(of cpa: CPA) -> Bool
    /// Called after a node signed `cpa`, before it is sent. The direct checker does nothing.
    func didSign(_ cpa: CPA)
}

/// The checker of a node on a real network: libsodium's `crypto_sign_verify_detached` on every call.
public struct DirectCPASignatureChecker: CPASignatureChecker {
    /// A direct checker.
    public init() {}

    /// libsodium's check of the signature over `cpa.signedBytes` ([MS-PNRP] 3.1.5.9); false for a key that
    /// is not 32 bytes.
    public func isValidSignature(of cpa: CPA) -> Bool {
        guard let key = try? Ed25519PublicKey(bytes: cpa.publicKey) else { return false }
        return key.isValidSignature(cpa.signature, for: cpa.signedBytes)
    }

    /// Nothing: a direct checker checks when asked.
    public func didSign(_ cpa: CPA) {}
}
