import PeerCrypto

extension DeterministicEntropy {
    /// A ChaCha20 stream keyed by SHA-256 of `seed` (any length). The drivers pass 32 bytes drawn from the
    /// system's secure generator, which makes the stream a sound generator for the connection's secrets
    /// (CPace scalars, session IDs) while tests pass fixed seeds and get the same bytes every run.
    init(fromSeed seed: [UInt8]) {
        var key = SHA256.hash(seed)
        defer { ConstantTime.wipe(&key) }
        // SHA-256 output is always 32 bytes, the only length `init(seed32:)` takes: a failure here is a
        // broken build, and a predictable fallback would make the handshake's secrets predictable.
        guard let stream = try? DeterministicEntropy(seed32: key) else { preconditionFailure("SHA-256 gave \(key.count) bytes") }
        self = stream
    }
}
