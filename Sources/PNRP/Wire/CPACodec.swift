import PeerCrypto

/// Encoding and decoding of the Encoded CPA structure ([MS-PNRP] 2.2.3.1).
///
/// Layout (integers little-endian unless noted; `docs/deviations.md` C1–C6 and W5 give the exact bytes):
///
/// | size | field |
/// |---|---|
/// | 2 | CPA Length (whole structure) |
/// | 4 | `00 02 00 04`: CPA minor, CPA major, PNRP minor, PNRP major |
/// | 1 | flags (`CPAFlags`) |
/// | 1 | reserved |
/// | 8 | Not After (FILETIME) |
/// | 16 | Service Location, least significant byte first |
/// | 16 | Nonce |
/// | 20 | BinaryAuthority, least significant byte first (flag A) |
/// | 20 | ClassifierHash, SHA-1 digest order (flag C) |
/// | 2 + k | FriendlyName Len (1...78) + FriendlyName (flag F; UTF-8 with U, else UTF-16LE) |
/// | 4 + 18m | NumServiceAddresses (0...4), 18, m × IPV6_ENDPOINT (port big-endian, address) |
/// | 4 | NumPayloads (0 or 1), Total Bytes (4 + PAYLOAD size) |
/// | 6 + 20j | PAYLOAD: Type = 1 (4), DataLength = 20j (2), j × IPV6_APP_ENDPOINT |
/// | 52 | CPA Public Key: 52, 11, reserved (2), 32, unused (1), `1.3.101.112`, Ed25519 key (32) |
/// | 72 | SIGNATURE: 72, 64, ALG_ID 0x35326445, Ed25519 signature (64) |
extension CPA {
    /// Most bytes a FriendlyName may have ([MS-PNRP] 2.2.3.1).
    public static let maximumFriendlyNameBytes = 78
    /// Most service addresses a CPA may list ([MS-PNRP] 2.2.3.1.1).
    public static let maximumServiceAddresses = 4
    /// Most IPV6_APP_ENDPOINTs in the PAYLOAD: DataLength 20...200 ([MS-PNRP] 2.2.3.1.2).
    public static let maximumPayloadEndpoints = 10
    /// Bytes of the fixed head, up to and including the Nonce.
    static let headCount = 48

    /// The algorithm OID carried in the CPA Public Key structure: Ed25519, RFC 8410, as ASCII (no NUL).
    public static let publicKeyAlgorithmOID: [UInt8] = Array("1.3.101.112".utf8)
    /// Size of the CPA Public Key structure for an Ed25519 key: 9 + 11 + 32.
    public static let publicKeyStructureCount = 52
    /// ALG_ID written in the SIGNATURE structure for Ed25519. Its little-endian bytes read "Ed25"
    /// (`45 64 32 35`); every CryptoAPI ALG_ID is below 0x10000, so it can never be mistaken for one.
    public static let signatureAlgorithmID: UInt32 = 0x3532_6445
    /// Size of the SIGNATURE structure for an Ed25519 signature: 8 + 64.
    public static let signatureStructureCount = 72

