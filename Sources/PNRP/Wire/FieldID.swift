/// The FieldID codes that open every PNRP message element ([MS-PNRP] 2.2).
///
/// Each element is `FieldID (2) | Length (2) | body`, big-endian; Length counts the 4-byte prefix and the
/// body but not the 0-3 padding bytes that bring the next FieldID to a 4-byte boundary.
/// `pnrpID`, `wchar` and `ipv6Endpoint` never open an element of their own: they only appear as the
/// ElementFieldType of an array element.
public enum FieldID: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    /// PNRP_HEADER: the 12-byte header of every message ([MS-PNRP] 2.2.1).
    case pnrpHeader = 0x0010
    /// PNRP_HEADER_ACKED: the Message ID being answered ([MS-PNRP] 2.2.2.2, 2.2.2.6, 2.2.2.7).
    case pnrpHeaderAcked = 0x0018
    /// PNRP_ID: ElementFieldType of PNRP_ID_ARRAY ([MS-PNRP] 2.2.2.2).
    case pnrpID = 0x0030
    /// TARGET_PNRP_ID ([MS-PNRP] 2.2.2.8).
    case targetPNRPID = 0x0038
    /// VALIDATE_PNRP_ID ([MS-PNRP] 2.2.2.4, 2.2.2.5, 2.2.2.8).
    case validatePNRPID = 0x0039
    /// FLAGS_FIELD: 2 bytes of message-specific flags; Length 6 ([MS-PNRP] 2.2.2.5, 2.2.2.6.1, 2.2.2.7).
    case flagsField = 0x0040
    /// FLOOD_CONTROLS; Length 7 ([MS-PNRP] 2.2.2.4).
    case floodControls = 0x0043
    /// SOLICIT_CONTROLS; Length 6 ([MS-PNRP] 2.2.2.1).
    case solicitControls = 0x0044
    /// LOOKUP_CONTROLS; Length 12 ([MS-PNRP] 2.2.2.8).
    case lookupControls = 0x0045
    /// EXTENDED_PAYLOAD ([MS-PNRP] 2.2.2.6.1, 2.2.3.3).
    case extendedPayload = 0x005A
    /// PNRP_ID_ARRAY ([MS-PNRP] 2.2.2.2, 2.2.2.3).
    case pnrpIDArray = 0x0060
    /// CERT_CHAIN ([MS-PNRP] 2.2.2.6.1, 2.2.3.5).
    case certChain = 0x0080
    /// WCHAR: ElementFieldType of CLASSIFIER ([MS-PNRP] 2.2.2.6.1).
    case wchar = 0x0084
    /// CLASSIFIER: an array of UTF-16 code units ([MS-PNRP] 2.2.2.6.1).
    case classifier = 0x0085
    /// HASHED_NONCE: SHA-1 of the conversation nonce; Length 24 ([MS-PNRP] 2.2.2.1, 2.2.2.2).
    case hashedNonce = 0x0092
    /// NONCE: 16 bytes; Length 20 ([MS-PNRP] 2.2.2.3, 2.2.2.5).
    case nonce = 0x0093
    /// SPLIT_CONTROLS: Size and Offset of an AUTHORITY fragment; Length 8 ([MS-PNRP] 2.2.2.6).
    case splitControls = 0x0098
    /// ROUTING_ENTRY: a ROUTE_ENTRY ([MS-PNRP] 2.2.3.4).
    case routingEntry = 0x009A
    /// VALIDATE_CPA: an Encoded CPA ([MS-PNRP] 2.2.2.6.1, 2.2.3.1).
    case validateCPA = 0x009B
    /// REVOKE_CPA: an Encoded CPA with R set ([MS-PNRP] 2.2.2.4).
    case revokeCPA = 0x009C
    /// IPV6_ENDPOINT: ElementFieldType of IPV6_ENDPOINT_ARRAY ([MS-PNRP] 2.2.3.6).
    case ipv6Endpoint = 0x009D
    /// IPV6_ENDPOINT_ARRAY ([MS-PNRP] 2.2.2.4, 2.2.2.8).
    case ipv6EndpointArray = 0x009E
    /// SIGNING_COOKIE: 16 bytes a publisher short of signing time hands out in a busy AUTHORITY, and a resolver
    /// echoes in its INQUIRE (not in [MS-PNRP]: `docs/deviations.md`, item N32).
    case signingCookie = 0x00B0

    /// The spec's name for the code, e.g. `ROUTING_ENTRY` ([MS-PNRP] 2.2).
    public var description: String {
        switch self {
        case .pnrpHeader: "PNRP_HEADER"
        case .pnrpHeaderAcked: "PNRP_HEADER_ACKED"
        case .pnrpID: "PNRP_ID"
        case .targetPNRPID: "TARGET_PNRP_ID"
        case .validatePNRPID: "VALIDATE_PNRP_ID"
        case .flagsField: "FLAGS_FIELD"
        case .floodControls: "FLOOD_CONTROLS"
        case .solicitControls: "SOLICIT_CONTROLS"
        case .lookupControls: "LOOKUP_CONTROLS"
        case .extendedPayload: "EXTENDED_PAYLOAD"
        case .pnrpIDArray: "PNRP_ID_ARRAY"
        case .certChain: "CERT_CHAIN"
        case .wchar: "WCHAR"
        case .classifier: "CLASSIFIER"
        case .hashedNonce: "HASHED_NONCE"
        case .nonce: "NONCE"
        case .splitControls: "SPLIT_CONTROLS"
        case .routingEntry: "ROUTING_ENTRY"
        case .validateCPA: "VALIDATE_CPA"
        case .revokeCPA: "REVOKE_CPA"
        case .ipv6Endpoint: "IPV6_ENDPOINT"
        case .ipv6EndpointArray: "IPV6_ENDPOINT_ARRAY"
        case .signingCookie: "SIGNING_COOKIE"
        }
    }
}
