/// Protocol counters of one node.
///
/// The per-type counters are `CodeCounters`, kept inline: a node's statistics need no heap storage.
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
    /// Messages this node built but could not encode (always 0 unless there is a bug).
    public var encodeFailures = 0
    /// Evictions by position of the reason in `PNRPNode.EvictionReason.allCases`.
    private var evictionsByReason = CodeCounters()
    /// Evictions counted under a key that names no `PNRPNode.EvictionReason` (set through `evictions`).
    private var otherEvictions: [String: Int] = [:]

    /// No counts.
    public init() {}

    /// Route entries removed from the cache, by `PNRPNode.EvictionReason` raw value.
    public var evictions: [String: Int] {
        get {
            var out = otherEvictions
            for (i, reason) in PNRPNode.EvictionReason.allCases.enumerated() {
                if let n = evictionsByReason[UInt8(i)] { out[reason.rawValue] = n }
            }
            return out
        }
        set {
            evictionsByReason = CodeCounters()
            otherEvictions = [:]
            for (key, n) in newValue {
                if let i = PNRPNode.EvictionReason.allCases.firstIndex(where: { $0.rawValue == key }) {
                    evictionsByReason[UInt8(i)] = n
                } else {
                    otherEvictions[key] = n
                }
            }
        }
    }

    /// Counts one eviction for `reason`.
    mutating func countEviction(_ reason: PNRPNode.EvictionReason) {
        let i = PNRPNode.EvictionReason.allCases.firstIndex(of: reason) ?? 0
        evictionsByReason[UInt8(i), default: 0] += 1
    }
}
