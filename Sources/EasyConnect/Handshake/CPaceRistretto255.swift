import PeerCrypto

/// The group environment G_Ristretto255 with H = SHA-512 (cipher suite CPACE-RISTR255-SHA512,
/// draft-irtf-cfrg-cpace-21 section 8.3): generator derivation, scalar sampling and the checked scalar
/// multiplication, all on libsodium through PeerCrypto.
@_spi(Testing) public enum CPaceRistretto255 {
    /// `G.DSI`, the domain separation identifier.
    @_spi(Testing) public static let domainSeparator = Array("CPaceRistretto255".utf8)
    /// `G.DSI || "_ISK"`, the label of the intermediate session key.
    @_spi(Testing) public static let keyDomainSeparator = Array("CPaceRistretto255_ISK".utf8)
    /// `H.s_in_bytes` for SHA-512: its input block size.
    @_spi(Testing) public static let hashBlockByteCount = 128

    /// `G.calculate_generator(H, PRS, CI, sid)`: SHA-512 of the generator string (64 bytes), mapped to the group
    /// with ristretto255's element derivation. Returns the encoded generator; the intermediates holding the password
    /// are wiped.
    @_spi(Testing) public static func calculateGenerator(
        password: [UInt8],
        channelIdentifier: [UInt8],
        sessionID: [UInt8]
    ) -> [UInt8] {
        var generatorString = CPaceEncoding.generatorString(
            domainSeparator: domainSeparator, password: password, channelIdentifier: channelIdentifier,
            sessionID: sessionID, hashBlockByteCount: hashBlockByteCount)
        var digest = SHA512.hash(generatorString)
        defer {
            ConstantTime.wipe(&generatorString)
            ConstantTime.wipe(&digest)
        }
        // 64 bytes by construction, so the map cannot refuse them.
        return (try? Ristretto255.element(fromUniformBytes: digest)) ?? []
    }

    /// `G.sample_scalar()` as section 8.3 recommends: 32 random bytes with the bits above `group_size_bits` (252)
    /// cleared, read little-endian. Zero is drawn again (a broken source that only gives zero ends in
    /// `.entropyExhausted` after 64 draws).
    @_spi(Testing) public static func sampleScalar(entropy: inout some EntropySource) throws(CPaceError) -> [UInt8] {
        for _ in 0..<64 {
            var scalar = entropy.bytes(Ristretto255.scalarByteCount)
            if scalar.count == Ristretto255.scalarByteCount {
                scalar[31] &= 0x0F
                if scalar.contains(where: { $0 != 0 }) { return scalar }
            }
            ConstantTime.wipe(&scalar)
        }
        throw .entropyExhausted
    }

    /// `G.scalar_mult_vfy(y, X)`: `y · decode(X)`, refusing (instead of returning `G.I`) an `X` that does not decode
    /// and a product that is the identity. A refusal means the run must be aborted.
    @_spi(Testing) public static func scalarMultiplyVerified(scalar: some Collection<UInt8>, element: [UInt8]) throws(CPaceError) -> [UInt8] {
        guard element.count == Ristretto255.elementByteCount else { throw .badPeerShareLength(element.count) }
        do {
            return try Ristretto255.multiply(scalar: scalar, element: element)
        } catch .invalidElement {
            throw .invalidPeerShare
        } catch .identityResult {
            throw .identityPeerShare
        } catch .badScalarLength(let n) {
            throw .badScalarLength(n)
        } catch {
            throw .invalidPeerShare  // every remaining case is a length checked above
        }
    }
}
