import PeerCrypto

/// Why a CPA was refused by `CPA.verify` or could not be built by `CPA.signed` / `CPA.revocation`.
/// Each case is one rule of [MS-PNRP] 3.1.5.7 (or of our Ed25519 profile, `docs/deviations.md` C1–C7).
public enum CPAError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The CPA breaks a structural rule of [MS-PNRP] 2.2.3.1 (flags, field sizes, address or payload counts).
    case malformed(String)
    /// The public key is not a 32-byte Ed25519 key (the only algorithm this implementation signs with).
    case unsupportedKeyAlgorithm(String)
    /// Flag A is set but BinaryAuthority is not the SHA-1 of the public key; or, when building, the key does
    /// not own the secured name.
    case authorityMismatch
    /// The Ed25519 signature does not verify over the bytes before the SIGNATURE structure.
    case badSignature
    /// `now` is past Not After ([MS-PNRP] 3.1.5.7).
    case expired(notAfter: FileTime, now: FileTime)
    /// Not After lies further ahead than the 7 days [MS-PNRP] 2.2.3.1 allows, plus the clock-skew allowance.
    case validityTooLong(notAfter: FileTime, latestAccepted: FileTime)
    /// The CPA speaks for another PNRP ID than the one expected (`actual` is nil without a classifier hash).
    case wrongID(expected: PNRPID, actual: PNRPID?)
    /// The nonce is not the one sent in the INQUIRE ([MS-PNRP] 3.1.5.7).
    case nonceMismatch

    public var description: String {
        switch self {
        case .malformed(let why): "malformed CPA: \(why)"
        case .unsupportedKeyAlgorithm(let why): "unsupported CPA key: \(why); only Ed25519 keys (32 bytes) are accepted"
        case .authorityMismatch: "the CPA's binary authority is not the SHA-1 of its public key: it was not published by the owner of the secured name"
        case .badSignature: "the CPA's Ed25519 signature does not verify: it was altered or signed with another key"
        case .expired(let notAfter, let now): "the CPA expired at \(notAfter) (now \(now)); ask the publisher for a fresh one"
        case .validityTooLong(let notAfter, let latest):
            "the CPA claims validity until \(notAfter), later than the 7 days (plus 1 hour skew) allowed, i.e. \(latest); check the publisher's clock"
        case .wrongID(let expected, let actual):
            "the CPA speaks for \(actual.map(\.description) ?? "no PNRP ID (no classifier hash)"), not for the expected \(expected)"
        case .nonceMismatch: "the CPA's nonce is not the one sent in the INQUIRE: a replayed or unsolicited CPA"
        }
    }
}

extension CPA {
    /// Longest validity [MS-PNRP] 2.2.3.1 lets a CPA claim: one week ("from 12 hours in the future up to one
    /// week in the future", a SHOULD).
    public static let maximumValiditySeconds: UInt64 = 7 * 86_400
    /// Clock difference tolerated between publisher and verifier when checking the upper bound (1 hour).
    public static let clockSkewSeconds: UInt64 = 3_600

    /// True when flag R is set: the CPA unregisters its PNRP ID.
    public var isRevocation: Bool { flags.contains(.revoke) }

    /// True when flag A is set: the CPA carries a binary authority, i.e. it speaks for a secured name.
    public var isSecured: Bool { flags.contains(.binaryAuthority) }

