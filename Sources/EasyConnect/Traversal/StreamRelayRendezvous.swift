/// Where a User behind a NAT waits for a Helper at a stream relay, as its invitation tells it
/// (`docs/deviations.md`, X6 and E11): the relay's TCP endpoint and the token that joins the User's waiting
/// connection. The token is as secret as the invitation: only password holders (and the relay) learn it.
public struct StreamRelayRendezvous: Hashable, Sendable {
    /// Length of a token.
    public static let tokenByteCount = 16
    /// The stream relay's TCP endpoint.
    public var endpoint: SessionEndpoint
    /// The token drawn by the relay.
    public var token: [UInt8]

    /// Builds a rendezvous.
    public init(endpoint: SessionEndpoint, token: [UInt8]) {
        (self.endpoint, self.token) = (endpoint, token)
    }
}
