import CCrypto

/// SHA-1 through OpenSSL libcrypto. [MS-PNRP] 3.1.4.3 builds P2P IDs and nonce hashes from it.
public enum SHA1 {
    /// Digest length in bytes.
    public static let byteCount = 20

    /// Returns the 20-byte SHA-1 digest of `data`.
    public static func hash<D: Collection<UInt8>>(_ data: D) -> [UInt8] {
        OpenSSL.ensure()
        var out = [UInt8](repeating: 0, count: byteCount)
        let bytes = Array(data)
        bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                _ = CCrypto.SHA1(input.baseAddress, input.count, output.baseAddress)
            }
        }
        return out
    }
}

/// SHA-256 through OpenSSL libcrypto.
public enum SHA256 {
    /// Digest length in bytes.
    public static let byteCount = 32

    /// Returns the 32-byte SHA-256 digest of `data`.
    public static func hash<D: Collection<UInt8>>(_ data: D) -> [UInt8] {
        OpenSSL.ensure()
        var out = [UInt8](repeating: 0, count: byteCount)
        let bytes = Array(data)
        bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                _ = CCrypto.SHA256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        return out
    }
}
