import CCrypto

/// Errors from `HKDF`. Each says what was wrong.
public enum HKDFError: Error, Equatable, CustomStringConvertible {
    /// The requested output length is outside 1...16320 (RFC 5869 allows at most 255 hash lengths).
    case badOutputLength(Int)
    /// OpenSSL refused or failed; the associated text names the call.
    case openSSLFailure(String)

    /// One sentence saying what was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case .badOutputLength(let n):
            "HKDF-SHA-512 output of \(n) bytes requested; it must be 1 to \(HKDF.maximumSHA512OutputByteCount)."
        case .openSSLFailure(let call): "HKDF-SHA-512 failed inside OpenSSL (\(call))."
        }
    }
}

/// HKDF (RFC 5869) through OpenSSL's `EVP_KDF` "HKDF" implementation, extract then expand.
public enum HKDF {
    /// The most output HKDF-SHA-512 can give: 255 blocks of 64 bytes.
    public static let maximumSHA512OutputByteCount = 255 * 64

    /// Derives `outputByteCount` bytes with HKDF-SHA-512 (extract with `salt`, expand with `info`).
    ///
    /// An empty salt stands for 64 zero bytes, as RFC 5869 says. Internal copies of the key material are wiped, and
    /// OpenSSL clears its own copies when the KDF context is freed.
    public static func sha512(
        inputKeyMaterial: some Collection<UInt8>,
        salt: some Collection<UInt8>,
        info: some Collection<UInt8>,
        outputByteCount: Int
    ) throws(HKDFError) -> [UInt8] {
        guard (1...maximumSHA512OutputByteCount).contains(outputByteCount) else {
            throw .badOutputLength(outputByteCount)
        }
        OpenSSL.ensure()
        guard let kdf = EVP_KDF_fetch(nil, cString("HKDF"), nil) else { throw .openSSLFailure("EVP_KDF_fetch HKDF") }
        defer { EVP_KDF_free(kdf) }
        guard let context = EVP_KDF_CTX_new(kdf) else { throw .openSSLFailure("EVP_KDF_CTX_new") }
        defer { EVP_KDF_CTX_free(context) }

        // One trailing byte keeps every buffer non-empty, so every address handed to OpenSSL is valid;
        // the lengths passed exclude it.
        var key = Array(inputKeyMaterial) + [0]
        var saltBytes = Array(salt) + [0]
        var infoBytes = Array(info) + [0]
        var digestName = Array("SHA512".utf8CString)
        var out = [UInt8](repeating: 0, count: outputByteCount)
        defer {
            ConstantTime.wipe(&key)
            ConstantTime.wipe(&saltBytes)
        }
        let result = key.withUnsafeMutableBytes { k in
            saltBytes.withUnsafeMutableBytes { s in
                infoBytes.withUnsafeMutableBytes { i in
                    digestName.withUnsafeMutableBufferPointer { d in
                        out.withUnsafeMutableBufferPointer { o in
                            var params = [
                                OSSL_PARAM_construct_utf8_string(cString("digest"), d.baseAddress!, 0),
                                OSSL_PARAM_construct_octet_string(cString("key"), k.baseAddress!, k.count - 1),
                                OSSL_PARAM_construct_octet_string(cString("salt"), s.baseAddress!, s.count - 1),
                                OSSL_PARAM_construct_octet_string(cString("info"), i.baseAddress!, i.count - 1),
                                OSSL_PARAM_construct_end(),
                            ]
                            return EVP_KDF_derive(context, o.baseAddress!, o.count, &params)
                        }
                    }
                }
            }
        }
        guard result == 1 else {
            ConstantTime.wipe(&out)
            throw .openSSLFailure("EVP_KDF_derive")
        }
        return out
    }

    /// A NUL-terminated C string with static lifetime, for OpenSSL parameter names it keeps pointers to.
    private static func cString(_ s: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
