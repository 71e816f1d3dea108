import PeerCrypto

/// How expensive it is to turn a password's leading part into a rendezvous name, and how often the
/// name changes. Both sides must use the same values; `standard` is what the `easy-connect` command uses.
public struct RendezvousParameters: Hashable, Sendable {
    /// Argon2id cost of one derivation (one guess, for an attacker).
    public var argon2: Argon2id.Parameters
    /// Length of a rendezvous epoch in seconds: the salt, and so every name, changes this often.
    public var epochSeconds: UInt64
    /// How far apart the two sides' clocks may be, in seconds: the User publishes under every epoch that
    /// its invitation's lifetime touches, widened by this much on both sides.
    public var clockSkewSeconds: UInt64

    /// Builds parameters.
    public init(argon2: Argon2id.Parameters, epochSeconds: UInt64 = 3600, clockSkewSeconds: UInt64 = 300) {
        self.argon2 = argon2
        self.epochSeconds = max(epochSeconds, 60)
        self.clockSkewSeconds = clockSkewSeconds
    }

    /// Argon2id with 2 passes over 64 MiB, one-hour epochs, five minutes of clock skew
    /// (`docs/easy-connect.md`, "Choosing the Argon2id cost").
    public static let standard = RendezvousParameters(argon2: Argon2id.Parameters(passes: 2, memoryBytes: 64 << 20))

    /// The epoch containing `unixSeconds`.
    public func epoch(atUnixSeconds unixSeconds: UInt64) -> UInt64 { unixSeconds / epochSeconds }

    /// Every epoch an invitation living from `start` to `end` (Unix seconds) must be published under, so
    /// that a Helper whose clock is off by up to `clockSkewSeconds` finds it in its own current epoch.
    public func epochs(fromUnixSeconds start: UInt64, to end: UInt64) -> [UInt64] {
        let first = epoch(atUnixSeconds: start > clockSkewSeconds ? start - clockSkewSeconds : 0)
        let last = epoch(atUnixSeconds: max(start, end) + clockSkewSeconds)
        return Array(first...last)
    }
}
