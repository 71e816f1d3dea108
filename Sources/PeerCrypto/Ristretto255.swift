import CSodium

/// Errors from `Ristretto255`. Each says what was wrong with the input.
public enum Ristretto255Error: Error, Equatable, CustomStringConvertible {
    /// An element encoding must be exactly 32 bytes.
    case badElementLength(Int)
    /// A scalar must be exactly 32 bytes.
    case badScalarLength(Int)
    /// Input to the from-uniform-bytes map must be exactly 64 bytes.
    case badUniformLength(Int)
    /// Input to scalar reduction must be exactly 64 bytes.
    case badWideScalarLength(Int)
    /// The 32 bytes are not the canonical encoding of a ristretto255 element.
    case invalidElement
    /// The product is the identity element (the scalar is a multiple of the group order, or the element is the
    /// identity); libsodium refuses to return it.
    case identityResult

    /// One sentence saying what was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case .badElementLength(let n): "ristretto255 element has \(n) bytes; it must have 32."
        case .badScalarLength(let n): "ristretto255 scalar has \(n) bytes; it must have 32."
        case .badUniformLength(let n): "ristretto255 from-uniform-bytes input has \(n) bytes; it must have 64."
        case .badWideScalarLength(let n): "ristretto255 scalar to reduce has \(n) bytes; it must have 64."
        case .invalidElement: "The bytes are not a canonical ristretto255 element encoding."
        case .identityResult: "The ristretto255 scalar multiplication gave the identity element."
        }
    }
}

/// The ristretto255 prime-order group (RFC 9496) through libsodium's `crypto_core_ristretto255_*` and
/// `crypto_scalarmult_ristretto255`. Elements travel as their canonical 32-byte encodings, scalars as 32
/// little-endian bytes.
public enum Ristretto255 {
    /// Length of an element encoding.
    public static let elementByteCount = 32
    /// Length of a scalar.
    public static let scalarByteCount = 32
    /// Length of the input to the from-uniform-bytes map (and to scalar reduction).
    public static let uniformByteCount = 64

    /// Maps 64 uniformly random bytes to a group element: RFC 9496's element derivation
    /// (`crypto_core_ristretto255_from_hash`).
    public static func element(fromUniformBytes bytes: some Collection<UInt8>) throws(Ristretto255Error) -> [UInt8] {
        var input = Array(bytes)
        defer { ConstantTime.wipe(&input) }
        guard input.count == uniformByteCount else { throw .badUniformLength(input.count) }
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: elementByteCount)
        _ = crypto_core_ristretto255_from_hash(&out, input)
        return out
    }

    /// Reduces 64 little-endian bytes modulo the group order (`crypto_core_ristretto255_scalar_reduce`).
    public static func scalar(reducing wideBytes: some Collection<UInt8>) throws(Ristretto255Error) -> [UInt8] {
        var input = Array(wideBytes)
        defer { ConstantTime.wipe(&input) }
        guard input.count == uniformByteCount else { throw .badWideScalarLength(input.count) }
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: scalarByteCount)
        crypto_core_ristretto255_scalar_reduce(&out, input)
        return out
    }

    /// True when `bytes` is the canonical encoding of a group element, the identity (32 zero bytes) included.
    /// Bytes of the wrong length are simply not valid.
    public static func isValidElement(_ bytes: some Collection<UInt8>) -> Bool {
        let input = Array(bytes)
        guard input.count == elementByteCount else { return false }
        return isCanonical(input)
    }

    /// RFC 9496 section 4.3.1: decoding fails for any 32 bytes whose little-endian value is at least p = 2^255 - 19.
    /// libsodium 1.0.18 checks that for the low 255 bits but ignores bit 255, so an encoding with the top bit set
    /// would decode to the same element as the one without it; that bit is refused here first. The encoding is
    /// public, so the early return leaks nothing.
    private static func isCanonical(_ encoding: [UInt8]) -> Bool {
        guard encoding[31] & 0x80 == 0 else { return false }
        Sodium.ensure()
        return crypto_core_ristretto255_is_valid_point(encoding) == 1
    }

    /// Returns `scalar` times `element` (`crypto_scalarmult_ristretto255`).
    ///
    /// Throws `.invalidElement` for a non-canonical encoding and `.identityResult` when the product is the identity,
    /// which includes an identity `element` and a zero scalar. libsodium ignores the scalar's top bit. The internal
    /// copy of the scalar is wiped.
    public static func multiply(
        scalar: some Collection<UInt8>,
        element: some Collection<UInt8>
    ) throws(Ristretto255Error) -> [UInt8] {
        var scalarBytes = Array(scalar)
        defer { ConstantTime.wipe(&scalarBytes) }
        guard scalarBytes.count == scalarByteCount else { throw .badScalarLength(scalarBytes.count) }
        let elementBytes = Array(element)
        guard elementBytes.count == elementByteCount else { throw .badElementLength(elementBytes.count) }
        Sodium.ensure()
        guard isCanonical(elementBytes) else { throw .invalidElement }
        var out = [UInt8](repeating: 0, count: elementByteCount)
        guard crypto_scalarmult_ristretto255(&out, scalarBytes, elementBytes) == 0 else { throw .identityResult }
        return out
    }
}
