import CSodium

/// Errors from the AEAD wrappers. Each says what was wrong.
public enum AEADError: Error, Equatable, CustomStringConvertible {
    /// The key must be exactly 32 bytes.
    case badKeyLength(Int)
    /// The nonce must be exactly 24 bytes.
    case badNonceLength(Int)
    /// A ciphertext shorter than the 16-byte tag cannot be opened.
    case ciphertextTooShort(Int)
    /// The plaintext is longer than the construction allows.
    case messageTooLong(Int)
    /// The tag did not verify: wrong key, nonce or additional data, or the ciphertext was altered.
    case authenticationFailed

    /// One sentence saying what was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case .badKeyLength(let n): "AEAD key has \(n) bytes; it must have \(XChaCha20Poly1305.keyByteCount)."
        case .badNonceLength(let n): "AEAD nonce has \(n) bytes; it must have \(XChaCha20Poly1305.nonceByteCount)."
        case .ciphertextTooShort(let n): "AEAD ciphertext has \(n) bytes; it needs at least the \(XChaCha20Poly1305.tagByteCount)-byte tag."
        case .messageTooLong(let n): "AEAD plaintext of \(n) bytes is longer than the construction allows."
        case .authenticationFailed: "AEAD authentication failed: wrong key, nonce or additional data, or altered ciphertext."
        }
    }
}

/// XChaCha20-Poly1305 with a 24-byte nonce (`crypto_aead_xchacha20poly1305_ietf_*`). The ciphertext is the
/// encrypted message followed by its 16-byte tag.
public enum XChaCha20Poly1305 {
    /// Key length in bytes.
    public static let keyByteCount = 32
    /// Nonce length in bytes; random nonces are safe at this size.
    public static let nonceByteCount = 24
    /// Tag length in bytes.
    public static let tagByteCount = 16

    /// Encrypts and authenticates `plaintext`, also authenticating `additionalData`; returns ciphertext || tag.
    public static func seal(
        _ plaintext: some Collection<UInt8>,
        key: some Collection<UInt8>,
        nonce: some Collection<UInt8>,
        additionalData: some Collection<UInt8>
    ) throws(AEADError) -> [UInt8] {
        var (keyBytes, nonceBytes) = try checked(key: key, nonce: nonce)
        defer { ConstantTime.wipe(&keyBytes) }
        let message = Array(plaintext)
        guard message.count <= sizeLimit(crypto_aead_xchacha20poly1305_ietf_messagebytes_max()) else {
            throw .messageTooLong(message.count)
        }
        let ad = Array(additionalData)
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: message.count + tagByteCount)
        var written: UInt64 = 0
        message.withUnsafeBufferPointer { m in
            ad.withUnsafeBufferPointer { a in
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                    &out, &written, m.baseAddress ?? emptyInput, UInt64(m.count),
                    a.baseAddress ?? emptyInput, UInt64(a.count), nil, nonceBytes, keyBytes)
            }
        }
        return out
    }

    /// Verifies and decrypts ciphertext || tag. Throws `.authenticationFailed` when anything was altered or the key,
    /// nonce or additional data differ from sealing; no plaintext is released then.
    public static func open(
        _ ciphertext: some Collection<UInt8>,
        key: some Collection<UInt8>,
        nonce: some Collection<UInt8>,
        additionalData: some Collection<UInt8>
    ) throws(AEADError) -> [UInt8] {
        var (keyBytes, nonceBytes) = try checked(key: key, nonce: nonce)
        defer { ConstantTime.wipe(&keyBytes) }
        let sealed = Array(ciphertext)
        guard sealed.count >= tagByteCount else { throw .ciphertextTooShort(sealed.count) }
        let ad = Array(additionalData)
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: sealed.count - tagByteCount)
        var written: UInt64 = 0
        let result = sealed.withUnsafeBufferPointer { c in
            ad.withUnsafeBufferPointer { a in
                out.withUnsafeMutableBufferPointer { o in
                    withScratchByte { scratch in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            o.baseAddress ?? scratch, &written, nil, c.baseAddress!, UInt64(c.count),
                            a.baseAddress ?? emptyInput, UInt64(a.count), nonceBytes, keyBytes)
                    }
                }
            }
        }
        guard result == 0 else {
            ConstantTime.wipe(&out)
            throw .authenticationFailed
        }
        return out
    }

    /// The key and nonce as arrays, after checking their lengths. The caller wipes the key copy.
    private static func checked(key: some Collection<UInt8>, nonce: some Collection<UInt8>) throws(AEADError) -> (key: [UInt8], nonce: [UInt8]) {
        var keyBytes = Array(key)
        guard keyBytes.count == keyByteCount else {
            ConstantTime.wipe(&keyBytes)
            throw .badKeyLength(keyBytes.count)
        }
        let nonceBytes = Array(nonce)
        guard nonceBytes.count == nonceByteCount else {
            ConstantTime.wipe(&keyBytes)
            throw .badNonceLength(nonceBytes.count)
        }
        return (keyBytes, nonceBytes)
    }
}
