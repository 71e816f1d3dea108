import CSodium

/// The receiving half of `crypto_secretstream_xchacha20poly1305`: verifies and decrypts messages in the order they
/// were pushed.
///
/// Altered, reordered, replayed or foreign messages throw `.authenticationFailed` (the state is unchanged then).
/// After a `.final` message further pulls throw `.streamFinished`; a stream that ends without one was truncated,
/// which `isFinished` tells. A single-owner object (not `Sendable`); its state is wiped when it is released.
public final class SecretStreamPull {
    private let state = SecretStreamState()
    /// True once a `.final` message has been pulled. A transfer that ends while this is false was cut short.
    public private(set) var isFinished = false

    /// Starts receiving a stream under a 32-byte key with the sender's 24-byte header. The key copy is wiped.
    public init(key: some Collection<UInt8>, header: some Collection<UInt8>) throws(SecretStreamError) {
        var keyBytes = Array(key)
        defer { ConstantTime.wipe(&keyBytes) }
        guard keyBytes.count == SecretStreamPush.keyByteCount else { throw .badKeyLength(keyBytes.count) }
        let headerBytes = Array(header)
        guard headerBytes.count == SecretStreamPush.headerByteCount else { throw .badHeaderLength(headerBytes.count) }
        Sodium.ensure()
        guard crypto_secretstream_xchacha20poly1305_init_pull(state.pointer, headerBytes, keyBytes) == 0 else {
            throw .invalidHeader
        }
    }

    /// Verifies and decrypts one message into `output` without allocating; returns the plaintext length and tag.
    ///
    /// `output` must hold at least `ciphertext.count - 17` bytes. Nothing is written when verification fails.
    public func pull(
        _ ciphertext: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(SecretStreamError) -> (count: Int, tag: SecretStreamTag) {
        guard !isFinished else { throw .streamFinished }
        guard ciphertext.count >= SecretStreamPush.additionalByteCount, let input = ciphertext.baseAddress else {
            throw .ciphertextTooShort(ciphertext.count)
        }
        let needed = ciphertext.count - SecretStreamPush.additionalByteCount
        guard output.count >= needed else { throw .outputTooSmall(needed: needed, available: output.count) }
        var written: UInt64 = 0
        var tagByte: UInt8 = 0
        let result = withScratchByte { scratch in
            crypto_secretstream_xchacha20poly1305_pull(
                state.pointer, output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? scratch, &written, &tagByte,
                input.assumingMemoryBound(to: UInt8.self), UInt64(ciphertext.count), nil, 0)
        }
        guard result == 0 else { throw .authenticationFailed }
        guard let tag = SecretStreamTag(rawValue: tagByte) else { throw .unknownTag(tagByte) }
        if tag == .final { isFinished = true }
        return (Int(written), tag)
    }

    /// Verifies and decrypts one message; returns the plaintext and its tag.
    public func pull(_ ciphertext: some Collection<UInt8>) throws(SecretStreamError) -> (message: [UInt8], tag: SecretStreamTag) {
        let bytes = Array(ciphertext)
        var out = [UInt8](repeating: 0, count: max(bytes.count - SecretStreamPush.additionalByteCount, 0))
        let result = bytes.withUnsafeBytes { c in
            out.withUnsafeMutableBytes { o in
                Result { () throws(SecretStreamError) -> (count: Int, tag: SecretStreamTag) in try pull(c, into: o) }
            }
        }
        let (count, tag) = try result.get()
        return (Array(out.prefix(count)), tag)
    }
}
