import CSodium

/// HMAC-SHA-512 (RFC 2104) through libsodium's `crypto_auth_hmacsha512_init`/`update`/`final`, which take a key of
/// any length.
public enum HMACSHA512 {
    /// Length of an authentication code in bytes.
    public static let byteCount = 64

    /// Returns the 64-byte HMAC-SHA-512 of `message` under `key` (any length, empty included).
    /// The internal copy of the key and the hashing state are wiped before returning.
    public static func authenticationCode(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        Sodium.ensure()
        var keyBytes = Array(key)
        let messageBytes = Array(message)
        var state = crypto_auth_hmacsha512_state()
        var out = [UInt8](repeating: 0, count: byteCount)
        keyBytes.withUnsafeBufferPointer { k in
            _ = crypto_auth_hmacsha512_init(&state, k.baseAddress ?? emptyInput, k.count)
        }
        messageBytes.withUnsafeBufferPointer { m in
            _ = crypto_auth_hmacsha512_update(&state, m.baseAddress ?? emptyInput, UInt64(m.count))
        }
        _ = crypto_auth_hmacsha512_final(&state, &out)
        withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) }
        ConstantTime.wipe(&keyBytes)
        return out
    }
}
