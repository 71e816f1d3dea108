import CSodium

/// Cryptographically secure random bytes from libsodium (`randombytes_buf`).
///
/// Protocol code never calls this directly: it takes randomness as an input so runs can be replayed.
/// Drivers use it to seed those inputs and to create long-lived keys.
public enum SecureRandom {
    /// Returns `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: count)
        if count == 0 { return out }
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
        return out
    }

    /// Returns a uniformly random 64-bit value.
    public static func uint64() -> UInt64 {
        bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Constant-time helpers for secret material.
public enum ConstantTime {
    /// Compares two byte strings in time independent of where they differ (`sodium_memcmp`).
    /// Returns false at once when the lengths differ (lengths are not secret).
    public static func equal<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        let x = Array(a)
        let y = Array(b)
        guard x.count == y.count else { return false }
        if x.isEmpty { return true }
        Sodium.ensure()
        return x.withUnsafeBytes { px in
            y.withUnsafeBytes { py in
                sodium_memcmp(px.baseAddress!, py.baseAddress!, x.count) == 0
            }
        }
    }

    /// Overwrites `bytes` with zeros in a way the optimiser may not remove (`sodium_memzero`).
    public static func wipe(_ bytes: inout [UInt8]) {
        Sodium.ensure()
        if bytes.isEmpty { return }
        bytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress!, $0.count) }
    }
}
