import PeerCrypto

/// One trust record of `RAContactHistory.xml` (`<RAINVITATIONITEM>`): who the contact is and the key they
/// proved in a session.
public struct ContactRecord: Sendable, Hashable {
    /// The `TYPE` of a record made by an Easy Connect session.
    public static let easyConnectType = 1
    /// Largest avatar kept, in bytes.
    public static let maximumAvatarBytes = 64 * 1024

    /// The contact's display name (`NAME`).
    public var name: String
    /// The contact's machine (`COMPUTERNAME`).
    public var computerName: String
    /// A picture, as stored (`AVATAR`, base64; usually empty).
    public var avatar: [UInt8]
    /// The key the contact proved (`PUBLICKEY`, base64 of the 32-byte Ed25519 key).
    public var publicKey: Ed25519PublicKey
    /// The address as stored (`ADDRESS`). It must be the one `publicKey` owns; `isConsistent` tells.
    public var address: ContactAddress
    /// `TYPE` (1: made by an Easy Connect session).
    public var type: Int
    /// The last session with the contact (`TIME`, `YYYYMMDDHHMMSS.ffffff` UTC), in microseconds since 1970.
    public var lastSessionMicroseconds: Int64

    /// A record of `peer` as proven in a session that started at `microseconds`.
    public init(peer: PeerIdentity, atMicroseconds microseconds: Int64) {
        name = peer.displayName
        computerName = peer.computerName
        avatar = []
        publicKey = peer.key
        address = ContactAddress(of: peer.key)
        type = Self.easyConnectType
        lastSessionMicroseconds = microseconds
    }

    /// Builds a record field by field (as read from a file).
    public init(name: String, computerName: String, avatar: [UInt8], publicKey: Ed25519PublicKey, address: ContactAddress, type: Int, lastSessionMicroseconds: Int64) {
        (self.name, self.computerName, self.avatar, self.publicKey) = (name, computerName, avatar, publicKey)
        (self.address, self.type, self.lastSessionMicroseconds) = (address, type, lastSessionMicroseconds)
    }

    /// True when `publicKey` owns `address`. A record where it does not was changed after it was written.
    public var isConsistent: Bool { address.isOwned(by: publicKey) }

    /// The fingerprint of the stored key.
    public var keyFingerprint: String { PeerIdentity.fingerprint(of: publicKey) }

    /// The record's key, refused when it does not own the record's address.
    public func checkedKey() throws(ContactError) -> Ed25519PublicKey {
        guard isConsistent else {
            throw .keyMismatch(
                address: address, recorded: address.fingerprint, found: keyFingerprint,
                context: "the record's PUBLICKEY does not own its ADDRESS (RAContactHistory.xml was changed)")
        }
        return publicKey
    }

    /// `TIME` as written: `YYYYMMDDHHMMSS.ffffff`, UTC.
    public var timeText: String { Self.timeText(microseconds: lastSessionMicroseconds) }

    /// Formats microseconds since 1970 as `YYYYMMDDHHMMSS.ffffff` (UTC).
    public static func timeText(microseconds: Int64) -> String {
        func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
        let seconds = floorDiv(microseconds, 1_000_000), fraction = microseconds - seconds * 1_000_000
        let days = floorDiv(seconds, 86_400), secondOfDay = seconds - days * 86_400
        let (y, m, d) = CivilDate.fromDays(days)
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "." + pad(fraction, 6)
    }

    /// Reads `YYYYMMDDHHMMSS.ffffff` (the fraction may have 0 to 6 digits); nil when malformed.
    public static func microseconds(fromTimeText text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts[0].count == 14, parts[0].allSatisfy(\.isASCII), parts[0].allSatisfy(\.isNumber) else { return nil }
        let digits = Array(parts[0]).map { Int64(String($0))! }
        func number(_ r: Range<Int>) -> Int64 { digits[r].reduce(0) { $0 * 10 + $1 } }
        let (y, mo, d, h, mi, s) = (number(0..<4), number(4..<6), number(6..<8), number(8..<10), number(10..<12), number(12..<14))
        guard (1...12).contains(mo), (1...CivilDate.daysIn(month: mo, year: y)).contains(d), h < 24, mi < 60, s < 60 else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard f.count <= 6, f.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = (f + String(repeating: "0", count: 6 - f.count)).reduce(0) { $0 * 10 + Int64(String($1))! }
        }
        return ((CivilDate.toDays(year: y, month: mo, day: d) * 86_400) + h * 3600 + mi * 60 + s) * 1_000_000 + fraction
    }
}
