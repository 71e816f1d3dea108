import PNRP
import PeerCrypto

/// How the driver keys the generators of its nodes (`NodeRandom`), from which their Message IDs and nonces
/// come (`docs/deviations.md`, item N23).
enum NodeKeying {
    /// Each node gets 32 bytes from the system's secure generator (libsodium's `randombytes_buf`): what a
    /// node on a real network needs, since nobody can then predict its Message IDs or nonces.
    case system
    /// Each node gets a seed from a generator seeded with `HostConfiguration.randomSeed`: runs repeat, so
    /// the values are predictable by anyone who knows the seed. For benchmarks and tests.
    case seeded(RandomSource)

    /// The keying `configuration` asks for.
    init(_ configuration: HostConfiguration) {
        self = configuration.randomSeed.map { .seeded(RandomSource(seed: $0)) } ?? .system
    }

    /// Keys the generator of the node `node` configures.
    mutating func key(_ node: inout NodeConfiguration) {
        switch self {
        case .system:
            node.randomKey = SecureRandom.bytes(ChaCha20.keyByteCount)
        case .seeded(var random):
            node.randomKey = nil
            node.seed = random.next()
            self = .seeded(random)
        }
    }
}
