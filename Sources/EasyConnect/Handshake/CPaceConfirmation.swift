import PeerCrypto

/// Explicit key confirmation for CPace, as draft-irtf-cfrg-cpace-21 section 10.4 suggests it with HMAC and H = SHA-512:
///
///     mac_key = SHA-512("CPaceMac" || sid || ISK)
///     Ta = HMAC-SHA-512(mac_key, lv_cat(Ya, ADa))      (sent by the initiator)
///     Tb = HMAC-SHA-512(mac_key, lv_cat(Yb, ADb))      (sent by the responder)
///
/// Each party sends the tag over its own message and checks the peer's, aborting on a mismatch. The draft gives no
/// test vectors for this; ours are recomputed from the draft's ISK vector with Python's hashlib and hmac.
extension CPace {
    /// Length of a confirmation tag in bytes.
    public static let confirmationTagByteCount = HMACSHA512.byteCount

    /// Both confirmation tags of a run, (Ta, Tb). The internal MAC key is wiped.
    public static func confirmationTags(
        isk: [UInt8],
        sessionID: [UInt8],
        initiatorShare: [UInt8],
        initiatorAssociatedData: [UInt8],
        responderShare: [UInt8],
        responderAssociatedData: [UInt8]
    ) -> (initiator: [UInt8], responder: [UInt8]) {
        var keyInput = Array("CPaceMac".utf8) + sessionID + isk
        var macKey = SHA512.hash(keyInput)
        defer {
            ConstantTime.wipe(&keyInput)
            ConstantTime.wipe(&macKey)
        }
        let initiator = HMACSHA512.authenticationCode(
            key: macKey, message: CPaceEncoding.lengthValueConcatenation([initiatorShare, initiatorAssociatedData]))
        let responder = HMACSHA512.authenticationCode(
            key: macKey, message: CPaceEncoding.lengthValueConcatenation([responderShare, responderAssociatedData]))
        return (initiator, responder)
    }

    /// This party's tags: the one to send, and the one the peer must send back.
    public func confirmationTags(isk: [UInt8], peerShare: [UInt8], peerAssociatedData: [UInt8]) -> (own: [UInt8], peer: [UInt8]) {
        let (ya, ada, yb, adb) = orderedTranscript(peerShare: peerShare, peerAssociatedData: peerAssociatedData)
        let tags = Self.confirmationTags(
            isk: isk, sessionID: sessionID, initiatorShare: ya, initiatorAssociatedData: ada,
            responderShare: yb, responderAssociatedData: adb)
        return role == .initiator ? (tags.initiator, tags.responder) : (tags.responder, tags.initiator)
    }

    /// Checks the peer's confirmation tag in constant time; throws `.confirmationFailed` (abort the run) when it
    /// differs or has the wrong length.
    public func verifyPeerConfirmation(_ tag: [UInt8], isk: [UInt8], peerShare: [UInt8], peerAssociatedData: [UInt8]) throws(CPaceError) {
        let expected = confirmationTags(isk: isk, peerShare: peerShare, peerAssociatedData: peerAssociatedData).peer
        guard ConstantTime.equal(expected, tag) else { throw .confirmationFailed }
    }
}
