import PeerCrypto

/// The 128-bit P2P ID of a peer name: the upper half of every PNRP ID registered for that name
/// ([MS-PNRP] 1.3.1.2, 3.1.4.4.1).
public struct P2PID: Hashable, Sendable, CustomStringConvertible {
    /// Upper and lower 64 bits.
    public var high: UInt64, low: UInt64

    /// Builds a P2P ID from its two halves.
    public init(high: UInt64, low: UInt64) { (self.high, self.low) = (high, low) }

    /// Derives the P2P ID of `name` as [MS-PNRP] 3.1.4.4.1 (and 1.3.1.2) prescribes:
    /// the first 16 bytes of SHA-1(ClassifierHash ‖ BinaryAuthority ‖ ClassifierHash ‖ "PNRP"),
    /// where ClassifierHash = SHA-1 of the classifier (UTF-16LE, see `PeerName.classifierHash`)
    /// and BinaryAuthority is 20 zero bytes for an unsecured name.
    public init(name: PeerName) {
        self.init(classifierHash: name.classifierHash, binaryAuthority: name.authority.binary)
    }

    /// The same formula from the two hashes a CPA carries ([MS-PNRP] 3.1.5.5, 3.1.5.7 rebuild the PNRP ID
    /// from the CPA's ClassifierHash and BinaryAuthority): the first 16 bytes of
    /// SHA-1(classifierHash ‖ binaryAuthority ‖ classifierHash ‖ "PNRP"). The inputs are hashed as given;
    /// callers check that they are 20 bytes each.
    public init(classifierHash: [UInt8], binaryAuthority: [UInt8]) {
        var input = classifierHash
        input += binaryAuthority
        input += classifierHash
        input += [0x50, 0x4E, 0x52, 0x50]  // "PNRP", the 32-bit constant 0x504e5250 of 1.3.1.2
        let digest = SHA1.hash(input)
        self.init(high: digest[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, low: digest[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// The 16 bytes, most significant first (the first 16 bytes of the SHA-1 digest).
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        for w in [high, low] { for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) } }
        return out
    }

    /// 32 lowercase hex digits.
    public var description: String { hexString(words: [high, low]) }
}

/// The lower 128 bits of a PNRP ID ([MS-PNRP] 3.1.4.4): a 64-bit prefix (the upper half of the
/// publisher's IPv6 address, or an application hint) and a 64-bit suffix that makes the PNRP IDs of
/// several publishers of one name differ.
public struct ServiceLocation: Hashable, Sendable, CustomStringConvertible {
    /// Upper and lower 64 bits.
    public var high: UInt64, low: UInt64

    /// Builds a service location from its two halves.
    public init(high: UInt64, low: UInt64) { (self.high, self.low) = (high, low) }

    /// The service location a resolver uses for a target: prefix from its own address, suffix
    /// 0x8000000000000000, the middle of the range ([MS-PNRP] 3.1.4.4).
    public static func forResolution(prefix: UInt64) -> ServiceLocation {
        ServiceLocation(high: prefix, low: 0x8000_0000_0000_0000)
    }

    /// The service location a publisher registers: `prefix` and the first 64 bits of
    /// SHA-1(public key ‖ service addresses ‖ salt) ([MS-PNRP] 1.3.1.2; the salt is an "8-bit random number"
    /// there, any length here).
    public static func forRegistration(prefix: UInt64, publicKey: [UInt8], serviceAddresses: [IPv6Endpoint], salt: [UInt8]) -> ServiceLocation {
        var input = publicKey
        for e in serviceAddresses { e.write(to: &input) }
        input += salt
        let d = SHA1.hash(input)
        return ServiceLocation(high: prefix, low: d[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// 32 lowercase hex digits.
    public var description: String { hexString(words: [high, low]) }
}
