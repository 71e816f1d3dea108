import Foundation
import PNRP

/// The part of each cloud's cache kept across restarts: the endpoints of cached nodes, which the next run
/// contacts first (the LocalOOB discovery step of [MS-PNRP] 3.1.4.2). IDs are not kept: they are learnt
/// again, with their CPAs checked, when the node synchronises.
public struct CacheSnapshot: Codable, Sendable, Hashable {
    /// File name inside the state directory.
    public static let fileName = "cache.json"

    /// One cloud's endpoints.
    public struct Cloud: Codable, Sendable, Hashable {
        /// `Global_` or `LinkLocal_<zone>` (`CloudScope.description`).
        public var scope: String
        /// `host:port` texts.
        public var endpoints: [String]

        /// One cloud's entry.
        public init(scope: String, endpoints: [String]) { (self.scope, self.endpoints) = (scope, endpoints) }
    }

    /// Format version (1).
    public var version = 1
    /// Seconds since 1970 when written.
    public var savedAt: Int
    /// The clouds.
    public var clouds: [Cloud]

    /// Builds a snapshot.
    public init(savedAt: Int, clouds: [Cloud]) {
        (self.savedAt, self.clouds) = (savedAt, clouds)
    }

    /// Reads the snapshot of `directory`, moving a corrupt one aside (reported in `warnings`).
    public static func load(from directory: StateDirectory, warnings: inout [String]) -> CacheSnapshot? {
        let bytes: [UInt8]?
        do {
            bytes = try directory.read(fileName)
        } catch {
            warnings.append(error.description)
            return nil
        }
        guard let bytes else { return nil }
        if let snapshot = try? JSONDecoder().decode(CacheSnapshot.self, from: Data(bytes)), snapshot.version == 1 {
            return snapshot
        }
        let aside = directory.moveAside(fileName)
        warnings.append(StateError.corrupt(directory.file(fileName), movedTo: aside, reason: "not a version-1 cache file").description)
        return nil
    }

    /// Writes the snapshot atomically.
    public func save(to directory: StateDirectory) throws(StateError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { throw .io(directory.file(Self.fileName), "cannot encode") }
        try directory.writeAtomically(Self.fileName, Array(data) + [0x0A], mode: 0o600)
    }

    /// The endpoints saved for `scope`.
    public func endpoints(for scope: CloudScope) -> [EndpointText] {
        clouds.first { $0.scope == scope.description }?.endpoints.compactMap { try? EndpointText($0) } ?? []
    }
}
