/// The Pending List ([MS-PNRP] 3.1.1): requests sent and awaiting their acknowledgement, each with a Retry
/// Count and a Message Retransmission Timer ([MS-PNRP] 3.1.6.3).
struct PendingList: Sendable {
    /// What the request was, for the follow-up when it fails.
    enum Kind: Sendable, Equatable {
        case solicit
        case request
        case flood(validateID: PNRPID)
        case lookup(ResolveID)
        case inquireForResolve(ResolveID)
        case inquireForAdd
        /// A cached node that missed a FLOOD or a LOOKUP is asked once more before it is removed.
        case inquireForLiveness(PNRPID)
        /// A registration's nearest leaf-set neighbour checked while nodes are leaving; unanswered, it is
        /// checked once more (`inquireForLiveness`) before it is removed (`docs/deviations.md`, item N36).
        case neighbourProbe(PNRPID)
        /// A REACH of a reachability check (`docs/deviations.md`, item X2).
        case reach
        /// A RELAY_REQUEST (`docs/deviations.md`, item X3).
        case relayRequest
        /// A STREAM_REQUEST (`docs/deviations.md`, item X6).
        case streamRequest(StreamRequestID)

        /// True for the requests an ACK answers ([MS-PNRP] 3: REQUEST, and FLOOD with D clear).
        var isAcknowledgedByAck: Bool {
            switch self {
            case .request, .flood: true
            default: false
            }
        }

        /// True for the requests an AUTHORITY answers ([MS-PNRP] 3.1.5.6: LOOKUP and INQUIRE).
        var isAnsweredByAuthority: Bool {
            switch self {
            case .lookup, .inquireForResolve, .inquireForAdd, .inquireForLiveness, .neighbourProbe: true
            default: false
            }
        }
    }

    struct Entry: Sendable {
        var datagram: [UInt8]
        var destination: IPv6Endpoint
        var retriesLeft: Int
        var deadline: NodeInstant
        var kind: Kind
        /// When the request was first sent.
        var sentAt: NodeInstant
        /// Its Message Retransmission Timer.
        var interval: NodeDuration
        /// True once it was sent again.
        var retransmitted = false
    }

    private(set) var entries: [UInt32: Entry] = [:]

    var count: Int { entries.count }

    mutating func add(_ messageID: UInt32, _ entry: Entry) { entries[messageID] = entry }

    @discardableResult
    mutating func remove(_ messageID: UInt32) -> Entry? {
        defer { entries.releaseStorageIfEmpty() }
        return entries.removeValue(forKey: messageID)
    }

    subscript(_ messageID: UInt32) -> Entry? { entries[messageID] }

    /// Whether a request with `messageID` is pending (without copying its entry).
    func contains(_ messageID: UInt32) -> Bool { entries.index(forKey: messageID) != nil }

    /// Earliest retransmission deadline.
    var nextDeadline: NodeInstant? {
        var earliest: NodeInstant?
        for entry in entries.values where earliest.map({ entry.deadline < $0 }) ?? true { earliest = entry.deadline }
        return earliest
    }

    /// Entries due at `now`, in message ID order (deterministic).
    func due(at now: NodeInstant) -> [UInt32] {
        var due: [UInt32] = []
        for (id, entry) in entries where entry.deadline <= now { due.append(id) }
        due.sort()
        return due
    }

    mutating func update(_ messageID: UInt32, _ body: (inout Entry) -> Void) {
        if var e = entries[messageID] {
            body(&e)
            entries[messageID] = e
        }
    }
}
