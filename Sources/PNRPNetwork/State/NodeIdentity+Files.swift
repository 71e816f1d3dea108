import Foundation
import PeerCrypto

/// Reading and replacing the identity file without a running node (`pnrp identity show|create`).
extension NodeIdentity {
    /// The identity of `directory` without changing anything: nil when there is none; an unreadable file
    /// throws (it is left in place, unlike `load`, which moves it aside).
    public static func read(from directory: StateDirectory) throws(StateError) -> NodeIdentity? {
        guard let bytes = try directory.read(fileName) else { return nil }
        guard let file = try? JSONDecoder().decode(File.self, from: Data(bytes)), file.version == 1,
            let seed = hexBytes(file.ed25519Seed), seed.count == 32, let key = try? Ed25519PrivateKey(seed: seed)
        else {
            throw .io(directory.file(fileName), "not a version-1 identity file; `pnrp identity create --force` replaces it (keeping the old file aside)")
        }
        return NodeIdentity(key: key)
    }

    /// Writes a fresh identity into `directory`. An existing identity file is kept as
    /// `identity.key.replaced-<unix seconds>` (its path is returned) when `replacing` is set; otherwise
    /// an existing file makes this throw and nothing changes.
    public static func create(in directory: StateDirectory, replacing: Bool) throws(IdentityFileError) -> (NodeIdentity, movedAside: String?) {
        var moved: String?
        if FileManager.default.fileExists(atPath: directory.file(fileName)) {
            guard replacing else {
                let existing = try? read(from: directory)
                throw .exists(directory.file(fileName), authority: existing?.authority.description)
            }
            moved = directory.moveAside(fileName, label: "replaced")
        }
        let identity = NodeIdentity(key: Ed25519PrivateKey())
        do {
            try identity.save(to: directory)
        } catch {
            throw .state(error)
        }
        return (identity, moved)
    }
}

/// Why `NodeIdentity.create` refused.
public enum IdentityFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An identity file exists (with this authority, when readable).
    case exists(String, authority: String?)
    /// The state directory failed.
    case state(StateError)

    /// One sentence saying what is wrong and what to do.
    public var description: String {
        switch self {
        case .exists(let path, let authority):
            "\(path) already holds an identity\(authority.map { " (authority \($0))" } ?? ""); pass --force to replace it (the old file is kept aside)"
        case .state(let e): e.description
        }
    }
}
