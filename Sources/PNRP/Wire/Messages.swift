/// The message types of [MS-PNRP] 2.2.1 (header byte 7). Any other value is dropped.
public enum MessageType: UInt8, Sendable, CaseIterable {
    /// SOLICIT (2.2.2.1): starts a synchronisation conversation.
    case solicit = 0x01
    /// ADVERTISE (2.2.2.2): IDs offered in reply to a SOLICIT.
    case advertise = 0x02
    /// REQUEST (2.2.2.3): asks for the route entries of advertised IDs.
    case request = 0x03
    /// FLOOD (2.2.2.4): a route entry or a revocation.
    case flood = 0x04
    /// INQUIRE (2.2.2.5): asks for a CPA, or whether an ID is still registered.
    case inquire = 0x07
    /// AUTHORITY (2.2.2.6): a fragment of an AUTHORITY_BUFFER answering a LOOKUP or an INQUIRE.
    case authority = 0x08
    /// ACK (2.2.2.7): acknowledges a REQUEST or a FLOOD.
    case ack = 0x09
    /// LOOKUP (2.2.2.8): one hop of a resolution.
    case lookup = 0x0B
}

/// ResolveCriteria of LOOKUP_CONTROLS ([MS-PNRP] 2.2.2.8): how much of the target ID must match.
/// Values, not combinable bits.
public enum ResolveCriteria: UInt8, Sendable, CaseIterable {
    /// All 256 bits must match (`NONE` in the spec).
    case exact = 0x00
    /// Any PNRP ID with the target's P2P ID (first 128 bits).
    case anyPeerName = 0x01
    /// The registration of the target's P2P ID whose service location is nearest.
    case nearestPeerName = 0x02
    /// Any ID matching the first 192 bits, nearest first.
    case nearest64PeerName = 0x04
    /// The first `precision` bits must match.
    case upperBits = 0x08
}

/// ResolveReasonCode of LOOKUP_CONTROLS ([MS-PNRP] 2.2.2.8). Informational; receivers ignore it.
public enum ResolveReason: UInt8, Sendable, CaseIterable {
    /// REASON_APP_REQUEST: an application asked.
    case applicationRequest = 0
    /// REASON_REGISTRATION: announcing a new registration (3.2.4.1).
    case registration = 1
    /// REASON_CACHE_MAINTENANCE: filling the cache (3.1.6.2).
    case cacheMaintenance = 2
    /// REASON_SPLIT_DETECTION: testing for a cloud split (3.2.6.2.1).
    case splitDetection = 3
}

/// SolicitType of SOLICIT_CONTROLS ([MS-PNRP] 2.2.2.1).
public enum SolicitType: UInt8, Sendable {
    /// Any cached IDs (SOLICIT_ANY).
    case any = 0x00
    /// IDs near the solicitor's own.
    case local = 0x01
}

/// A complete PNRP datagram: the header's Message ID and one message body ([MS-PNRP] 2.2.1).
public struct PNRPMessage: Hashable, Sendable {
    /// The header's Message ID; replies echo it as the Acked Message ID.
    public var messageID: UInt32
    /// The message.
    public var body: Body

    /// Builds a message.
    public init(messageID: UInt32, body: Body) { (self.messageID, self.body) = (messageID, body) }

    /// One of the eight messages of [MS-PNRP] 2.2.2.
    public enum Body: Hashable, Sendable {
        case solicit(Solicit)
        case advertise(Advertise)
        case request(Request)
        case flood(Flood)
        case inquire(Inquire)
        case authority(AuthorityFragment)
        case ack(Ack)
        case lookup(Lookup)
    }

    /// The header's MessageType for this body.
    public var type: MessageType {
        switch body {
        case .solicit: .solicit
        case .advertise: .advertise
        case .request: .request
        case .flood: .flood
        case .inquire: .inquire
        case .authority: .authority
        case .ack: .ack
        case .lookup: .lookup
        }
    }
}

/// SOLICIT ([MS-PNRP] 2.2.2.1): starts cache synchronisation with a neighbour.
public struct Solicit: Hashable, Sendable {
    /// SOLICIT_CONTROLS, when present.
    public var solicitType: SolicitType?
    /// A locally registered ID of the sender; absent when it has none.
    public var routeEntry: RouteEntry?
    /// SHA-1 of the 16-byte conversation nonce (20 bytes).
    public var hashedNonce: [UInt8]

    /// Builds a SOLICIT.
    public init(solicitType: SolicitType? = nil, routeEntry: RouteEntry? = nil, hashedNonce: [UInt8]) {
        self.solicitType = solicitType
        self.routeEntry = routeEntry
        self.hashedNonce = hashedNonce
    }
}

