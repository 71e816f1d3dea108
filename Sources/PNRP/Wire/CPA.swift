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

    /// 100 ns intervals per second.
    public static let ticksPerSecond: UInt64 = 10_000_000

    /// This instant moved `seconds` later, saturating at the largest FILETIME.
    public func adding(seconds: UInt64) -> FileTime {
        let (ticks, o1) = seconds.multipliedReportingOverflow(by: Self.ticksPerSecond)
        let (sum, o2) = rawValue.addingReportingOverflow(ticks)
        return FileTime(rawValue: o1 || o2 ? .max : sum)
    }

    /// This instant moved `seconds` earlier, saturating at 1601-01-01.
    public func subtracting(seconds: UInt64) -> FileTime {
        let (ticks, o1) = seconds.multipliedReportingOverflow(by: Self.ticksPerSecond)
        return FileTime(rawValue: o1 || ticks > rawValue ? 0 : rawValue - ticks)
    }
}

extension FileTime: CustomStringConvertible {
    /// UTC as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (proleptic Gregorian calendar, as FILETIME is defined).
    public var description: String {
        let secondsTotal = rawValue / Self.ticksPerSecond
        let fraction = rawValue % Self.ticksPerSecond
        var days = secondsTotal / 86_400
        let secondOfDay = secondsTotal % 86_400
        var year: UInt64 = 1601
        // 400 Gregorian years are always 146 097 days; 1601 starts such a cycle.
        year += 400 * (days / 146_097)
        days %= 146_097
        func isLeap(_ y: UInt64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
        while true {
            let length: UInt64 = isLeap(year) ? 366 : 365
            if days < length { break }
            days -= length
            year += 1
        }
        let monthLengths: [UInt64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var month = 0
        while days >= monthLengths[month] {
            days -= monthLengths[month]
            month += 1
        }
        func pad(_ v: UInt64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(UInt64(month + 1), 2))-\(pad(days + 1, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 7))Z"
    }
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
    /// The nonce of a CPA asked for without one, and of every revocation ([MS-PNRP] 3.2.5.6, 2.2.3.1).
    public static let zeroNonce = [UInt8](repeating: 0, count: 16)
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
    /// The values found in the fields the spec reserves. Zero in every CPA this package builds; kept from a
    /// received CPA so that it re-encodes to exactly the bytes its signature covers.
    public var reserved: CPAReservedFields = .zero

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

/// Fields of an Encoded CPA that [MS-PNRP] 2.2.3.1 and 2.2.3.1.4 reserve: "MUST be set to zero when sent and
/// MUST be ignored on receipt". Their values do not change the meaning of a CPA, but they are covered by its
/// signature, so a decoded CPA keeps them.
public struct CPAReservedFields: Hashable, Sendable {
    /// The Reserved byte after the flags (offset 7).
    public var afterFlags: UInt8
    /// The Reserved field of the CPA Public Key structure.
    public var publicKeyReserved: UInt16
    /// The PublicKey Unused byte of the CPA Public Key structure.
    public var publicKeyUnused: UInt8

    /// Builds a set of reserved values.
    public init(afterFlags: UInt8 = 0, publicKeyReserved: UInt16 = 0, publicKeyUnused: UInt8 = 0) {
        (self.afterFlags, self.publicKeyReserved, self.publicKeyUnused) = (afterFlags, publicKeyReserved, publicKeyUnused)
    }

    /// All zero, as every sender must write them.
    public static let zero = CPAReservedFields()
}
