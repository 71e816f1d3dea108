import CSodium

/// The operating system's CSPRNG through libsodium's `randombytes_buf`. The entropy source for real networks.
public struct SystemEntropy: EntropySource, Sendable {
    /// Creates a handle on the system generator. It holds no state of its own.
    public init() {}

    /// Returns `count` bytes from `randombytes_buf` (empty for a count of zero or less).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
        return out
    }
}
