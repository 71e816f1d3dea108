/// Protocol counters of one node.
///
/// The per-type counters are `CodeCounters` and the eviction counts plain fields, all inline: a node's
/// statistics need no heap storage.
public struct NodeStatistics: Sendable, Hashable {
    /// Datagrams received, valid or not.
    public var datagramsReceived = 0
    /// Datagrams that failed to decode.
    public var malformed = 0
    /// Datagrams dropped for their source port or as unsolicited answers.
    public var dropped = 0
    /// Messages received by MessageType raw value.
    public var received = CodeCounters()
    /// Messages sent by MessageType raw value (first transmissions).
    public var sent = CodeCounters()
    /// Bytes sent, retransmissions included.
    public var bytesSent = 0
    /// `bytesSent` by MessageType raw value.
    public var bytesSentByType = CodeCounters()
    /// Bytes of the LOOKUPs this node sent and of the AUTHORITY answers it gave to LOOKUPs, by the
    /// LOOKUP's ResolveReason raw value (retransmissions included): what each purpose of resolving costs.
    public var lookupBytesByReason = CodeCounters()
    /// Retransmissions.
    public var retransmissions = 0
    /// Requests that failed after their last retransmission.
    public var timeouts = 0
    /// Those failures by MessageType raw value of the request.
    public var timeoutsByType = CodeCounters()
    /// CPAs that failed validation.
    public var cpaRejected = 0
    /// CPAs that verified but were refused because their ID is cached with a CPA verified under another key:
    /// someone else's CPA for the same PNRP ID (`docs/deviations.md`, item N22). Also counted in `cpaRejected`.
    public var keyConflicts = 0
    /// Messages this node built but could not encode (always 0 unless there is a bug).
    public var encodeFailures = 0
    /// Ed25519 signatures this node made: CPAs and extended payloads it signed ([MS-PNRP] 3.2.5.7–3.2.5.9).
    public var signaturesMade = 0
    /// Signature checks this node started: CPAs and extended payloads handed to their verification
    /// ([MS-PNRP] 3.1.5.7–3.1.5.9), each of which may cost an Ed25519 verification.
    public var signatureChecks = 0
    /// INQUIREs left unanswered ([MS-PNRP] 3.2.5.6) because answering them would have taken signatures beyond
    /// the signing budget (`NodeConfiguration.signaturesPerSecond`; `docs/deviations.md`, item N26).
    public var inquiriesOverSigningBudget = 0
    /// Busy AUTHORITYs carrying a SIGNING_COOKIE sent to INQUIREs that found the signing budget spent
    /// (`docs/deviations.md`, item N32).
    public var signingCookiesSent = 0
    /// INQUIREs whose SIGNING_COOKIE was not the one made for their source, nonce and period (N32).
    public var signingCookiesRefused = 0
    /// Requests not sent, such as the INQUIRE validating a route entry ([MS-PNRP] 3.1.5.11), because the
    /// datagram that made them necessary could not pay for one transmission to an endpoint other than its
    /// source (`docs/deviations.md`, item N27).
    public var thirdPartyRequestsRefused = 0
    /// Evictions by reason (`PNRPNode.EvictionReason` order); `evictionsCounted` has bit i set once the
    /// i-th reason has a count.
    private var evictedNotRegistered = 0, evictedUnreachable = 0, evictedInvalidCPA = 0, evictedRevoked = 0
    private var evictionsCounted: UInt8 = 0
    /// Evictions counted under a key that names no `PNRPNode.EvictionReason` (set through `evictions`).
    private var otherEvictions: [String: Int] = [:]

    /// No counts.
    public init() {}

    /// Times the node found its timers overdue by several maintenance intervals (the host slept or was
    /// stopped) and announced its registrations again (`docs/deviations.md`, item N28).
    public var resumes = 0
    /// Route entries removed from the cache, by `PNRPNode.EvictionReason` raw value.
    public var evictions: [String: Int] {
        get {
            var out = otherEvictions
            for reason in PNRPNode.EvictionReason.allCases where evictionsCounted & Self.bit(reason) != 0 {
                out[reason.rawValue] = evictionCount(reason)
            }
            return out
        }
        set {
            evictionsCounted = 0
            for reason in PNRPNode.EvictionReason.allCases { setEvictionCount(reason, 0) }
            otherEvictions = [:]
            for (key, n) in newValue {
                if let reason = PNRPNode.EvictionReason(rawValue: key) {
                    setEvictionCount(reason, n)
                    evictionsCounted |= Self.bit(reason)
                } else {
                    otherEvictions[key] = n
                }
            }
        }
    }

    /// Counts one eviction for `reason`.
    mutating func countEviction(_ reason: PNRPNode.EvictionReason) {
        setEvictionCount(reason, evictionCount(reason) + 1)
        evictionsCounted |= Self.bit(reason)
    }

    private static func bit(_ reason: PNRPNode.EvictionReason) -> UInt8 {
        switch reason {
        case .notRegistered: 1
        case .unreachable: 2
        case .invalidCPA: 4
        case .revoked: 8
        }
    }

    /// Route entries removed for `reason` so far.
    func evictionCount(_ reason: PNRPNode.EvictionReason) -> Int {
        switch reason {
        case .notRegistered: evictedNotRegistered
        case .unreachable: evictedUnreachable
        case .invalidCPA: evictedInvalidCPA
        case .revoked: evictedRevoked
        }
    }

    private mutating func setEvictionCount(_ reason: PNRPNode.EvictionReason, _ n: Int) {
        switch reason {
        case .notRegistered: evictedNotRegistered = n
        case .unreachable: evictedUnreachable = n
        case .invalidCPA: evictedInvalidCPA = n
        case .revoked: evictedRevoked = n
        }
    }
}
