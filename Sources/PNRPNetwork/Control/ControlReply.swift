/// The successful answer to a `ControlRequest`, one case per operation.
public enum ControlReply: Sendable, Hashable {
    /// The name is published; answers `register`.
    case registered(RegisteredName)
    /// The name is revoked; answers `unregister`.
    case unregistered(UnregisterArguments)
    /// The verified record found; answers `resolve`.
    case resolved(ResolvedRecord)
    /// Every cached route entry; answers `cache`.
    case cache([CacheEntryView])
    /// Every open cloud; answers `clouds`.
    case clouds([CloudStatus])
    /// The daemon's status; answers `status`.
    case status(DaemonStatus)
    /// The daemon (this process id) is stopping; answers `shutdown`.
    case stopping(pid: Int32)
    /// Whether strangers reach the global cloud's node; answers `reachability`.
    case reachability(ReachabilityView)
    /// A stream relay allocation; answers `stream-relay`.
    case streamRelay(StreamRelayView)

    /// The `reply` text of the answer.
    public var kind: String {
        switch self {
        case .registered: "registered"
        case .unregistered: "unregistered"
        case .resolved: "resolved"
        case .cache: "cache"
        case .clouds: "clouds"
        case .status: "status"
        case .stopping: "stopping"
        case .reachability: "reachability"
        case .streamRelay: "stream-relay"
        }
    }
}

/// A name published by `register`.
public struct RegisteredName: Sendable, Hashable, Codable {
    /// One cloud's registered PNRP ID.
    public struct CloudID: Sendable, Hashable, Codable {
        /// The cloud (`Global_`, `LinkLocal_<zone>`).
        public var cloud: String
        /// The 64 hex digits of the PNRP ID.
        public var id: String

        /// Builds an entry.
        public init(cloud: String, id: String) { (self.cloud, self.id) = (cloud, id) }
    }

    /// The full peer name.
    public var name: String
    /// Whether it is secured (its authority is the node identity's).
    public var secured: Bool
    /// The 32 hex digits of its P2P ID.
    public var p2pID: String
    /// Where it is published.
    public var ids: [CloudID]
    /// The application endpoints published with it (`127.0.0.2:8080/tcp`).
    public var endpoints: [String]
    /// The text published with it.
    public var comment: String?

    /// Builds the value.
    public init(name: String, secured: Bool, p2pID: String, ids: [CloudID], endpoints: [String], comment: String?) {
        (self.name, self.secured, self.p2pID, self.ids, self.endpoints, self.comment) = (name, secured, p2pID, ids, endpoints, comment)
    }
}

extension ControlReply: Codable {
    enum CodingKeys: String, CodingKey {
        case reply, registered, unregistered, resolved, cache, clouds, status, stopping, reachability
        case streamRelay = "stream-relay"
    }

    struct Stopping: Codable {
        var pid: Int32
    }

    /// Decodes `{"reply":KIND,KIND:{value}}` (the envelope's keys are ignored here).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .reply)
        switch kind {
        case "registered": self = .registered(try c.decode(RegisteredName.self, forKey: .registered))
        case "unregistered": self = .unregistered(try c.decode(UnregisterArguments.self, forKey: .unregistered))
        case "resolved": self = .resolved(try c.decode(ResolvedRecord.self, forKey: .resolved))
        case "cache": self = .cache(try c.decode([CacheEntryView].self, forKey: .cache))
        case "clouds": self = .clouds(try c.decode([CloudStatus].self, forKey: .clouds))
        case "status": self = .status(try c.decode(DaemonStatus.self, forKey: .status))
        case "stopping": self = .stopping(pid: try c.decode(Stopping.self, forKey: .stopping).pid)
        case "reachability": self = .reachability(try c.decode(ReachabilityView.self, forKey: .reachability))
        case "stream-relay": self = .streamRelay(try c.decode(StreamRelayView.self, forKey: .streamRelay))
        default: throw DecodingError.dataCorruptedError(forKey: .reply, in: c, debugDescription: "unknown reply '\(kind)'")
        }
    }

    /// Encodes `{"reply":KIND,KIND:{value}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .reply)
        switch self {
        case .registered(let v): try c.encode(v, forKey: .registered)
        case .unregistered(let v): try c.encode(v, forKey: .unregistered)
        case .resolved(let v): try c.encode(v, forKey: .resolved)
        case .cache(let v): try c.encode(v, forKey: .cache)
        case .clouds(let v): try c.encode(v, forKey: .clouds)
        case .status(let v): try c.encode(v, forKey: .status)
        case .stopping(let pid): try c.encode(Stopping(pid: pid), forKey: .stopping)
        case .reachability(let v): try c.encode(v, forKey: .reachability)
        case .streamRelay(let v): try c.encode(v, forKey: .streamRelay)
        }
    }
}
