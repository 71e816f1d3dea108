/// Reads the few header bytes a driver needs of a datagram it received, without decoding a whole message
/// ([MS-PNRP] 2.2.1): the MessageType at offset 7, the Message ID at 8, and — for ADVERTISE, AUTHORITY and ACK, whose first element
/// is PNRP_HEADER_ACKED (2.2.3.2) — the acknowledged Message ID at 16. All big-endian.
public enum DatagramPeek {
    /// MessageType of a plausible PNRP datagram, or nil.
    public static func type(of d: [UInt8]) -> UInt8? {
        guard d.count >= WireFormat.headerLength, d[4] == WireFormat.identifier else { return nil }
        return d[7]
    }

    /// The header's Message ID.
    public static func messageID(of d: [UInt8]) -> UInt32? {
        guard d.count >= WireFormat.headerLength else { return nil }
        return uint32(d, at: 8)
    }

    /// The acknowledged Message ID of an answer (ADVERTISE, AUTHORITY, ACK, and the NAT traversal extension's
    /// answers, which carry it at offset 16 as well: `docs/deviations.md` X1, X6), or nil for a request.
    public static func ackedMessageID(of d: [UInt8]) -> UInt32? {
        guard let t = type(of: d), OutgoingKind.isAnswerType(t), d.count >= 20 else { return nil }
        return uint32(d, at: 16)
    }

    private static func uint32(_ d: [UInt8], at i: Int) -> UInt32 {
        UInt32(d[i]) << 24 | UInt32(d[i + 1]) << 16 | UInt32(d[i + 2]) << 8 | UInt32(d[i + 3])
    }
}
