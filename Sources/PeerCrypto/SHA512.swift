import CSodium

/// SHA-512 through libsodium (`crypto_hash_sha512`).
public enum SHA512 {
    /// Digest length in bytes.
    public static let byteCount = 64

    /// Returns the 64-byte SHA-512 digest of `data`.
    public static func hash<D: Collection<UInt8>>(_ data: D) -> [UInt8] {
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: byteCount)
        let hashed = data.withContiguousStorageIfAvailable { input in
            crypto_hash_sha512(&out, input.baseAddress ?? emptyInput, UInt64(input.count))
        }
        if hashed == nil {
            let bytes = Array(data)
            bytes.withUnsafeBufferPointer { input in
                _ = crypto_hash_sha512(&out, input.baseAddress ?? emptyInput, UInt64(input.count))
            }
        }
        return out
    }
}
