import PeerCrypto

/// One party's side of a CPace run: the balanced PAKE of draft-irtf-cfrg-cpace-21 (CFRG, April 2026), cipher suite
/// CPACE-RISTR255-SHA512, in the initiator–responder setting (the initiator A always sends first; transcripts use
/// `transcript_ir`).
///
/// Each party makes its `CPace` from the shared password (PRS), channel identifier (CI), session ID (sid) and its own
/// associated data (AD), sends `share` and its AD, and turns the peer's share and AD into the 64-byte intermediate
/// session key (ISK) with `intermediateSessionKey(peerShare:peerAssociatedData:)`. Both get the same ISK exactly when
/// PRS, CI, sid and both views of the transcript agree. The draft recommends running ISK through a KDF before use;
/// the secret point K is never exposed. Explicit key confirmation (section 10.4) is in `CPace+Confirmation`.
///
/// The secret scalar lives in a `SecretBox` and is wiped when the last copy of the value goes away; a scalar must
/// never be reused, so make a new `CPace` for every run.
public struct CPace: Sendable {
    /// The part a party plays. The initiator's share and AD come first in the transcript.
    public enum Role: Sendable, Hashable {
        /// Party A, which sends first.
        case initiator
        /// Party B, which answers.
        case responder
    }

    /// This party's role.
    public let role: Role
    /// This party's public share, Ya or Yb: 32 bytes, to be sent with `associatedData`.
    public let share: [UInt8]
    /// This party's associated data, ADa or ADb, sent in clear alongside the share.
    public let associatedData: [UInt8]
    /// The session ID both parties started from.
    public let sessionID: [UInt8]
    private let scalar: SecretBox

    /// Starts a run: derives the generator from password, channel identifier and session ID, samples a secret
    /// scalar from `entropy` and computes the public share.
    ///
    /// - Parameters:
    ///   - password: PRS, the shared low-entropy secret (encode text passwords as the application decides, e.g.
    ///     RFC 8265 OpaqueString in UTF-8).
    ///   - channelIdentifier: CI, kept confidential and bound into the generator; party identities with their roles
    ///     belong here when both sides know them.
    ///   - sessionID: sid, a public value unique to this session (may be empty, at the cost the draft describes).
    ///   - associatedData: this party's AD, authenticated by the run.
    ///   - entropy: where the scalar comes from: `SystemEntropy` on real networks.
    public init(
        role: Role,
        password: [UInt8],
        channelIdentifier: [UInt8],
        sessionID: [UInt8],
        associatedData: [UInt8],
        entropy: inout some EntropySource
    ) throws(CPaceError) {
        var generator = try Self.generator(password: password, channelIdentifier: channelIdentifier, sessionID: sessionID)
        defer { ConstantTime.wipe(&generator) }
        var scalar = try CPaceRistretto255.sampleScalar(entropy: &entropy)
        defer { ConstantTime.wipe(&scalar) }
        try self.init(role: role, generator: generator, scalar: scalar, sessionID: sessionID, associatedData: associatedData)
    }

    /// Starts a run with a given secret scalar (32 bytes, little-endian) instead of a sampled one, so the draft's
    /// test vectors can be reproduced. Never for real runs: a scalar must not be reused.
    @_spi(Testing) public init(
        role: Role,
        password: [UInt8],
        channelIdentifier: [UInt8],
        sessionID: [UInt8],
        associatedData: [UInt8],
        scalar: [UInt8]
    ) throws(CPaceError) {
        guard scalar.count == Ristretto255.scalarByteCount else { throw .badScalarLength(scalar.count) }
        var generator = try Self.generator(password: password, channelIdentifier: channelIdentifier, sessionID: sessionID)
        defer { ConstantTime.wipe(&generator) }
        try self.init(role: role, generator: generator, scalar: scalar, sessionID: sessionID, associatedData: associatedData)
    }

    private init(role: Role, generator: [UInt8], scalar: [UInt8], sessionID: [UInt8], associatedData: [UInt8]) throws(CPaceError) {
        do {
            share = try Ristretto255.multiply(scalar: scalar, element: generator)
        } catch {
            throw .invalidScalar  // the generator is a valid non-identity element, so only the scalar can be at fault
        }
        self.role = role
        self.scalar = SecretBox(copying: scalar)
        self.sessionID = sessionID
        self.associatedData = associatedData
    }

    private static func generator(password: [UInt8], channelIdentifier: [UInt8], sessionID: [UInt8]) throws(CPaceError) -> [UInt8] {
        var generator = CPaceRistretto255.calculateGenerator(
            password: password, channelIdentifier: channelIdentifier, sessionID: sessionID)
        guard generator.count == Ristretto255.elementByteCount, generator.contains(where: { $0 != 0 }) else {
            ConstantTime.wipe(&generator)
            throw .degenerateGenerator
        }
        return generator
    }

    /// Derives the 64-byte intermediate session key from the peer's message:
    /// `ISK = SHA-512(lv_cat(DSI || "_ISK", sid, K) || transcript_ir(Ya, ADa, Yb, ADb))` with `K = scalar_mult_vfy(y, Y_peer)`.
    ///
    /// Throws (and the run must be aborted) when the peer's share has the wrong length, is not a canonical
    /// ristretto255 encoding, or is the identity. K and the hashed string are wiped; the caller owns the ISK.
    public func intermediateSessionKey(peerShare: [UInt8], peerAssociatedData: [UInt8]) throws(CPaceError) -> [UInt8] {
        var point = try sharedPoint(peerShare: peerShare)
        var input = CPaceEncoding.lengthValueConcatenation([CPaceRistretto255.keyDomainSeparator, sessionID, point])
        ConstantTime.wipe(&point)
        let (ya, ada, yb, adb) = orderedTranscript(peerShare: peerShare, peerAssociatedData: peerAssociatedData)
        input += CPaceEncoding.initiatorResponderTranscript(
            initiatorShare: ya, initiatorAssociatedData: ada, responderShare: yb, responderAssociatedData: adb)
        defer { ConstantTime.wipe(&input) }
        return SHA512.hash(input)
    }

    /// K, the secret point. The draft forbids exposing it; this exists only to check it against the test vectors.
    @_spi(Testing) public func sharedPoint(peerShare: [UInt8]) throws(CPaceError) -> [UInt8] {
        try scalar.withBytes { (y) throws(CPaceError) -> [UInt8] in
            try CPaceRistretto255.scalarMultiplyVerified(scalar: y, element: peerShare)
        }
    }

    /// The optional public session identifier of section 10.6 for runs started with an empty sid:
    /// `SHA-512("CPaceSidOutput" || transcript_ir(Ya, ADa, Yb, ADb))`, unique for honest parties.
    public func sessionIDOutput(peerShare: [UInt8], peerAssociatedData: [UInt8]) -> [UInt8] {
        let (ya, ada, yb, adb) = orderedTranscript(peerShare: peerShare, peerAssociatedData: peerAssociatedData)
        return SHA512.hash(Array("CPaceSidOutput".utf8) + CPaceEncoding.initiatorResponderTranscript(
            initiatorShare: ya, initiatorAssociatedData: ada, responderShare: yb, responderAssociatedData: adb))
    }

    /// (Ya, ADa, Yb, ADb) from this party's view.
    func orderedTranscript(peerShare: [UInt8], peerAssociatedData: [UInt8]) -> ([UInt8], [UInt8], [UInt8], [UInt8]) {
        switch role {
        case .initiator: (share, associatedData, peerShare, peerAssociatedData)
        case .responder: (peerShare, peerAssociatedData, share, associatedData)
        }
    }
}
