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
        }
    }

    /// Every `op` a request may name.
    public static let operations = ["register", "unregister", "resolve", "cache", "clouds", "status", "shutdown"]
}

/// Arguments of `ControlRequest.register`.
public struct RegisterArguments: Sendable, Hashable, Codable {
    /// The full peer name (`0.printer`, `<authority>.chat`), or only the classifier when `secured` is set.
    public var name: String
    /// When set, `name` is a classifier and the node's identity supplies the authority.
    public var secured: Bool
    /// An application port to publish with the name (on the node's address in each cloud), if any.
    public var port: UInt16?
    /// `tcp` (the default) or `udp`: the transport of `port`.
    public var transport: String?
    /// Text published with the name (the CPA's friendly name), at most 255 characters.
    public var comment: String?

    /// Builds the arguments.
    public init(name: String, secured: Bool = false, port: UInt16? = nil, transport: String? = nil, comment: String? = nil) {
        (self.name, self.secured, self.port, self.transport, self.comment) = (name, secured, port, transport, comment)
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

extension ControlRequest: Codable {
    enum CodingKeys: String, CodingKey {
        case version, op, register, unregister, resolve
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
        case .cache, .clouds, .status, .shutdown: break
        }
    }
}
