/// FILETIME: 100-nanosecond intervals since 1601-01-01 UTC, the CPA's time format ([MS-PNRP] 2.2.3.1).
public struct FileTime: Hashable, Sendable, Comparable {
    /// The raw count of 100 ns intervals since 1601-01-01.
    public var rawValue: UInt64
    /// Wraps a raw FILETIME.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// 100 ns intervals between 1601-01-01 and 1970-01-01.
    public static let unixEpochOffset: UInt64 = 116_444_736_000_000_000

    /// The FILETIME of an instant given in nanoseconds since the Unix epoch.
    public init(unixNanoseconds: UInt64) { rawValue = Self.unixEpochOffset &+ unixNanoseconds / 100 }

    /// The instant as nanoseconds since the Unix epoch (0 for times before 1970).
    public var unixNanoseconds: UInt64 { rawValue > Self.unixEpochOffset ? (rawValue - Self.unixEpochOffset) &* 100 : 0 }

    public static func < (a: FileTime, b: FileTime) -> Bool { a.rawValue < b.rawValue }
}

/// Flags byte of an Encoded CPA ([MS-PNRP] 2.2.3.1).
public struct CPAFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// X: an extended payload exists.
    public static let extendedPayload = CPAFlags(rawValue: 0x20)
    /// F: a friendly name follows.
    public static let friendlyName = CPAFlags(rawValue: 0x10)
    /// C: the classifier hash is present.
    public static let classifierHash = CPAFlags(rawValue: 0x08)
    /// A: the binary authority is present (secured name).
    public static let binaryAuthority = CPAFlags(rawValue: 0x04)
    /// U: the friendly name is UTF-8 rather than UTF-16.
    public static let friendlyNameUTF8 = CPAFlags(rawValue: 0x02)
    /// R: this CPA revokes the registration.
    public static let revoke = CPAFlags(rawValue: 0x01)
}

/// A Certified Peer Address ([MS-PNRP] 2.2.3.1): the signed record that binds a peer name's PNRP ID to the
/// endpoints of its publisher. Signed with Ed25519 rather than RSA-1024 (`docs/deviations.md`, item C1).
public struct CPA: Hashable, Sendable {
    /// Flags (see `CPAFlags`).
    public var flags: CPAFlags
    /// End of validity.
    public var notAfter: FileTime
    /// Lower 128 bits of the PNRP ID.
    public var serviceLocation: ServiceLocation
    /// 16 bytes echoed from the INQUIRE that asked for this CPA (zeros when none; zeros in a revocation).
    public var nonce: [UInt8]
    /// SHA-1 of the public key (20 bytes) when the name is secured (flag A).
    public var binaryAuthority: [UInt8]?
    /// SHA-1 of the classifier (20 bytes) (flag C).
    public var classifierHash: [UInt8]?
    /// Friendly name text (flag F); UTF-8 on the wire when `friendlyNameUTF8`, else UTF-16LE.
    public var friendlyName: String?
    /// The publisher's PNRP endpoints (0...4; at least 1 unless revoking).
    public var serviceAddresses: [IPv6Endpoint]
    /// Application endpoints from the PAYLOAD (nil when NumPayloads = 0; 1...10 entries otherwise).
    public var payload: [IPv6AppEndpoint]?
    /// The publisher's raw Ed25519 public key (32 bytes).
    public var publicKey: [UInt8]
    /// Ed25519 signature (64 bytes) over every encoded byte before the SIGNATURE structure.
    public var signature: [UInt8]

    /// Memberwise initialiser; use `CPA.signed(...)` to build a valid one.
    public init(flags: CPAFlags, notAfter: FileTime, serviceLocation: ServiceLocation, nonce: [UInt8], binaryAuthority: [UInt8]?, classifierHash: [UInt8]?, friendlyName: String?, serviceAddresses: [IPv6Endpoint], payload: [IPv6AppEndpoint]?, publicKey: [UInt8], signature: [UInt8]) {
        self.flags = flags
        self.notAfter = notAfter
        self.serviceLocation = serviceLocation
        self.nonce = nonce
        self.binaryAuthority = binaryAuthority
        self.classifierHash = classifierHash
        self.friendlyName = friendlyName
        self.serviceAddresses = serviceAddresses
        self.payload = payload
        self.publicKey = publicKey
        self.signature = signature
    }
}