/// ADVERTISE ([MS-PNRP] 2.2.2.2): the IDs a node offers in reply to a SOLICIT.
public struct Advertise: Hashable, Sendable {
    /// The SOLICIT's Message ID.
    public var ackedMessageID: UInt32
    /// Offered IDs (may be empty: "too busy").
    public var ids: [PNRPID]
    /// Copied from the SOLICIT.
    public var hashedNonce: [UInt8]

    /// Builds an ADVERTISE.
    public init(ackedMessageID: UInt32, ids: [PNRPID], hashedNonce: [UInt8]) {
        self.ackedMessageID = ackedMessageID
        self.ids = ids
        self.hashedNonce = hashedNonce
    }
}

/// REQUEST ([MS-PNRP] 2.2.2.3): asks for the route entries of IDs seen in an ADVERTISE.
public struct Request: Hashable, Sendable {
    /// The conversation nonce itself (16 bytes); its SHA-1 must equal the SOLICIT's hashed nonce.
    public var nonce: [UInt8]
    /// The IDs wanted.
    public var ids: [PNRPID]

    /// Builds a REQUEST.
    public init(nonce: [UInt8], ids: [PNRPID]) { (self.nonce, self.ids) = (nonce, ids) }
}

/// FLOOD ([MS-PNRP] 2.2.2.4): carries a route entry or a revocation to a neighbour.
public struct Flood: Hashable, Sendable {
    /// FLOOD_CONTROLS D flag: the receiver must not ACK.
    public var doNotAck: Bool
    /// FLOOD_CONTROLS Reserved2 (any value; echoed as received).
    public var reserved2: UInt8
    /// The destination's PNRP ID.
    public var validateID: PNRPID
    /// A revocation, when present.
    public var revokeCPA: CPA?
    /// The flooded route entry, when present.
    public var routeEntry: RouteEntry?
    /// Endpoints the flood already reached (0...22).
    public var alreadyFlooded: [IPv6Endpoint]

    /// Builds a FLOOD.
    public init(doNotAck: Bool, reserved2: UInt8 = 0, validateID: PNRPID, revokeCPA: CPA? = nil, routeEntry: RouteEntry? = nil, alreadyFlooded: [IPv6Endpoint]) {
        self.doNotAck = doNotAck
        self.reserved2 = reserved2
        self.validateID = validateID
        self.revokeCPA = revokeCPA
        self.routeEntry = routeEntry
        self.alreadyFlooded = alreadyFlooded
    }
}

/// FLAGS_FIELD of INQUIRE ([MS-PNRP] 2.2.2.5).
public struct InquireFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// A: send the CPA.
    public static let wantCPA = InquireFlags(rawValue: 0x0010)
    /// X: send the extended payload.
    public static let wantExtendedPayload = InquireFlags(rawValue: 0x0008)
    /// C: send the certificate chain.
    public static let wantCertificateChain = InquireFlags(rawValue: 0x0004)
}

/// INQUIRE ([MS-PNRP] 2.2.2.5): asks a publisher for its CPA, or checks that it still holds an ID.
public struct Inquire: Hashable, Sendable {
    /// What to send back.
    public var flags: InquireFlags
    /// The ID asked about.
    public var validateID: PNRPID
    /// 16 bytes copied into the signed CPA (anti-replay), when present.
    public var nonce: [UInt8]?
    /// The SIGNING_COOKIE the publisher handed this sender when it was short of signing time, echoed after the
    /// nonce (an extension: `docs/deviations.md`, item N32).
    public var signingCookie: [UInt8]?

    /// Builds an INQUIRE.
    public init(flags: InquireFlags, validateID: PNRPID, nonce: [UInt8]? = nil, signingCookie: [UInt8]? = nil) {
        (self.flags, self.validateID, self.nonce, self.signingCookie) = (flags, validateID, nonce, signingCookie)
    }
}

/// AUTHORITY ([MS-PNRP] 2.2.2.6): one fragment of an AUTHORITY_BUFFER.
public struct AuthorityFragment: Hashable, Sendable {
    /// Message ID of the LOOKUP or INQUIRE answered.
    public var ackedMessageID: UInt32
    /// SPLIT_CONTROLS Size: the whole buffer's length.
    public var bufferSize: UInt16
    /// SPLIT_CONTROLS Offset: where this fragment starts (a multiple of 1188).
    public var offset: UInt16
    /// The fragment's bytes.
    public var fragment: [UInt8]

    /// Builds a fragment.
    public init(ackedMessageID: UInt32, bufferSize: UInt16, offset: UInt16, fragment: [UInt8]) {
        self.ackedMessageID = ackedMessageID
        self.bufferSize = bufferSize
        self.offset = offset
        self.fragment = fragment
    }
}

