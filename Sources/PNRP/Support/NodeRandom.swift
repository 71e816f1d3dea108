import PeerCrypto

/// The generator a `PNRPNode` draws every random value from: Message IDs, nonces, service-location salts,
/// the cache centre, timer jitter and its choices of peers. A ChaCha20 keystream (libsodium, through
/// `PeerCrypto.ChaCha20`) read as little-endian 64-bit words.
///
/// Message IDs and nonces are what keep an off-path host from forging answers ([MS-PNRP] 2.2.1 asks only
/// that IDs be unlikely to repeat; 3.1.4.4.2 and 3.2.5.3 rely on the nonces), so the generator must not
/// let anyone who sees some of its outputs work out the others: without the key, ChaCha20's keystream
/// cannot be told from random bytes (`docs/deviations.md`, item N23). The key is 32 bytes from the system's
/// secure generator on a real network (`NodeConfiguration.randomKey`) and is derived from the node's seed
/// in simulations and tests, so one seed still gives one run, byte for byte.
public struct NodeRandom: RandomNumberGenerator, Sendable {
    /// The ChaCha20 key, as its 32 bytes lie in memory (raw words, not numbers).
    private let key: (UInt64, UInt64, UInt64, UInt64)
    /// The current keystream block, as its 64 bytes lie in memory.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// The counter of the next block to generate.
    private var nextBlock: UInt64 = 0
    /// Words of `block` already handed out (8: none left).
    private var used = 8

    /// Domain separation of the key derivation, so that no other use of the same bytes yields this stream.
    private static let label = Array("PNRP node generator v1".utf8)

    /// A generator keyed by SHA-256 over a fixed label and `keyMaterial` (any length; 32 bytes from the
    /// system's secure generator on a real network).
    public init(keyMaterial: [UInt8]) {
        var digest = SHA256.hash(Self.label + keyMaterial)
        defer { ConstantTime.wipe(&digest) }
        key = digest.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    /// A generator for simulations and tests, keyed from `seed` (its 8 little-endian bytes as key material):
    /// the same seed gives the same stream on every run and every machine.
    public init(seed: UInt64) {
        self.init(keyMaterial: (0..<8).map { UInt8(truncatingIfNeeded: seed >> (8 * UInt64($0))) })
    }

    /// The generator `configuration` asks for: keyed by `randomKey` when it has one, else by `seed`.
    public init(configuration: NodeConfiguration) {
        if let key = configuration.randomKey { self.init(keyMaterial: key) } else { self.init(seed: configuration.seed) }
    }

    /// The next 64 random bits: the next eight keystream bytes, little-endian.
    public mutating func next() -> UInt64 {
        if used == 8 { refill() }
        let raw = withUnsafeBytes(of: &block) { $0.load(fromByteOffset: used &* 8, as: UInt64.self) }
        used &+= 1
        return UInt64(littleEndian: raw)
    }

    /// `count` random bytes: whole words, little-endian, as `next()` gives them.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Swift.max(count, 0))
        while out.count < count {
            var v = next()
            for _ in 0..<Swift.min(8, count - out.count) {
                out.append(UInt8(truncatingIfNeeded: v))
                v >>= 8
            }
        }
        return out
    }

    /// A uniformly random 256-bit ID.
    public mutating func pnrpID() -> PNRPID { PNRPID(next(), next(), next(), next()) }

    /// Generates the next keystream block.
    private mutating func refill() {
        let counter = nextBlock
        nextBlock &+= 1
        let nonce: UInt64 = 0
        withUnsafeBytes(of: key) { k in
            withUnsafeBytes(of: nonce) { n in
                withUnsafeMutableBytes(of: &block) { ChaCha20.keystream(into: $0, key: k, nonce: n, counter: counter) }
            }
        }
        used = 0
    }
}
