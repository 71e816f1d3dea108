/// One request to a running `pnrp node`, as the client commands send it over the control socket.
public enum ControlRequest: Sendable, Hashable {
    /// Publish a name ([MS-PNRP] 3.2.4.1) until it is unregistered or the node stops.
    case register(RegisterArguments)
    /// Revoke a name this node registered through the control socket ([MS-PNRP] 3.2.4.2).
    case unregister(UnregisterArguments)
    /// Resolve a name ([MS-PNRP] 3.2.4.3).
    case resolve(ResolveArguments)
    /// List the cached route entries of every cloud.
    case cache
    /// List the open clouds and their state.
    case clouds
    /// Process, identity, uptime, registrations and counters.
    case status
    /// Stop the node gracefully: revoke its names, save its cache, close its sockets.
    case shutdown
    /// Whether strangers reach the global cloud's node and where peers see it (NAT traversal, X2).
    case reachability
    /// A stream relay allocation from the global cloud's node's relay, for an application behind the same
    /// NAT (X6): the relay's endpoint and a token to wait there with.
    case streamRelay(StreamRelayArguments)

    /// The `op` text of the request.
    public var op: String {
        switch self {
        case .register: "register"
        case .unregister: "unregister"
        case .resolve: "resolve"
        case .cache: "cache"
        case .clouds: "clouds"
        case .status: "status"
        case .shutdown: "shutdown"
        case .reachability: "reachability"
        case .streamRelay: "stream-relay"
        }
    }

    /// Every `op` a request may name.
    public static let operations = ["register", "unregister", "resolve", "cache", "clouds", "status", "shutdown", "reachability", "stream-relay"]
}

/// Arguments of `ControlRequest.register`.
///
/// Every field after `comment` is optional on the wire (absent means nil or false), so requests written for
/// the first form of version 1 still mean what they meant. `keySeed` is the caller's secret: it is never
/// logged, printed or echoed (this type's descriptions and mirror show it as `<redacted>`), and the daemon
/// wipes its decoded bytes at once and drops the key when the registration ends.
public struct RegisterArguments: Sendable, Hashable, Codable {
    /// The full peer name (`0.printer`, `<authority>.chat`), or only the classifier when `secured` is set.
    public var name: String
    /// When set, `name` is a classifier and the signing key supplies the authority: the key of `keySeed`, the
    /// fresh key of `ephemeralKey`, or else the node's identity.
    public var secured: Bool
    /// An application port to publish with the name (on the node's address in each cloud), if any.
    public var port: UInt16?
    /// `tcp` (the default) or `udp`: the transport of `port`.
    public var transport: String?
    /// Text published with the name (the CPA's friendly name): 1 to 78 bytes of UTF-8 ([MS-PNRP] 2.2.3.1).
    public var comment: String?
    /// Application endpoints to publish as they are, besides `port`: `ADDRESS:PORT/tcp`, `/udp` or
    /// `/protoN` (`127.0.0.2:8080/tcp`, `[2001:db8::1]:5222/tcp`); with `port`, at most 10 in all.
    public var endpoints: [String]?
    /// Base64 of 1 to 4096 bytes published as the name's EXTENDED_PAYLOAD ([MS-PNRP] 2.2.3.3).
    public var extendedPayload: String?
    /// Base64 of a 32-byte Ed25519 seed: the caller's key, which signs the CPAs and the extended payload
    /// instead of the node's identity. It reaches the daemon only through the control socket (a 0600 Unix
    /// socket of the same user).
    public var keySeed: String?
    /// The daemon signs with a fresh key it generates and forgets when the registration ends, so that the
    /// publisher of an unsecured name cannot be linked to the node's identity or other names. Not with
    /// `keySeed`.
    public var ephemeralKey: Bool
    /// The daemon revokes the name by itself after this many seconds (1 to 604800, i.e. 7 days).
    public var lifetimeSeconds: Double?
    /// The daemon revokes the name when the control connection that registered it closes, however the
    /// client ended (even SIGKILL). Such a connection is not closed for idleness while it lasts.
    public var untilDisconnect: Bool

    /// Builds the arguments.
    public init(
        name: String, secured: Bool = false, port: UInt16? = nil, transport: String? = nil, comment: String? = nil, endpoints: [String]? = nil,
        extendedPayload: String? = nil, keySeed: String? = nil, ephemeralKey: Bool = false, lifetimeSeconds: Double? = nil, untilDisconnect: Bool = false
    ) {
        (self.name, self.secured, self.port, self.transport, self.comment) = (name, secured, port, transport, comment)
        (self.endpoints, self.extendedPayload, self.keySeed, self.ephemeralKey) = (endpoints, extendedPayload, keySeed, ephemeralKey)
        (self.lifetimeSeconds, self.untilDisconnect) = (lifetimeSeconds, untilDisconnect)
    }

    enum CodingKeys: String, CodingKey {
        case name, secured, port, transport, comment, endpoints, extendedPayload, keySeed, ephemeralKey, lifetimeSeconds, untilDisconnect
    }

