/// An EXTENDED_PAYLOAD ([MS-PNRP] 2.2.3.3): application data published with a registration, signed by the
/// publisher for one INQUIRE and carried in its own element of the AUTHORITY_BUFFER (2.2.2.6.1).
///
/// Signed with Ed25519 rather than RSA-1024, over every byte before the SIGNATURE structure, Length field
/// included, the way CPAs are (`docs/deviations.md`, items C1, C3, C8). The key that verifies it is the
/// public key of the CPA it travels with (W10).
public struct ExtendedPayload: Hashable, Sendable {
    /// End of validity (FILETIME), like the CPA's Not After ([MS-PNRP] 2.2.3.3).
    public var notAfter: FileTime
    /// The PNRP ID the payload is published for. Written least significant byte first on the wire, unlike
    /// message elements (`docs/deviations.md`, item W3).
    public var pnrpID: PNRPID
    /// 16 bytes echoed from the INQUIRE that asked for the payload (zeros when it carried none).
    public var nonce: [UInt8]
    /// The payload itself: binary data or a NUL-terminated string ([MS-PNRP] 2.2.3.3 Payload Type).
    public var content: ExtendedPayloadContent
    /// Ed25519 signature (64 bytes) over every encoded byte before the SIGNATURE structure.
    public var signature: [UInt8]
    /// The Reserved field: zero in every payload this package builds; kept from a received payload so that
    /// it re-encodes to exactly the bytes its signature covers ([MS-PNRP] 2.2.3.3: ignored on receipt).
    public var reserved: UInt16 = 0

    /// Memberwise initialiser; use `ExtendedPayload.signed(...)` to build a valid one.
    public init(notAfter: FileTime, pnrpID: PNRPID, nonce: [UInt8], content: ExtendedPayloadContent, signature: [UInt8]) {
        self.notAfter = notAfter
        self.pnrpID = pnrpID
        self.nonce = nonce
        self.content = content
        self.signature = signature
    }
}

/// The Payload of an EXTENDED_PAYLOAD and its Payload Type ([MS-PNRP] 2.2.3.3).
public enum ExtendedPayloadContent: Hashable, Sendable {
    /// Payload Type 0x80000003: 1...4096 bytes of binary data.
    case binary([UInt8])
    /// Payload Type 0x80000002: a NUL-terminated string of 4...4096 bytes (terminator included), in the
    /// encoding `StringType` names. The bytes are kept exactly as received, terminator included.
    case string(ExtendedPayloadStringType, [UInt8])

    /// The Payload Type value on the wire.
    public var payloadType: UInt32 {
        switch self {
        case .binary: ExtendedPayload.binaryPayloadType
        case .string: ExtendedPayload.stringPayloadType
        }
    }

    /// What an application receives ([MS-PNRP] 3.2.4.3 returns the payload to the application): binary data
    /// as published; a string as its text in UTF-8, without the terminating NUL (`docs/deviations.md`, W10).
    public var data: [UInt8] {
        switch self {
        case .binary(let bytes): bytes
        case .string: Array((text ?? "").utf8)
        }
    }

    /// The text of a string payload without its terminator; nil for binary data or an ill-formed string.
    public var text: String? {
        guard case .string(let type, let bytes) = self else { return nil }
        return try? ExtendedPayload.decodeString(bytes[...], type: type)
    }
}

/// The String Type of a string EXTENDED_PAYLOAD ([MS-PNRP] 2.2.3.3).
public enum ExtendedPayloadStringType: UInt16, Hashable, Sendable, CaseIterable {
    /// 0x0000: "Unicode", UTF-16 little-endian code units (Windows WCHAR), NUL-terminated by 00 00.
    case utf16 = 0
    /// 0x0001: UTF-8, NUL-terminated by 00.
    case utf8 = 1
}
