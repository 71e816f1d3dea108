import CSodium

/// Errors from `DeterministicEntropy`.
public enum DeterministicEntropyError: Error, Equatable, CustomStringConvertible {
    /// A raw seed must be exactly 32 bytes.
    case badSeedLength(Int)

    /// One sentence saying what was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case .badSeedLength(let n): "Deterministic entropy seed has \(n) bytes; it must have 32."
        }
    }
}

/// A seeded, reproducible byte stream for tests and simulations: libsodium's `randombytes_buf_deterministic`
/// stream, continued across calls.
///
/// `randombytes_buf_deterministic(buf, n, seed)` is ChaCha20 (IETF variant) keyed by the 32-byte seed, with the nonce
/// `"LibsodiumDRG"` and the block counter starting at 0, so each call of it starts the same stream again. This type
/// keeps a block counter and the unread tail of the last block, and produces each next stretch with libsodium's
/// `crypto_stream_chacha20_ietf_xor_ic` from that counter: successive calls continue one stream and never repeat,
/// and the first `n` bytes drawn, however they are split between calls, equal `randombytes_buf_deterministic(n)`.
/// After 2^32 blocks (256 GiB) the 32-bit counter would wrap; from there the stream goes on under a nonce with the
/// number of wraps XORed into its last four bytes.
///
/// Not for secrets on real networks: the seed is kept in the value and is not wiped.
public struct DeterministicEntropy: EntropySource, Sendable {
    private static let baseNonce: [UInt8] = Array("LibsodiumDRG".utf8)
    private static let blockByteCount = 64

    private let key: [UInt8]
    /// Index of the next keystream block to produce, counted from the start of the stream.
    private var nextBlock: UInt64 = 0
    /// Bytes of the last produced block not handed out yet (fewer than 64).
    private var unread: [UInt8] = []

    /// A stream keyed by `seed` written as 8 little-endian bytes followed by 24 zero bytes.
    public init(seed: UInt64) {
        key = (0..<8).map { UInt8(truncatingIfNeeded: seed >> (8 * UInt64($0))) } + [UInt8](repeating: 0, count: 24)
    }

    /// A stream keyed by a 32-byte seed, as `randombytes_buf_deterministic` takes it.
    public init(seed32: [UInt8]) throws(DeterministicEntropyError) {
        guard seed32.count == 32 else { throw .badSeedLength(seed32.count) }
        key = seed32
    }

    /// A stream keyed by a 32-byte seed that starts at keystream block `block` instead of 0, so tests can reach the
    /// counter wrap without producing 256 GiB first.
    @_spi(Testing) public init(seed32: [UInt8], startingAtBlock block: UInt64) throws(DeterministicEntropyError) {
        try self.init(seed32: seed32)
        nextBlock = block
    }

    /// Returns the next `count` bytes of the stream (empty for a count of zero or less).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: count)
        var filled = min(unread.count, count)
        out.replaceSubrange(0..<filled, with: unread.prefix(filled))
        unread.removeFirst(filled)
        let blockBytes = Self.blockByteCount
        out.withUnsafeMutableBufferPointer { buffer in
            // Whole blocks straight into the output, never across a counter wrap, at most 1 MiB per libsodium call.
            while count - filled >= blockBytes {
                let untilWrap = (UInt64(1) << 32) - (nextBlock & 0xFFFF_FFFF)
                let blocks = min(UInt64((count - filled) / blockBytes), untilWrap, 16_384)
                let start = buffer.baseAddress! + filled
                keystream(into: start, byteCount: Int(blocks) * blockBytes)
                filled += Int(blocks) * blockBytes
                nextBlock += blocks
            }
        }
        if filled < count {
            var block = [UInt8](repeating: 0, count: blockBytes)
            block.withUnsafeMutableBufferPointer { keystream(into: $0.baseAddress!, byteCount: blockBytes) }
            nextBlock += 1
            let needed = count - filled
            out.replaceSubrange(filled..<count, with: block.prefix(needed))
            unread = Array(block[needed...])
            ConstantTime.wipe(&block)
        }
        return out
    }

    /// Writes keystream blocks starting at `nextBlock` over `byteCount` zero bytes at `start` (whole blocks, no wrap).
    private func keystream(into start: UnsafeMutablePointer<UInt8>, byteCount: Int) {
        var nonce = Self.baseNonce
        let wraps = UInt32(truncatingIfNeeded: nextBlock >> 32)
        for i in 0..<4 { nonce[8 + i] ^= UInt8(truncatingIfNeeded: wraps >> (8 * UInt32(i))) }
        let counter = UInt32(truncatingIfNeeded: nextBlock)
        _ = crypto_stream_chacha20_ietf_xor_ic(start, start, UInt64(byteCount), nonce, counter, key)
    }
}
