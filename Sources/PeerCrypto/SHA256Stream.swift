import CCrypto

/// Incremental SHA-256 (OpenSSL EVP, uses SHA-NI where present) for hashing large files while they stream.
///
/// A single-owner object: feed it with `update` from one task, then `finalize`. It is deliberately not `Sendable`.
public final class SHA256Stream {
    /// Digest length in bytes.
    public static let byteCount = 32

    private let context: OpaquePointer

    /// Starts an empty SHA-256 computation.
    ///
    /// Traps only if OpenSSL cannot allocate a digest context or has no SHA-256 implementation loaded, which no
    /// caller could recover from.
    public init() {
        OpenSSL.ensure()
        guard let context = EVP_MD_CTX_new() else {
            preconditionFailure("OpenSSL could not allocate a digest context (EVP_MD_CTX_new)")
        }
        self.context = context
        restart()
    }

    deinit {
        EVP_MD_CTX_free(context)  // clears the context before freeing it
    }

    private func restart() {
        precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "OpenSSL has no usable SHA-256 (EVP_DigestInit_ex)")
    }

    /// Feeds raw bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Feeds a byte collection (arrays, slices, `Data` and other contiguous collections without a copy).
    public func update(_ data: some Collection<UInt8>) {
        let done: Void? = data.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(data).withUnsafeBytes { update($0) }
        }
    }

    /// Returns the 32-byte digest of everything fed since the last `finalize` (or `init`) and resets the stream, so
    /// the object can hash the next file.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &out, &length)
        restart()
        return out
    }
}