/// FLAGS_FIELD of an AUTHORITY_BUFFER ([MS-PNRP] 2.2.2.6.1).
public struct AuthorityFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// L: the target would be in the sender's leaf set.
    public static let leafSet = AuthorityFlags(rawValue: 0x0200)
    /// B: the sender is too busy.
    public static let busy = AuthorityFlags(rawValue: 0x0008)
    /// N: the Validate PNRP ID is not registered at the sender.
    public static let notFound = AuthorityFlags(rawValue: 0x0001)
}

/// The logical AUTHORITY_BUFFER ([MS-PNRP] 2.2.2.6.1) carried by one or more AUTHORITY fragments.
public struct AuthorityBuffer: Hashable, Sendable {
    /// L, B, N flags.
    public var flags: AuthorityFlags
    /// CERT_CHAIN: a DER PKCS #7 blob, when present.
    public var certificateChain: [UInt8]?
    /// CLASSIFIER, when present.
    public var classifier: String?
    /// EXTENDED_PAYLOAD structure bytes, when present: decode and validate them with `ExtendedPayload.verified(...)`
    /// ([MS-PNRP] 2.2.3.3, 3.1.5.8).
    public var extendedPayload: [UInt8]?
    /// For a LOOKUP reply: the entry closest to the target.
    public var routeEntry: RouteEntry?
    /// VALIDATE_CPA: the CPA asked for.
    public var validateCPA: CPA?
    /// SIGNING_COOKIE, in a busy answer to an INQUIRE the publisher had no signing time for: the INQUIRE sent
    /// again with it is answered from time kept for such senders (an extension: `docs/deviations.md`, N32).
    /// Only with flag B, never with a VALIDATE_CPA.
    public var signingCookie: [UInt8]?

    /// Builds a buffer.
    public init(flags: AuthorityFlags, certificateChain: [UInt8]? = nil, classifier: String? = nil, extendedPayload: [UInt8]? = nil, routeEntry: RouteEntry? = nil, validateCPA: CPA? = nil, signingCookie: [UInt8]? = nil) {
        self.flags = flags
        self.certificateChain = certificateChain
        self.classifier = classifier
        self.extendedPayload = extendedPayload
        self.routeEntry = routeEntry
        self.validateCPA = validateCPA
        self.signingCookie = signingCookie
    }
}

/// FLAGS_FIELD of ACK ([MS-PNRP] 2.2.2.7).
public struct AckFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// N: the FLOOD's Validate PNRP ID is not registered here.
    public static let notFound = AckFlags(rawValue: 0x0001)
}

/// ACK ([MS-PNRP] 2.2.2.7): acknowledges a REQUEST or a FLOOD.
public struct Ack: Hashable, Sendable {
    /// The acknowledged Message ID.
    public var ackedMessageID: UInt32
    /// FLAGS_FIELD, when present.
    public var flags: AckFlags?

    /// Builds an ACK.
    public init(ackedMessageID: UInt32, flags: AckFlags? = nil) { (self.ackedMessageID, self.flags) = (ackedMessageID, flags) }
}

/// LOOKUP_CONTROLS flags ([MS-PNRP] 2.2.2.8).
public struct LookupFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// A: accept nodes not closer than the Validate PNRP ID.
    public static let acceptNotCloser = LookupFlags(rawValue: 0x0002)
}

/// LOOKUP ([MS-PNRP] 2.2.2.8): one hop of an iterative resolution.
public struct Lookup: Hashable, Sendable {
    /// LOOKUP_CONTROLS flags.
    public var flags: LookupFlags
    /// Significant bits for `.upperBits`.
    public var precision: UInt16
    /// How much of the target must match.
    public var criteria: ResolveCriteria
    /// ResolveReasonCode byte: why the lookup runs (`ResolveReason` when known). Receivers ignore it,
    /// so unknown values are kept, not rejected.
    public var reasonCode: UInt8
    /// The ID looked for.
    public var target: PNRPID
    /// The ID of the node the LOOKUP is sent to.
    public var validateID: PNRPID
    /// Best match found so far, when any.
    public var bestMatch: RouteEntry?
    /// The flagged path: endpoints already visited (1...22).
    public var flaggedPath: [IPv6Endpoint]

    /// Builds a LOOKUP.
    public init(flags: LookupFlags = [], precision: UInt16 = 0, criteria: ResolveCriteria, reasonCode: UInt8 = ResolveReason.applicationRequest.rawValue, target: PNRPID, validateID: PNRPID, bestMatch: RouteEntry? = nil, flaggedPath: [IPv6Endpoint]) {
        self.flags = flags
        self.precision = precision
        self.criteria = criteria
        self.reasonCode = reasonCode
        self.target = target
        self.validateID = validateID
        self.bestMatch = bestMatch
        self.flaggedPath = flaggedPath
    }
}