    /// Decodes the arguments; absent optional fields are nil, absent flags false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        secured = try c.decodeIfPresent(Bool.self, forKey: .secured) ?? false
        port = try c.decodeIfPresent(UInt16.self, forKey: .port)
        transport = try c.decodeIfPresent(String.self, forKey: .transport)
        comment = try c.decodeIfPresent(String.self, forKey: .comment)
        endpoints = try c.decodeIfPresent([String].self, forKey: .endpoints)
        extendedPayload = try c.decodeIfPresent(String.self, forKey: .extendedPayload)
        keySeed = try c.decodeIfPresent(String.self, forKey: .keySeed)
        ephemeralKey = try c.decodeIfPresent(Bool.self, forKey: .ephemeralKey) ?? false
        lifetimeSeconds = try c.decodeIfPresent(Double.self, forKey: .lifetimeSeconds)
        untilDisconnect = try c.decodeIfPresent(Bool.self, forKey: .untilDisconnect) ?? false
    }

    /// Encodes the arguments; nil fields and false flags (other than `secured`) are left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(secured, forKey: .secured)
        try c.encodeIfPresent(port, forKey: .port)
        try c.encodeIfPresent(transport, forKey: .transport)
        try c.encodeIfPresent(comment, forKey: .comment)
        try c.encodeIfPresent(endpoints, forKey: .endpoints)
        try c.encodeIfPresent(extendedPayload, forKey: .extendedPayload)
        try c.encodeIfPresent(keySeed, forKey: .keySeed)
        if ephemeralKey { try c.encode(true, forKey: .ephemeralKey) }
        try c.encodeIfPresent(lifetimeSeconds, forKey: .lifetimeSeconds)
        if untilDisconnect { try c.encode(true, forKey: .untilDisconnect) }
    }
}

extension RegisterArguments: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The arguments with `keySeed` shown as `<redacted>`, so that no log, error or test output carries it.
    public var description: String {
        var parts = ["name: \(name)", "secured: \(secured)"]
        if let port { parts.append("port: \(port)") }
        if let transport { parts.append("transport: \(transport)") }
        if let comment { parts.append("comment: \(comment)") }
        if let endpoints { parts.append("endpoints: \(endpoints)") }
        if let extendedPayload { parts.append("extendedPayload: \(extendedPayload.count) base64 characters") }
        if keySeed != nil { parts.append("keySeed: <redacted>") }
        if ephemeralKey { parts.append("ephemeralKey: true") }
        if let lifetimeSeconds { parts.append("lifetimeSeconds: \(lifetimeSeconds)") }
        if untilDisconnect { parts.append("untilDisconnect: true") }
        return "RegisterArguments(" + parts.joined(separator: ", ") + ")"
    }

    /// As `description`.
    public var debugDescription: String { description }

    /// The fields, `keySeed` redacted.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "name": name, "secured": secured, "port": port as Any, "transport": transport as Any, "comment": comment as Any,
                "endpoints": endpoints as Any, "extendedPayload": extendedPayload as Any, "keySeed": keySeed == nil ? "nil" : "<redacted>",
                "ephemeralKey": ephemeralKey, "lifetimeSeconds": lifetimeSeconds as Any, "untilDisconnect": untilDisconnect,
            ], displayStyle: .struct)
    }
}

/// Arguments of `ControlRequest.unregister`.
public struct UnregisterArguments: Sendable, Hashable, Codable {
    /// The full peer name, as `register` printed it.
    public var name: String

    /// Builds the arguments.
    public init(name: String) { self.name = name }
}

/// Arguments of `ControlRequest.resolve`.
public struct ResolveArguments: Sendable, Hashable, Codable {
    /// The full peer name.
    public var name: String
    /// How long the resolution may take, in seconds (at most `ControlProtocol.maximumResolveTimeout`).
    public var timeoutSeconds: Double
    /// `global` (the default), `linklocal:IFACE`, or a cloud name as `pnrp clouds` prints it (`LinkLocal_2`).
    public var cloud: String?

    /// Builds the arguments.
    public init(name: String, timeoutSeconds: Double = 10, cloud: String? = nil) {
        (self.name, self.timeoutSeconds, self.cloud) = (name, timeoutSeconds, cloud)
    }
}

/// Arguments of `ControlRequest.streamRelay`.
public struct StreamRelayArguments: Sendable, Hashable, Codable {
    /// How long the node may wait for its relay's answer, in seconds (1 to 60).
    public var timeoutSeconds: Double

    /// Builds the arguments.
    public init(timeoutSeconds: Double = 10) { self.timeoutSeconds = timeoutSeconds }
}

extension ControlRequest: Codable {
    enum CodingKeys: String, CodingKey {
        case version, op, register, unregister, resolve
        case streamRelay = "stream-relay"
    }

    /// Decodes `{"version":1,"op":OP,OP:{arguments}}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let op = try c.decode(String.self, forKey: .op)
        switch op {
        case "register": self = .register(try c.decode(RegisterArguments.self, forKey: .register))
        case "unregister": self = .unregister(try c.decode(UnregisterArguments.self, forKey: .unregister))
        case "resolve": self = .resolve(try c.decode(ResolveArguments.self, forKey: .resolve))
        case "cache": self = .cache
        case "clouds": self = .clouds
        case "status": self = .status
        case "shutdown": self = .shutdown
        case "reachability": self = .reachability
        case "stream-relay": self = .streamRelay(try c.decode(StreamRelayArguments.self, forKey: .streamRelay))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .op, in: c, debugDescription: "unknown op '\(op)'; expected one of \(Self.operations.joined(separator: ", "))")
        }
    }

    /// Encodes `{"version":1,"op":OP,OP:{arguments}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ControlProtocol.version, forKey: .version)
        try c.encode(op, forKey: .op)
        switch self {
        case .register(let a): try c.encode(a, forKey: .register)
        case .unregister(let a): try c.encode(a, forKey: .unregister)
        case .resolve(let a): try c.encode(a, forKey: .resolve)
        case .streamRelay(let a): try c.encode(a, forKey: .streamRelay)
        case .cache, .clouds, .status, .shutdown, .reachability: break
        }
    }
}
