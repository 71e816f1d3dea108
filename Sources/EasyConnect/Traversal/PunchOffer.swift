/// The first bytes a Helper sends over a stream relay connection to a User behind a NAT
/// (`docs/deviations.md`, E11): where the Helper listens and connects from for a TCP simultaneous open. On
/// reading it, the User connects out from its listener's port to each endpoint, which opens its NAT to the
/// Helper while the Helper connects to the invitation's punch endpoints; the first connection to greet wins,
/// and the relayed one is kept as the last resort. An offer with no endpoint asks for the relay alone.
///
/// The offer is not authenticated, and need not be: whatever connection it leads to still has to pass the
/// password (or contact key) handshake, and it makes the User send at most one SYN per endpoint.
///
/// Layout:
///
/// | bytes | field |
/// |---|---|
/// | 4 | magic `ECPO` |
/// | 1 | version = 1 |
/// | 1 | endpoint count, 0…4 |
/// | 22 each | address (16), port (2), scope index (4) |
public struct PunchOffer: Hashable, Sendable {
    /// The magic bytes, "ECPO".
    public static let magic: [UInt8] = Array("ECPO".utf8)
    /// Format version.
    public static let version: UInt8 = 1
    /// Most endpoints an offer lists.
    public static let maximumEndpoints = 4
    /// The longest offer, in bytes.
    public static let maximumByteCount = 6 + maximumEndpoints * SessionEndpoint.byteCount

    /// Where the Helper can be reached by a connection from the User (its public mapping, its own addresses).
    public var endpoints: [SessionEndpoint]

    /// Builds an offer; `encoded()` checks the limit.
    public init(endpoints: [SessionEndpoint]) {
        self.endpoints = endpoints
    }

    /// The bytes.
    public func encoded() throws(MessageError) -> [UInt8] {
        guard endpoints.count <= Self.maximumEndpoints else {
            throw .unencodable("a punch offer lists at most \(Self.maximumEndpoints) endpoints, not \(endpoints.count)")
        }
        var w = MessageWriter(capacity: Self.maximumByteCount)
        w.write(bytes: Self.magic)
        w.write(Self.version)
        w.write(UInt8(endpoints.count))
        for e in endpoints { e.write(to: &w) }
        return w.bytes
    }

    /// Reads an offer from the start of `bytes`: nil while more bytes are needed, else the offer and how many
    /// bytes it took (what follows belongs to the session). Throws for anything that is not an offer.
    public static func decodePrefix(_ bytes: [UInt8]) throws(MessageError) -> (offer: PunchOffer, consumed: Int)? {
        let head = min(bytes.count, 4)
        guard Array(bytes[0..<head]) == Array(magic[0..<head]) else { throw .badValue(field: "punch offer magic", reason: "is not ECPO") }
        guard bytes.count >= 6 else { return nil }
        guard bytes[4] == version else { throw .badValue(field: "punch offer version", reason: "is \(bytes[4]); this program reads version \(version)") }
        let count = Int(bytes[5])
        guard count <= maximumEndpoints else {
            throw .badValue(field: "punch offer endpoint count", reason: "is \(count); it must be 0 to \(maximumEndpoints)")
        }
        let length = 6 + count * SessionEndpoint.byteCount
        guard bytes.count >= length else { return nil }
        var r = MessageReader(Array(bytes[6..<length]))
        var endpoints: [SessionEndpoint] = []
        for i in 0..<count { endpoints.append(try SessionEndpoint(reading: &r, field: "punch offer endpoint \(i + 1)")) }
        return (PunchOffer(endpoints: endpoints), length)
    }
}
