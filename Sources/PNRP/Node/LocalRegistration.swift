import PeerCrypto

/// One entry of the Locally Registered PNRP ID List ([MS-PNRP] 3.2.1): a name this node publishes.
struct LocalRegistration: Sendable {
    let name: PeerName
    let id: PNRPID
    let key: Ed25519PrivateKey
    let payload: [IPv6AppEndpoint]?
    let friendlyName: String?
    /// Binary data published as the registration's EXTENDED_PAYLOAD (1...4096 bytes), or nil
    /// ([MS-PNRP] 2.2.3.3); its CPAs then carry flag X.
    let extendedPayload: [UInt8]?
    /// True for a registration made without owning a secured name's key (tests of forgery only).
    var forged = false
    /// Signed CPA with a zero nonce, reused for INQUIREs that carry no nonce until it nears expiry.
    var cachedCPA: CPA?
    /// Signed EXTENDED_PAYLOAD with a zero nonce, reused like `cachedCPA`.
    var cachedExtendedPayload: ExtendedPayload?
    /// True once a registration resolve has reached at least one other node.
    var announced = false
    /// True once an announcement has started from a far node rather than from our own cache
    /// (`docs/deviations.md`, item N10).
    var announcedFromAfar = false
    /// When the registration is announced again (a REASON_REGISTRATION resolve of ID + 1).
    var nextAnnouncement: NodeInstant
    /// Current interval between announcements; doubles up to the configured maximum.
    var announcementInterval: NodeDuration
    /// The leaf set as noted after the previous announcement (`docs/deviations.md`, items N10, N14). A copy
    /// of the cache's leaf set, so it shares that set's storage until the set changes.
    var notedLeafSet: LeafSet?
    /// True when the leaf set is to be noted again at the next maintenance tick, after the LOCAL
    /// solicitations of an announcement have been answered.
    var leafSetNoteDue = false
    /// The nearest leaf-set member above and below as last seen (`docs/deviations.md`, item N36).
    var probedNeighbours: (upper: PNRPID?, lower: PNRPID?) = (nil, nil)
    /// Their first endpoints, noted when they became the nearest members (`docs/deviations.md`, item N39).
    var probedNeighbourEndpoints: (upper: IPv6Endpoint?, lower: IPv6Endpoint?) = (nil, nil)
    /// Nearest members that left the cache while nodes were found silent, asked again later (N39).
    var departedNeighbours: [DepartedNeighbour] = []
    /// The node's count of entries found silent (`NodeStatistics`) when last looked at.
    var silentEvictionsSeen = 0
    /// The leaf set when last looked at: a copy sharing the cache's storage until the set changes.
    var neighboursSeen: LeafSet?
    /// When they are next checked for liveness: never, until the node has found a node silent or was paused.
    var nextNeighbourProbe = NodeInstant(nanoseconds: .max)
    /// The interval after that check; doubles up to the longest announcement interval.
    var neighbourProbeInterval = NodeDuration.seconds(15)

    /// This node's route entry for the registered ID.
    func routeEntry(at endpoint: IPv6Endpoint) -> RouteEntry {
        RouteEntry(id: id, port: endpoint.port, address: endpoint.address)
    }
}

/// Why a registration was refused ([MS-PNRP] 3.2.4.1).
public enum RegistrationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A secured name's authority is not the SHA-1 of the key offered: only the key's holder may publish it.
    case notAuthority(PeerName)
    /// The CPA could not be built (for example a payload with too many endpoints).
    case cpa(CPAError)
    /// The extended payload has this many bytes; [MS-PNRP] 2.2.3.3 allows 1...4096 of binary data.
    case extendedPayloadSize(Int)

    public var description: String {
        switch self {
        case .notAuthority(let n):
            "cannot register \(n): its authority is not the SHA-1 of this key's public key; use the key the name was made from, or an unsecured name (0.classifier)"
        case .cpa(let e): "cannot build the CPA: \(e)"
        case .extendedPayloadSize(let n):
            "an extended payload of \(n) bytes cannot be published: it must have 1 to \(ExtendedPayload.maximumBinaryBytes) bytes ([MS-PNRP] 2.2.3.3); leave it out, or shorten it"
        }
    }
}
