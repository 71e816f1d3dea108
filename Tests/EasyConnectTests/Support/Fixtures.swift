import EasyConnect
import PNRP
import PeerCrypto

/// Deterministic identities, passwords and invitations for tests.
enum Fixtures {
    static let now = NodeInstant.virtualEpoch
    static var nowSeconds: UInt64 { now.nanoseconds / 1_000_000_000 }

    /// Cheap Argon2id so that tests run quickly; the command uses `RendezvousParameters.standard`.
    static let cheapRendezvous = RendezvousParameters(argon2: Argon2id.Parameters(passes: 1, memoryBytes: 8 << 20))

    static func key(_ n: UInt8) -> Ed25519PrivateKey { try! Ed25519PrivateKey(seed: [UInt8](repeating: n, count: 32)) }

    static func seed(_ n: UInt8) -> [UInt8] { [UInt8](repeating: n, count: 32) }

    static let userIdentity = LocalIdentity(key: key(1), displayName: "Ursula", computerName: "ursula-laptop")
    static let helperIdentity = LocalIdentity(key: key(2), displayName: "Hector", computerName: "hector-desk")

    static func password(_ text: String = "BCDF GHJK MNPQ") -> EasyConnectPassword { try! EasyConnectPassword(parsing: text) }

    static func invitation(expiresIn seconds: UInt64 = 1800, userKey: Ed25519PublicKey = userIdentity.key.publicKey) -> Invitation {
        Invitation(
            id: [UInt8](repeating: 7, count: 16), expiresAt: nowSeconds + seconds, userKey: userKey, displayName: "Ursula", computerName: "ursula-laptop",
            endpoints: [SessionEndpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 40_000)])
    }
}
