import PeerCrypto

/// The Argon2id cost of an invitation file's key: memory and passes. The file carries it (authenticated with
/// everything else), so the writer chooses it and readers follow, within bounds that keep a hostile file from
/// exhausting the reader's memory.
public struct InvitationFileCost: Hashable, Sendable, CustomStringConvertible {
    /// Memory filled, in KiB.
    public var memoryKiB: UInt32
    /// Passes over the memory.
    public var passes: UInt8

    /// What `easy-connect` writes: 64 MiB, 3 passes (about 90 ms on one core of the reference machine).
    public static let standard = InvitationFileCost(memoryKiB: 64 * 1024, passes: 3)
    /// The most memory a reader spends on one file: 256 MiB.
    public static let maximumMemoryKiB: UInt32 = 256 * 1024
    /// The most passes a reader runs.
    public static let maximumPasses: UInt8 = 10

    /// A cost of `memoryKiB` KiB and `passes` passes.
    public init(memoryKiB: UInt32, passes: UInt8) {
        self.memoryKiB = memoryKiB
        self.passes = passes
    }

    /// Why this cost is refused (out of libsodium's range or above the reader's bounds), nil if usable.
    public var problem: String? {
        let bytes = Int(memoryKiB) * 1024
        if !Argon2id.memoryBytesRange.contains(bytes) || memoryKiB > Self.maximumMemoryKiB {
            return "asks for \(memoryKiB) KiB of memory; from \(Argon2id.memoryBytesRange.lowerBound / 1024) to \(Self.maximumMemoryKiB) KiB are accepted"
        }
        if !Argon2id.passesRange.contains(Int(passes)) || passes > Self.maximumPasses {
            return "asks for \(passes) passes; from \(max(1, Argon2id.passesRange.lowerBound)) to \(Self.maximumPasses) are accepted"
        }
        return nil
    }

    /// The 32-byte key of `password` with `salt` (16 bytes).
    func key(for password: InvitationFilePassword, salt: [UInt8]) throws(InvitationFileError) -> [UInt8] {
        do {
            return try Argon2id.deriveKey(
                byteCount: XChaCha20Poly1305.keyByteCount, password: password.utf8, salt: salt,
                parameters: Argon2id.Parameters(passes: Int(passes), memoryBytes: Int(memoryKiB) * 1024))
        } catch {
            throw .keyDerivation(error.description)
        }
    }

    /// `64 MiB, 3 passes`.
    public var description: String {
        memoryKiB % 1024 == 0 ? "\(memoryKiB / 1024) MiB, \(passes) passes" : "\(memoryKiB) KiB, \(passes) passes"
    }
}