    /// The P2P ID this CPA speaks for, from its classifier hash and authority ([MS-PNRP] 3.1.4.3:
    /// SHA-1(CH | BA | CH | "PNRP"), first 16 bytes; BA = 20 zero bytes when unsecured). nil when there is no
    /// classifier hash (or it is not 20 bytes).
    public var p2pID: P2PID? {
        guard let ch = classifierHash, ch.count == 20 else { return nil }
        var input = [UInt8]()
        input.reserveCapacity(64)
        input += ch
        if let ba = binaryAuthority, ba.count == 20 { input += ba } else { input += repeatElement(0, count: 20) }
        input += ch
        input += [0x50, 0x4E, 0x52, 0x50]  // "PNRP"
        let d = SHA1.hash(input)
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(d[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(d[i]) }
        return P2PID(high: high, low: low)
    }

    /// PNRP ID = p2pID || serviceLocation.
    public var pnrpID: PNRPID? { p2pID.map { PNRPID(p2pID: $0, serviceLocation: serviceLocation) } }

    /// Builds and signs a CPA for `name`: flags C always, A when the name is secured, F and U (UTF-8) when a
    /// friendly name is given ([MS-PNRP] 3.2.5.7, 3.2.5.9 with Ed25519, `docs/deviations.md` C1).
    ///
    /// - Parameters:
    ///   - nonce: the 16 bytes of the INQUIRE's NONCE, or 16 zero bytes when it had none ([MS-PNRP] 3.2.5.6).
    ///   - payload: application endpoints (1...10), or nil for none.
    ///   - friendlyName: 1...78 bytes of UTF-8 without NUL, or nil.
    ///   - hasExtendedPayload: sets flag X: the registration publishes an EXTENDED_PAYLOAD, which receivers
    ///     that ask for it must then get and validate ([MS-PNRP] 2.2.3.1, 3.1.5.7).
    /// - Throws: `.authorityMismatch` when `name` is secured and `key` does not own it; `.malformed` when an
    ///   argument breaks [MS-PNRP] 2.2.3.1 (nonce size, 1...4 addresses with ports > 1024, payload size,
    ///   friendly name size).
    public static func signed(
        name: PeerName, serviceLocation: ServiceLocation, serviceAddresses: [IPv6Endpoint], payload: [IPv6AppEndpoint]?,
        friendlyName: String?, notAfter: FileTime, nonce: [UInt8], key: Ed25519PrivateKey, hasExtendedPayload: Bool = false
    ) throws(CPAError) -> CPA {
        let publicKey = key.publicKey.bytes
        var flags: CPAFlags = [.classifierHash]
        var binaryAuthority: [UInt8]?
        if case .secured(let authority) = name.authority {
            guard SHA1.hash(publicKey) == authority else { throw .authorityMismatch }
            flags.insert(.binaryAuthority)
            binaryAuthority = authority
        }
        if friendlyName != nil { flags.formUnion([.friendlyName, .friendlyNameUTF8]) }
        if hasExtendedPayload { flags.insert(.extendedPayload) }
        var cpa = CPA(
            flags: flags, notAfter: notAfter, serviceLocation: serviceLocation, nonce: nonce,
            binaryAuthority: binaryAuthority, classifierHash: name.classifierHash, friendlyName: friendlyName,
            serviceAddresses: serviceAddresses, payload: payload, publicKey: publicKey,
            signature: [UInt8](repeating: 0, count: Ed25519.signatureByteCount))
        try cpa.checkStructure()
        cpa.signature = key.signature(for: cpa.signedBytes)
        return cpa
    }

    /// A revocation of this registration (R set, nonce zero, no payload, X clear: a revocation has no
    /// extended payload), signed with `key` ([MS-PNRP] 2.2.3.1, 3.2.4.2). The service addresses, service
    /// location, hashes and friendly name stay, so the revocation speaks for the same PNRP ID.
    ///
    /// - Throws: `.authorityMismatch` when this CPA is secured and `key` does not own its authority;
    ///   `.malformed` when this CPA is structurally invalid.
    public func revocation(notAfter: FileTime, key: Ed25519PrivateKey) throws(CPAError) -> CPA {
        var r = self
        r.flags.insert(.revoke)
        r.flags.remove(.extendedPayload)
        r.notAfter = notAfter
        r.nonce = CPA.zeroNonce
        r.payload = nil
        r.publicKey = key.publicKey.bytes
        r.reserved = .zero
        r.signature = [UInt8](repeating: 0, count: Ed25519.signatureByteCount)
        try r.checkStructure()
        if r.isSecured, let ba = r.binaryAuthority, SHA1.hash(r.publicKey) != ba { throw .authorityMismatch }
        r.signature = key.signature(for: r.signedBytes)
        return r
    }

    /// True when `self` is a revocation that may withdraw `registration`: R is set, both speak for the same
    /// PNRP ID and carry the same public key. For an unsecured name only the key holder that published the
    /// registration can withdraw it this way. Signatures are not checked here: `verify` both first.
    public func revokes(_ registration: CPA) -> Bool {
        isRevocation && publicKey == registration.publicKey && pnrpID != nil && pnrpID == registration.pnrpID
    }

    /// Checks the structural rules of [MS-PNRP] 2.2.3.1 that a hand-assembled CPA can break (a decoded one
    /// always satisfies them): flags (A or C; U only with F), presence and size of every field, 0...4 service
    /// addresses with ports > 1024 and at least 1 unless revoking, a zero nonce when revoking, 1...10 payload
    /// endpoints, a 1...78-byte NUL-free friendly name, a 32-byte key and a 64-byte signature.
    public func checkStructure() throws(CPAError) {
        if let problem = flags.structureProblem { throw .malformed(problem) }
        if flags.contains(.binaryAuthority) != (binaryAuthority != nil) { throw .malformed("flag A and the presence of the binary authority disagree") }
        if let ba = binaryAuthority, ba.count != 20 { throw .malformed("binary authority has \(ba.count) bytes; it must have 20") }
        if flags.contains(.classifierHash) != (classifierHash != nil) { throw .malformed("flag C and the presence of the classifier hash disagree") }
        if let ch = classifierHash, ch.count != 20 { throw .malformed("classifier hash has \(ch.count) bytes; it must have 20") }
        if flags.contains(.friendlyName) != (friendlyName != nil) { throw .malformed("flag F and the presence of the friendly name disagree") }
        if let friendlyName {
            let n = Self.friendlyNameByteCount(friendlyName, utf8: flags.contains(.friendlyNameUTF8))
            guard (1...Self.maximumFriendlyNameBytes).contains(n) else {
                throw .malformed("friendly name has \(n) bytes encoded; it must have 1...\(Self.maximumFriendlyNameBytes)")
            }
            if friendlyName.utf8.contains(0) { throw .malformed("friendly name contains a NUL character") }
        }
        if nonce.count != 16 { throw .malformed("nonce has \(nonce.count) bytes; it must have 16") }
        if isRevocation && nonce.contains(where: { $0 != 0 }) { throw .malformed("a revocation must carry an all-zero nonce") }
        if serviceAddresses.count > Self.maximumServiceAddresses {
            throw .malformed("\(serviceAddresses.count) service addresses; at most \(Self.maximumServiceAddresses) allowed")
        }
        if serviceAddresses.isEmpty && !isRevocation { throw .malformed("no service address; a CPA that is not a revocation needs at least one") }
        if let e = serviceAddresses.first(where: { $0.port <= 1024 }) { throw .malformed("service address \(e) has a port <= 1024") }
        if let payload, !(1...Self.maximumPayloadEndpoints).contains(payload.count) {
            throw .malformed("payload has \(payload.count) endpoints; it must have 1...\(Self.maximumPayloadEndpoints) (nil for none)")
        }
        if publicKey.count != Ed25519PublicKey.byteCount { throw .unsupportedKeyAlgorithm("public key has \(publicKey.count) bytes") }
        if signature.count != Ed25519.signatureByteCount { throw .malformed("signature has \(signature.count) bytes; it must have 64") }
    }

    /// True when the checks of `verify` ([MS-PNRP] 3.1.5.7) that need no signature check pass: the nonce and
    /// the PNRP ID are the expected ones (when given), the validity window holds, and when A is set
    /// BinaryAuthority is the SHA-1 of the public key. A node asks this first, so that a CPA that cannot be
    /// valid costs it no Ed25519 verification (`docs/deviations.md`, item N26); `verify` still runs every
    /// check, these included.
    public func passesChecksBeforeSignature(now: FileTime, expectedID: PNRPID? = nil, expectedNonce: [UInt8]? = nil) -> Bool {
        if let expectedNonce, expectedNonce != nonce { return false }
        if now > notAfter || notAfter > now.adding(seconds: Self.maximumValiditySeconds + Self.clockSkewSeconds) { return false }
        if let expectedID, pnrpID != expectedID { return false }
        if isSecured, let ba = binaryAuthority, SHA1.hash(publicKey) != ba { return false }
        return true
    }

    /// Checks, in this order, each failure a distinct `CPAError` case ([MS-PNRP] 3.1.5.7):
    /// 1. structure (`checkStructure`): `.malformed`, `.unsupportedKeyAlgorithm`;
    /// 2. when A is set, BinaryAuthority == SHA-1(public key): `.authorityMismatch`;
    /// 3. the Ed25519 signature over every byte of `encoded()` before the SIGNATURE structure: `.badSignature`;
    /// 4. not expired, `now <= notAfter`: `.expired`;
    /// 5. not too far ahead, `notAfter <= now + 7 days + 1 hour`: `.validityTooLong`;
    /// 6. when given, it speaks for `expectedID` (same P2P ID and service location): `.wrongID`;
    /// 7. when given, its nonce is `expectedNonce`: `.nonceMismatch`.
    ///
    /// A revocation that passes is valid: whether to act on it (`isRevocation`, `revokes(_:)`) is the node's
    /// decision. `signatures` performs step 3 (a node passes its configured checker).
    public func verify(
        now: FileTime, expectedID: PNRPID? = nil, expectedNonce: [UInt8]? = nil,
        signatures: any CPASignatureChecker = DirectCPASignatureChecker()
    ) throws(CPAError) {
        try checkStructure()
        if isSecured, let ba = binaryAuthority, SHA1.hash(publicKey) != ba { throw .authorityMismatch }
        guard signatures.isValidSignature(of: self) else { throw .badSignature }
        if now > notAfter { throw .expired(notAfter: notAfter, now: now) }
        let latest = now.adding(seconds: Self.maximumValiditySeconds + Self.clockSkewSeconds)
        if notAfter > latest { throw .validityTooLong(notAfter: notAfter, latestAccepted: latest) }
        if let expectedID {
            let actual = pnrpID
            if actual != expectedID { throw .wrongID(expected: expectedID, actual: actual) }
        }
        if let expectedNonce, expectedNonce != nonce { throw .nonceMismatch }
    }
}
