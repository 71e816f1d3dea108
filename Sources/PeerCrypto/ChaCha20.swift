import CSodium

/// The ChaCha20 keystream from libsodium, in its original form (64-bit nonce, 64-bit block counter):
/// `crypto_stream_chacha20_xor_ic` applied to zero bytes.
///
/// A building block for generators that must be unpredictable without their key yet replayable from it
/// (the PNRP node's generator). Not an encryption API: nothing here authenticates, and a key and nonce pair
/// must never produce two different streams that are both used to hide data.
public enum ChaCha20 {
    /// Bytes in a key.
    public static let keyByteCount = 32
    /// Bytes in a nonce.
    public static let nonceByteCount = 8
    /// Bytes in one keystream block.
    public static let blockByteCount = 64

    /// Overwrites `output` with the keystream of `key` and `nonce` that starts at block `counter`.
    ///
    /// `output` may have any length; a length that is not a multiple of `blockByteCount` ends inside a
    /// block. The counter is 64 bits wide, so a stream never wraps in practice.
    ///
    /// - Precondition: `key` has `keyByteCount` bytes and `nonce` has `nonceByteCount` bytes (a programming
    ///   error otherwise: neither ever comes from a peer).
    public static func keystream(into output: UnsafeMutableRawBufferPointer, key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, counter: UInt64) {
        precondition(key.count == keyByteCount, "a ChaCha20 key has \(keyByteCount) bytes, not \(key.count)")
        precondition(nonce.count == nonceByteCount, "a ChaCha20 nonce has \(nonceByteCount) bytes, not \(nonce.count)")
        guard let base = output.baseAddress, output.count > 0 else { return }
        Sodium.ensure()
        output.initializeMemory(as: UInt8.self, repeating: 0)
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        _ = crypto_stream_chacha20_xor_ic(
            bytes, bytes, UInt64(output.count), nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), counter,
            key.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// `count` keystream bytes of `key` and `nonce` from block `counter` (see
    /// `keystream(into:key:nonce:counter:)`).
    public static func keystream(count: Int, key: [UInt8], nonce: [UInt8], counter: UInt64 = 0) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Swift.max(count, 0))
        key.withUnsafeBytes { k in
            nonce.withUnsafeBytes { n in
                out.withUnsafeMutableBytes { keystream(into: $0, key: k, nonce: n, counter: counter) }
            }
        }
        return out
    }
}
