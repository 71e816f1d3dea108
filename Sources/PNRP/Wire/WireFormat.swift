/// Fixed values and bounds of the PNRP message syntax ([MS-PNRP] 2.2), gathered in one place so the
/// encoders, the decoders and the tests agree on them.
public enum WireFormat {
    /// Bytes in the PNRP header ([MS-PNRP] 2.2.1).
    public static let headerLength = 12
    /// The header's Identifier byte ([MS-PNRP] 2.2.1).
    public static let identifier: UInt8 = 0x51
    /// The header's VersionMajor ([MS-PNRP] 2.2.1).
    public static let versionMajor: UInt8 = 4
    /// The header's VersionMinor ([MS-PNRP] 2.2.1).
    public static let versionMinor: UInt8 = 0
    /// Every FieldID starts at a multiple of this offset ([MS-PNRP] 2.2).
    public static let alignment = 4

    /// Bytes of a HASHED_NONCE value: a SHA-1 digest ([MS-PNRP] 2.2.2.1).
    public static let hashedNonceLength = 20
    /// Bytes of a NONCE value ([MS-PNRP] 2.2.2.3, 2.2.2.5).
    public static let nonceLength = 16
    /// Bytes of a SIGNING_COOKIE (`docs/deviations.md`, item N32).
    public static let signingCookieLength = 16

    /// Lowest port a ROUTE_ENTRY or IPV6_ENDPOINT may carry: ports MUST be greater than 1024
    /// ([MS-PNRP] 2.2.3.4, 2.2.3.6).
    public static let minimumPort: UInt16 = 1025

    /// Largest NumEntries of a PNRP_ID_ARRAY or CLASSIFIER ([MS-PNRP] 2.2.2.2, 2.2.2.6.1).
    public static let maximumArrayEntries = 0x7FFF
    /// Largest number of IDs whose PNRP_ID_ARRAY still fits the 16-bit element Length: 12 + 32 N <= 65535.
    public static let maximumPNRPIDs = (0xFFFF - 12) / 32
    /// Most entries in a FLOOD's Already Flooded List ([MS-PNRP] 2.2.2.4).
    public static let maximumAlreadyFlooded = 22
    /// Allowed entries in a LOOKUP's Flagged Path ([MS-PNRP] 2.2.2.8).
    public static let flaggedPathCount: ClosedRange<Int> = 1...22
    /// Allowed IPv6 addresses in a ROUTE_ENTRY ([MS-PNRP] 2.2.3.4).
    public static let routeEntryAddressCount: ClosedRange<Int> = 1...RouteEntry.maximumAddresses

    /// Bytes of AUTHORITY_BUFFER carried by every AUTHORITY fragment but the last ([MS-PNRP] 3.2.5.10).
    public static let fragmentLength = 1188
    /// Largest AUTHORITY_BUFFER Size ([MS-PNRP] 2.2.2.6).
    public static let maximumAuthorityBufferSize = 0x91E4
    /// Bytes of an AUTHORITY message before its Buffer: header, PNRP_HEADER_ACKED, SPLIT_CONTROLS
    /// ([MS-PNRP] 2.2.2.6).
    public static let authorityOverhead = 12 + 8 + 8
}
