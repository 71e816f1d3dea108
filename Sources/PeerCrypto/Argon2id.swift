import CSodium

/// Errors from `Argon2id`. Each says what was wrong.
public enum Argon2idError: Error, Equatable, CustomStringConvertible {
    /// The salt must be exactly `Argon2id.saltByteCount` (16) bytes.
    case badSaltLength(Int)
    /// The key length is outside what libsodium accepts (`Argon2id.keyByteCountRange`).
    case badKeyLength(Int)
    /// The password is longer than libsodium accepts.
    case passwordTooLong(Int)
    /// The pass count is outside `Argon2id.passesRange`.
    case passesOutOfRange(Int)
    /// The memory size in bytes is outside `Argon2id.memoryBytesRange`.
    case memoryOutOfRange(Int)
    /// Argon2id could not allocate its working memory.
    case outOfMemory(memoryBytes: Int)

    /// One sentence saying what was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case .badSaltLength(let n): "Argon2id salt has \(n) bytes; it must have \(Argon2id.saltByteCount)."
        case .badKeyLength(let n):
            "Argon2id key of \(n) bytes requested; it must be \(Argon2id.keyByteCountRange.lowerBound) to \(Argon2id.keyByteCountRange.upperBound)."
        case .passwordTooLong(let n): "Argon2id password has \(n) bytes; libsodium accepts at most \(Argon2id.passwordByteCountMaximum)."
        case .passesOutOfRange(let n):
            "Argon2id pass count \(n) is outside \(Argon2id.passesRange.lowerBound)...\(Argon2id.passesRange.upperBound)."
        case .memoryOutOfRange(let n):
            "Argon2id memory of \(n) bytes is outside \(Argon2id.memoryBytesRange.lowerBound)...\(Argon2id.memoryBytesRange.upperBound)."
        case .outOfMemory(let n): "Argon2id could not allocate \(n) bytes of working memory."
        }
    }
}

/// Argon2id (version 1.3) through libsodium's `crypto_pwhash` with `crypto_pwhash_ALG_ARGON2ID13`.
///
/// libsodium fixes the parallelism at 1 and takes no secret key or associated data.
public enum Argon2id {
    /// The cost of one derivation: libsodium's `opslimit` (passes over memory) and `memlimit` (bytes, used in whole
    /// KiB).
    public struct Parameters: Hashable, Sendable {
        /// Number of passes over the memory (`opslimit`).
        public var passes: Int
        /// Memory to fill, in bytes (`memlimit`); Argon2 uses `memoryBytes / 1024` KiB blocks.
        public var memoryBytes: Int

        /// Parameters with the given pass count and memory size in bytes.
        public init(passes: Int, memoryBytes: Int) {
            self.passes = passes
            self.memoryBytes = memoryBytes
        }
    }

    /// Salt length in bytes.
    public static let saltByteCount = 16
    /// Key lengths libsodium accepts.
    public static let keyByteCountRange = sizeLimit(crypto_pwhash_argon2id_bytes_min())...min(sizeLimit(crypto_pwhash_argon2id_bytes_max()), Int(UInt32.max))
    /// Longest password libsodium accepts, in bytes.
    public static let passwordByteCountMaximum = sizeLimit(crypto_pwhash_argon2id_passwd_max())
    /// Pass counts libsodium accepts.
    public static let passesRange = sizeLimit(crypto_pwhash_argon2id_opslimit_min())...sizeLimit(crypto_pwhash_argon2id_opslimit_max())
    /// Memory sizes in bytes libsodium accepts.
    public static let memoryBytesRange = sizeLimit(crypto_pwhash_argon2id_memlimit_min())...sizeLimit(crypto_pwhash_argon2id_memlimit_max())

    /// Derives a `byteCount`-byte key from `password` and a 16-byte `salt`.
    ///
    /// Inputs are checked against libsodium's bounds first, so a failure of the call itself means the working memory
    /// could not be allocated. The internal copy of the password is wiped.
    public static func deriveKey(
        byteCount: Int,
        password: some Collection<UInt8>,
        salt: some Collection<UInt8>,
        parameters: Parameters
    ) throws(Argon2idError) -> [UInt8] {
        let saltBytes = Array(salt)
        guard saltBytes.count == saltByteCount else { throw .badSaltLength(saltBytes.count) }
        guard keyByteCountRange.contains(byteCount) else { throw .badKeyLength(byteCount) }
        guard passesRange.contains(parameters.passes) else { throw .passesOutOfRange(parameters.passes) }
        guard memoryBytesRange.contains(parameters.memoryBytes) else { throw .memoryOutOfRange(parameters.memoryBytes) }
        var passwordBytes = Array(password)
        defer { ConstantTime.wipe(&passwordBytes) }
        guard passwordBytes.count <= passwordByteCountMaximum else { throw .passwordTooLong(passwordBytes.count) }
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: byteCount)
        let result = passwordBytes.withUnsafeBytes { p in
            out.withUnsafeMutableBufferPointer { o in
                p.withMemoryRebound(to: CChar.self) { pc in
                    crypto_pwhash(
                        o.baseAddress!, UInt64(byteCount),
                        pc.baseAddress ?? UnsafeRawPointer(emptyInput).assumingMemoryBound(to: CChar.self), UInt64(pc.count),
                        saltBytes, UInt64(parameters.passes), Int(parameters.memoryBytes),
                        crypto_pwhash_alg_argon2id13())
                }
            }
        }
        guard result == 0 else {
            ConstantTime.wipe(&out)
            throw .outOfMemory(memoryBytes: parameters.memoryBytes)
        }
        return out
    }
}