    /// Encoded CPA bytes ([MS-PNRP] 2.2.3.1), little-endian fields as the spec says.
    ///
    /// A CPA made by `signed`, `revocation` or `init(decoding:)` always encodes to bytes `init(decoding:)`
    /// accepts, and decoding then encoding reproduces the input exactly. A hand-assembled CPA is written as it
    /// stands (length fields reflect the actual field sizes); `checkStructure()` says whether it is valid.
    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(encodedCount)
        write(to: &out, includingSignature: true)
        return out
    }

    /// Appends the Encoded CPA to `buffer` (no copy of an intermediate array).
    public func write(to buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + encodedCount)
        write(to: &buffer, includingSignature: true)
    }

    /// The number of bytes `encoded()` returns.
    public var encodedCount: Int { signedCount + 8 + signature.count }

    /// The bytes the signature covers: every byte of `encoded()` before the SIGNATURE structure
    /// ([MS-PNRP] 3.2.5.9).
    public var signedBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(signedCount)
        write(to: &out, includingSignature: false)
        return out
    }

    /// Bytes before the SIGNATURE structure.
    var signedCount: Int {
        var n = Self.headCount - 16 + nonce.count
        n += binaryAuthority?.count ?? 0
        n += classifierHash?.count ?? 0
        if let friendlyName { n += 2 + Self.friendlyNameByteCount(friendlyName, utf8: flags.contains(.friendlyNameUTF8)) }
        n += 4 + IPv6Endpoint.byteCount * serviceAddresses.count
        n += 4
        if let payload { n += 6 + IPv6AppEndpoint.byteCount * payload.count }
        n += 9 + Self.publicKeyAlgorithmOID.count + publicKey.count
        return n
    }

    static func friendlyNameByteCount(_ s: String, utf8: Bool) -> Int { utf8 ? s.utf8.count : 2 * s.utf16.count }

    /// Writes the structure in one pass. Counts that do not fit their field are truncated to it; only a
    /// hand-assembled CPA that `checkStructure()` rejects can have such counts.
    private func write(to out: inout [UInt8], includingSignature: Bool) {
        // CPA Length is the whole structure's size, also in the signed prefix.
        out.appendLE16(UInt16(truncatingIfNeeded: encodedCount))
        out.append(0x00); out.append(0x02)  // CPA minor, major
        out.append(0x00); out.append(0x04)  // PNRP minor, major
        out.append(flags.rawValue)
        out.append(reserved.afterFlags)
        out.appendLE64(notAfter.rawValue)
        out.appendLE64(serviceLocation.low)
        out.appendLE64(serviceLocation.high)
        out.append(contentsOf: nonce)
        if let binaryAuthority { out.append(contentsOf: binaryAuthority.reversed()) }
        if let classifierHash { out.append(contentsOf: classifierHash) }
        if let friendlyName {
            if flags.contains(.friendlyNameUTF8) {
                out.appendLE16(UInt16(truncatingIfNeeded: friendlyName.utf8.count))
                out.append(contentsOf: friendlyName.utf8)
            } else {
                out.appendLE16(UInt16(truncatingIfNeeded: 2 * friendlyName.utf16.count))
                for u in friendlyName.utf16 { out.appendLE16(u) }
            }
        }
        out.appendLE16(UInt16(truncatingIfNeeded: serviceAddresses.count))
        out.appendLE16(UInt16(IPv6Endpoint.byteCount))
        for e in serviceAddresses { e.write(to: &out) }
        if let payload {
            let dataLength = IPv6AppEndpoint.byteCount * payload.count
            out.appendLE16(1)
            out.appendLE16(UInt16(truncatingIfNeeded: 4 + 6 + dataLength))
            out.appendLE32(1)  // PAYLOAD Type: array of IPv6 endpoints
            out.appendLE16(UInt16(truncatingIfNeeded: dataLength))
            for a in payload {
                a.address.write(to: &out)
                out.appendBE16(a.port)
                out.appendLE16(a.ipProtocol)
            }
        } else {
            out.appendLE16(0)
            out.appendLE16(4)
        }
        out.appendLE16(UInt16(truncatingIfNeeded: 9 + Self.publicKeyAlgorithmOID.count + publicKey.count))
        out.appendLE16(UInt16(Self.publicKeyAlgorithmOID.count))
        out.appendLE16(reserved.publicKeyReserved)
        out.appendLE16(UInt16(truncatingIfNeeded: publicKey.count))
        out.append(reserved.publicKeyUnused)
        out.append(contentsOf: Self.publicKeyAlgorithmOID)
        out.append(contentsOf: publicKey)
        guard includingSignature else { return }
        out.appendLE16(UInt16(truncatingIfNeeded: 8 + signature.count))
        out.appendLE16(UInt16(truncatingIfNeeded: signature.count))
        out.appendLE32(Self.signatureAlgorithmID)
        out.append(contentsOf: signature)
    }

    /// Decodes an Encoded CPA; the input must be exactly one CPA (its leading 2-byte LE length must equal the
    /// input count). Never traps: every violation of [MS-PNRP] 2.2.3.1 (and of the Ed25519 key and signature
    /// layout, `docs/deviations.md` C2–C3) is a thrown `WireError`.
    public init<C: Collection<UInt8>>(decoding bytes: C) throws(WireError) {
        self = try CPA.parse(bytes as? ArraySlice<UInt8> ?? ArraySlice(bytes))
    }

    private static func parse(_ buffer: ArraySlice<UInt8>) throws(WireError) -> CPA {
        var r = WireReader(buffer)
        let length = Int(try r.readUInt16LE("CPA Length"))
        guard length == buffer.count else { throw .badLength(field: "CPA Length", length: length, offset: 0) }
        let versions = (try r.readUInt8("CPA minor version"), try r.readUInt8("CPA major version"), try r.readUInt8("PNRP minor version"), try r.readUInt8("PNRP major version"))
        guard versions == (0x00, 0x02, 0x00, 0x04) else {
            throw .badValue(field: "CPA version", reason: "expected CPA 2.0 / PNRP 4.0 (bytes 00 02 00 04), got \(Hex.encode([versions.0])) \(Hex.encode([versions.1])) \(Hex.encode([versions.2])) \(Hex.encode([versions.3]))")
        }
        let flags = CPAFlags(rawValue: try r.readUInt8("CPA flags"))
        if let problem = flags.structureProblem { throw .badValue(field: "CPA flags", reason: problem) }
        var reserved = CPAReservedFields(afterFlags: try r.readUInt8("CPA reserved byte"))
        let notAfter = FileTime(rawValue: try r.readUInt64LE("CPA Not After"))
        let slLow = try r.readUInt64LE("CPA Service Location")
        let slHigh = try r.readUInt64LE("CPA Service Location")
        let nonce = try r.readBytes(16, "CPA Nonce")
        if flags.contains(.revoke), nonce.contains(where: { $0 != 0 }) {
            throw .badValue(field: "CPA Nonce", reason: "a revocation (flag R) must carry an all-zero nonce")
        }
        let binaryAuthority: [UInt8]? = flags.contains(.binaryAuthority) ? Array(try r.readBytes(20, "CPA BinaryAuthority").reversed()) : nil
        let classifierHash: [UInt8]? = flags.contains(.classifierHash) ? try r.readBytes(20, "CPA ClassifierHash") : nil
        var friendlyName: String?
        if flags.contains(.friendlyName) {
            let at = r.offset
            let n = Int(try r.readUInt16LE("CPA FriendlyName Len"))
            guard (1...maximumFriendlyNameBytes).contains(n) else { throw .badLength(field: "CPA FriendlyName", length: n, offset: at) }
            let text = try r.readSlice(n, "CPA FriendlyName")
            friendlyName = try decodeFriendlyName(text, utf8: flags.contains(.friendlyNameUTF8))
        }
        let countAt = r.offset
        let addressCount = Int(try r.readUInt16LE("CPA NumServiceAddresses"))
        guard addressCount <= maximumServiceAddresses else { throw .badValue(field: "CPA NumServiceAddresses", reason: "\(addressCount) at offset \(countAt); at most \(maximumServiceAddresses) allowed") }
        if addressCount == 0 && !flags.contains(.revoke) {
            throw .badValue(field: "CPA NumServiceAddresses", reason: "0 at offset \(countAt); a CPA that is not a revocation must list at least one address")
        }
        let entryAt = r.offset
        let entryLength = Int(try r.readUInt16LE("CPA ServiceAddressLength"))
        guard entryLength == IPv6Endpoint.byteCount else { throw .badLength(field: "CPA ServiceAddressLength", length: entryLength, offset: entryAt) }
        var serviceAddresses = [IPv6Endpoint]()
        serviceAddresses.reserveCapacity(addressCount)
        for _ in 0..<addressCount {
            let at = r.offset
            let port = try r.readUInt16("CPA service address")
            let address = try r.readIPv6Address("CPA service address")
            guard port > 1024 else { throw .badValue(field: "CPA service address", reason: "port \(port) at offset \(at); IPV6_ENDPOINT ports must be greater than 1024") }
            serviceAddresses.append(IPv6Endpoint(address: address, port: port))
        }
        let payloadsAt = r.offset
        let numPayloads = Int(try r.readUInt16LE("CPA NumPayloads"))
        let totalAt = r.offset
        let totalBytes = Int(try r.readUInt16LE("CPA Total Bytes"))
        var payload: [IPv6AppEndpoint]?
        switch numPayloads {
        case 0:
            guard totalBytes == 4 else { throw .badLength(field: "CPA Total Bytes (no payload)", length: totalBytes, offset: totalAt) }
        case 1:
            let typeAt = r.offset
            let type = try r.readUInt32LE("CPA PAYLOAD Type")
            guard type == 1 else { throw .badValue(field: "CPA PAYLOAD Type", reason: "\(type) at offset \(typeAt); only 1 (IPv6 endpoint array) is defined") }
            let dataAt = r.offset
            let dataLength = Int(try r.readUInt16LE("CPA PAYLOAD DataLength"))
            guard dataLength % IPv6AppEndpoint.byteCount == 0, (20...200).contains(dataLength) else {
                throw .badLength(field: "CPA PAYLOAD DataLength", length: dataLength, offset: dataAt)
            }
            guard totalBytes == 4 + 6 + dataLength else { throw .badLength(field: "CPA Total Bytes", length: totalBytes, offset: totalAt) }
            var endpoints = [IPv6AppEndpoint]()
            endpoints.reserveCapacity(dataLength / IPv6AppEndpoint.byteCount)
            for _ in 0..<(dataLength / IPv6AppEndpoint.byteCount) {
                let address = try r.readIPv6Address("CPA IPV6_APP_ENDPOINT")
                let port = try r.readUInt16("CPA IPV6_APP_ENDPOINT")
                let proto = try r.readUInt16LE("CPA IPV6_APP_ENDPOINT")
                endpoints.append(IPv6AppEndpoint(address: address, port: port, ipProtocol: proto))
            }
            payload = endpoints
        default:
            throw .badValue(field: "CPA NumPayloads", reason: "\(numPayloads) at offset \(payloadsAt); must be 0 or 1")
        }

        let keyAt = r.offset
        let keyFieldLength = Int(try r.readUInt16LE("CPA Public Key"))
        let oidLength = Int(try r.readUInt16LE("CPA Public Key"))
        reserved.publicKeyReserved = try r.readUInt16LE("CPA Public Key")
        let keyLength = Int(try r.readUInt16LE("CPA Public Key"))
        reserved.publicKeyUnused = try r.readUInt8("CPA Public Key")
        let oid = try r.readSlice(oidLength, "CPA Public Key algorithm OID")
        guard oid.elementsEqual(publicKeyAlgorithmOID) else {
            let shown = String(decoding: oid.prefix(40).map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            throw .badValue(field: "CPA Public Key algorithm", reason: "OID \"\(shown)\" at offset \(keyAt + 9); only Ed25519 (1.3.101.112) is accepted")
        }
        guard keyLength == 32 else { throw .badLength(field: "CPA PublicKey cbData", length: keyLength, offset: keyAt + 6) }
        guard keyFieldLength == publicKeyStructureCount else { throw .badLength(field: "CPA Public Key Field Length", length: keyFieldLength, offset: keyAt) }
        let publicKey = try r.readBytes(32, "CPA PublicKey Data")

        let sigAt = r.offset
        let sigFieldLength = Int(try r.readUInt16LE("CPA SIGNATURE"))
        let sigLength = Int(try r.readUInt16LE("CPA SIGNATURE"))
        let algorithm = try r.readUInt32LE("CPA SIGNATURE")
        guard sigFieldLength == signatureStructureCount else { throw .badLength(field: "CPA SIGNATURE Field Length", length: sigFieldLength, offset: sigAt) }
        guard sigLength == Ed25519.signatureByteCount else { throw .badLength(field: "CPA SIGNATURE Signature Length", length: sigLength, offset: sigAt + 2) }
        guard algorithm == signatureAlgorithmID else {
            throw .badValue(field: "CPA SIGNATURE ALG_ID", reason: "0x\(String(algorithm, radix: 16)) at offset \(sigAt + 4); only 0x\(String(signatureAlgorithmID, radix: 16)) (Ed25519) is accepted")
        }
        let signature = try r.readBytes(64, "CPA Signature Data")
        guard r.offset == buffer.count else { throw .trailingBytes(count: buffer.count - r.offset, offset: r.offset) }

        var cpa = CPA(
            flags: flags, notAfter: notAfter, serviceLocation: ServiceLocation(high: slHigh, low: slLow), nonce: nonce,
            binaryAuthority: binaryAuthority, classifierHash: classifierHash, friendlyName: friendlyName,
            serviceAddresses: serviceAddresses, payload: payload, publicKey: publicKey, signature: signature)
        cpa.reserved = reserved
        return cpa
    }

    /// Decodes FriendlyName bytes, refusing anything that would not re-encode to the same bytes (ill-formed
    /// UTF-8 or UTF-16, odd UTF-16 length) and NUL characters (the field is a non-NUL-terminated string).
    private static func decodeFriendlyName(_ bytes: ArraySlice<UInt8>, utf8: Bool) throws(WireError) -> String {
        func refuse(_ reason: String) -> WireError { .badValue(field: "CPA FriendlyName", reason: reason) }
        if utf8 {
            if bytes.contains(0) { throw refuse("contains a NUL character") }
            let s = String(decoding: bytes, as: UTF8.self)
            guard s.utf8.elementsEqual(bytes) else { throw refuse("is not well-formed UTF-8 (flag U is set)") }
            return s
        }
        guard bytes.count % 2 == 0 else { throw refuse("has an odd number of bytes (\(bytes.count)) for UTF-16") }
        var units = [UInt16]()
        units.reserveCapacity(bytes.count / 2)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            units.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
            i += 2
        }
        if units.contains(0) { throw refuse("contains a NUL character") }
        let s = String(decoding: units, as: UTF16.self)
        guard s.utf16.elementsEqual(units) else { throw refuse("is not well-formed UTF-16LE (unpaired surrogate)") }
        return s
    }
}

extension CPAFlags {
    /// Why this flags byte breaks [MS-PNRP] 2.2.3.1, or nil. Bits 0xC0 are reserved and ignored.
    var structureProblem: String? {
        if !contains(.binaryAuthority) && !contains(.classifierHash) { return "neither A (binary authority) nor C (classifier hash) is set; one must be" }
        if contains(.friendlyNameUTF8) && !contains(.friendlyName) { return "U (UTF-8 friendly name) is set without F (friendly name)" }
        return nil
    }
}


/// Little- and big-endian appends for the CPA encoder, which writes straight into the caller's buffer.
extension [UInt8] {
    @inline(__always)
    fileprivate mutating func appendLE16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inline(__always)
    fileprivate mutating func appendBE16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    fileprivate mutating func appendLE32(_ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt32(s))) }
    }

    @inline(__always)
    fileprivate mutating func appendLE64(_ v: UInt64) {
        for s in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
    }
}
