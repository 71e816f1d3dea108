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
        let file = File(version: 1, ed25519Seed: key.exportSeed().map { String(format: "%02x", $0) }.joined())
        guard let data = try? JSONEncoder().encode(file) else { throw .io(directory.file(Self.fileName), "cannot encode") }
        try directory.writeAtomically(Self.fileName, Array(data) + [0x0A], mode: 0o600)
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = hexValue(chars[i]), let lo = hexValue(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
