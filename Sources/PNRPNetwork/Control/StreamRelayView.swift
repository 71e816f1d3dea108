import Foundation
import PNRP

/// A stream relay allocation, as the control protocol's `stream-relay` answer carries it (`docs/deviations.md`,
/// X6). The token is a capability: whoever holds it may join the connection waiting at the relay. It crosses
/// only the control socket (a 0600 Unix socket of the node's user); the daemon does not log it.
public struct StreamRelayView: Sendable, Hashable, Codable {
    /// The relay's TCP stream relay endpoint.
    public var endpoint: String
    /// Base64 of the token.
    public var token: String
    /// Seconds until the relay stops accepting the token.
    public var expiresInSeconds: Double

    /// The view of `allocation`, `now` being the node's clock.
    public init(_ allocation: StreamAllocation, now: NodeInstant) {
        endpoint = EndpointText.format(allocation.relayEndpoint)
        token = Data(allocation.token).base64EncodedString()
        expiresInSeconds = now < allocation.expires ? Double((allocation.expires - now).nanoseconds) / 1e9 : 0
    }

    /// The allocation again, its expiry on `now`'s clock; nil when a field does not read.
    public func allocation(now: NodeInstant) -> StreamAllocation? {
        guard let relay = try? EndpointText(endpoint).endpoint, let bytes = Data(base64Encoded: token), !bytes.isEmpty, bytes.count <= 64,
            expiresInSeconds.isFinite, expiresInSeconds >= 0
        else { return nil }
        let expires = now + NodeDuration(nanoseconds: UInt64(min(expiresInSeconds, 86_400) * 1e9))
        return StreamAllocation(relayEndpoint: relay, token: Array(bytes), expires: expires)
    }

    /// The `code` of a `stream-relay` error for `failure`: what a client may act on (wait and ask again for
    /// `reachability-unknown` and `no-relay`).
    public static func failureCode(_ failure: StreamRelayFailure) -> String {
        switch failure {
        case .natTraversalOff: "nat-traversal-off"
        case .reachabilityUnknown: "reachability-unknown"
        case .notBehindNAT: "not-behind-nat"
        case .noRelay: "no-relay"
        case .tooManyRequests: "too-many-requests"
        case .refused: "refused"
        case .timedOut: "timed-out"
        }
    }

    /// The failure a `code` names, for the codes that carry no detail; nil for others.
    public static func failure(code: String?) -> StreamRelayFailure? {
        switch code {
        case "nat-traversal-off": .natTraversalOff
        case "reachability-unknown": .reachabilityUnknown
        case "not-behind-nat": .notBehindNAT
        case "no-relay": .noRelay
        case "too-many-requests": .tooManyRequests
        case "timed-out": .timedOut
        default: nil
        }
    }
}
