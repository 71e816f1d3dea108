import PeerCrypto

extension ExtendedPayload {
    /// Builds and signs an EXTENDED_PAYLOAD ([MS-PNRP] 3.2.5.8, signed as 3.2.5.9 with Ed25519,
    /// `docs/deviations.md` C8). `key` must be the key that signs the registration's CPA: receivers verify
    /// the payload with the CPA's public key (W10).
    ///
    /// - Parameters:
    ///   - pnrpID: the registered PNRP ID the payload belongs to.
    ///   - nonce: the 16 bytes of the INQUIRE's NONCE, or 16 zero bytes when it had none ([MS-PNRP] 3.2.5.6).
    ///   - content: 1...4096 bytes of binary data, or a NUL-terminated string of 4...4096 bytes.
    /// - Throws: `.malformed` when an argument breaks [MS-PNRP] 2.2.3.3.
    public static func signed(
        pnrpID: PNRPID, nonce: [UInt8], notAfter: FileTime, content: ExtendedPayloadContent, key: Ed25519PrivateKey
    ) throws(ExtendedPayloadError) -> ExtendedPayload {
        var payload = ExtendedPayload(
            notAfter: notAfter, pnrpID: pnrpID, nonce: nonce, content: content, signature: [UInt8](repeating: 0, count: Ed25519.signatureByteCount))
        try payload.checkStructure()
        payload.signature = key.signature(for: payload.signedBytes)
        return payload
    }

    /// Checks the structural rules of [MS-PNRP] 2.2.3.3 that a hand-assembled payload can break (a decoded one
    /// always satisfies them): a 16-byte nonce, 1...4096 bytes of binary data or a well-formed NUL-terminated
    /// string of 4...4096 bytes, and a 64-byte signature.
    public func checkStructure() throws(ExtendedPayloadError) {
        if nonce.count != 16 { throw .malformed("nonce has \(nonce.count) bytes; it must have 16") }
        switch content {
        case .binary(let bytes):
            guard (1...Self.maximumBinaryBytes).contains(bytes.count) else {
                throw .malformed("binary payload has \(bytes.count) bytes; it must have 1...\(Self.maximumBinaryBytes)")
            }
        case .string(let type, let bytes):
            guard Self.stringByteRange.contains(bytes.count) else {
                throw .malformed("string payload has \(bytes.count) bytes with its terminator; it must have \(Self.stringByteRange.lowerBound)...\(Self.stringByteRange.upperBound)")
            }
            do { _ = try Self.decodeString(bytes[...], type: type) } catch { throw .malformed(error.description) }
        }
        if signature.count != Ed25519.signatureByteCount { throw .malformed("signature has \(signature.count) bytes; it must have 64") }
    }

    /// Validates the payload ([MS-PNRP] 3.1.5.8), in this order, each failure a distinct case:
    /// 1. structure (`checkStructure`): `.malformed`;
    /// 2. not expired, `now <= notAfter`: `.expired`;
    /// 3. not too far ahead, `notAfter <= now + 7 days + 1 hour` (the CPA's rule, C5): `.validityTooLong`;
    /// 4. published for `expectedID`, the PNRP ID of the route entry asked about: `.wrongID`;
    /// 5. its nonce is `expectedNonce`, the INQUIRE's (zeros when it sent none): `.nonceMismatch`;
    /// 6. the Ed25519 signature over every byte before the SIGNATURE structure verifies under `publicKey`,
    ///    the public key of the CPA the payload came with (`docs/deviations.md` W10): `.unsupportedKey`,
    ///    `.badSignature`.
    ///
    /// The signature comes last, as in 3.1.5.8: the cheap checks refuse replays without a signature check.
    public func verify(now: FileTime, expectedID: PNRPID, expectedNonce: [UInt8], publicKey: [UInt8]) throws(ExtendedPayloadError) {
        try checkStructure()
        if now > notAfter { throw .expired(notAfter: notAfter, now: now) }
        let latest = now.adding(seconds: CPA.maximumValiditySeconds + CPA.clockSkewSeconds)
        if notAfter > latest { throw .validityTooLong(notAfter: notAfter, latestAccepted: latest) }
        if pnrpID != expectedID { throw .wrongID(expected: expectedID, actual: pnrpID) }
        if nonce != expectedNonce { throw .nonceMismatch }
        let key: Ed25519PublicKey
        do { key = try Ed25519PublicKey(bytes: publicKey) } catch { throw .unsupportedKey(error.description) }
        guard key.isValidSignature(signature, for: signedBytes) else { throw .badSignature }
    }

    /// Decodes `bytes` (the body of an EXTENDED_PAYLOAD element) and validates the result with
    /// `verify(now:expectedID:expectedNonce:publicKey:)`; a decoding failure is `.undecodable`
    /// ([MS-PNRP] 3.1.5.8: "conforms to the syntax as specified in section 2.2.3.3").
    public static func verified(
        _ bytes: [UInt8], now: FileTime, expectedID: PNRPID, expectedNonce: [UInt8], publicKey: [UInt8]
    ) throws(ExtendedPayloadError) -> ExtendedPayload {
        let payload: ExtendedPayload
        do { payload = try ExtendedPayload(decoding: bytes) } catch { throw .undecodable(error) }
        try payload.verify(now: now, expectedID: expectedID, expectedNonce: expectedNonce, publicKey: publicKey)
        return payload
    }
}
