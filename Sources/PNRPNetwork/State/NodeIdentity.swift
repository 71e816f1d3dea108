import Foundation
import PNRP
import PeerCrypto

/// The node's long-term Ed25519 key: it signs the CPAs of the names the node publishes, and its SHA-1 is
/// the authority of the node's secured names ([MS-PNRP] 1.3.1.1). Stored as `identity.key` (mode 0600) in
/// the state directory; the secret never appears in logs or command output.
public struct NodeIdentity: Sendable {
    /// File name inside the state directory.
    public static let fileName = "identity.key"

    /// The key pair.
    public let key: Ed25519PrivateKey

    /// The authority of names this identity owns: 40 hex digits.
    public var authority: Authority { Authority.of(publicKey: key.publicKey.bytes) }

    /// A secured name of this identity with `classifier`.
    public func securedName(_ classifier: String) throws(PeerNameError) -> PeerName {
        try PeerName(authority: authority, classifier: classifier)
    }

    /// Wraps a key.
    public init(key: Ed25519PrivateKey) { self.key = key }

    struct File: Codable {
        var version: Int
        var ed25519Seed: String
    }

    /// Loads the identity of `directory`; with `createIfMissing`, makes one when there is none. A corrupt
    /// file is moved aside and reported through `warnings`, and a fresh identity is created.
    public static func load(from directory: StateDirectory, createIfMissing: Bool, warnings: inout [String]) throws(StateError) -> NodeIdentity? {
        if let bytes = try directory.read(fileName) {
            if let mode = directory.mode(of: fileName), mode & 0o077 != 0 {
                chmod(directory.file(fileName), 0o600)
                warnings.append("\(directory.file(fileName)) was readable by others (mode \(String(mode, radix: 8))); set to 0600")
            }
            if let file = try? JSONDecoder().decode(File.self, from: Data(bytes)), file.version == 1,
                let seed = hexBytes(file.ed25519Seed), seed.count == 32, let key = try? Ed25519PrivateKey(seed: seed)
            {
                return NodeIdentity(key: key)
            }
            let aside = directory.moveAside(fileName)
            warnings.append(StateError.corrupt(directory.file(fileName), movedTo: aside, reason: "not a version-1 identity file").description)
        }
        guard createIfMissing else { return nil }
        let identity = NodeIdentity(key: Ed25519PrivateKey())
        try identity.save(to: directory)
        return identity
    }

    /// Writes the key file atomically with mode 0600.
    public func save(to directory: StateDirectory) throws(StateError) {
        let file = File(version: 1, ed25519Seed: Hex.encode(key.exportSeed()))
        guard let data = try? JSONEncoder().encode(file) else { throw .io(directory.file(Self.fileName), "cannot encode") }
        try directory.writeAtomically(Self.fileName, Array(data) + [0x0A], mode: 0o600)
    }

    /// The bytes of hex `text`, or nil.
    static func hexBytes(_ text: String) -> [UInt8]? { Hex.decode(text) }
}
