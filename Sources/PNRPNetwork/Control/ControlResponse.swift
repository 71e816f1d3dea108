/// The answer to one control request: a reply, or an error saying why not.
///
/// Wire form: `{"version":1,"ok":true,"reply":KIND,KIND:{...}}` or
/// `{"version":1,"ok":false,"error":{"kind":"notFound","message":"..."}}`.
public enum ControlResponse: Sendable, Hashable {
    /// The request succeeded.
    case success(ControlReply)
    /// The request failed.
    case failure(ControlError)

    /// The reply, or the error thrown.
    public func get() throws(ControlError) -> ControlReply {
        switch self {
        case .success(let reply): return reply
        case .failure(let error): throw error
        }
    }
}

extension ControlResponse: Codable {
    enum CodingKeys: String, CodingKey {
        case version, ok, error
    }

    /// Decodes either form.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if try c.decode(Bool.self, forKey: .ok) {
            self = .success(try ControlReply(from: decoder))
        } else {
            self = .failure(try c.decode(ControlError.self, forKey: .error))
        }
    }

    /// Encodes either form.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .success(let reply):
            try reply.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ControlProtocol.version, forKey: .version)
            try c.encode(true, forKey: .ok)
        case .failure(let error):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ControlProtocol.version, forKey: .version)
            try c.encode(false, forKey: .ok)
            try c.encode(error, forKey: .error)
        }
    }
}
