/// ACK element codec ([MS-PNRP] 2.2.2.7): PNRP_HEADER_ACKED [FLAGS_FIELD]. The FLAGS_FIELD ends the message
/// and has no padding, so an ACK with flags is 26 bytes.
extension Ack {
    /// The defined ACK flag bit (N); the rest are reserved: zero when sent, ignored on receipt.
    static let definedFlags: UInt16 = AckFlags.notFound.rawValue

    /// Writes the elements after the header. Reserved flag bits are sent as zero.
    func encode(into w: inout WireWriter) throws(WireError) {
        try w.writeAckedElement(ackedMessageID)
        if let flags { try w.writeFlagsElement(flags.rawValue & Self.definedFlags, padded: false) }
    }

    /// Reads the elements after the header. Reserved flag bits are dropped.
    init(decodingElements r: inout WireReader) throws(WireError) {
        let acked = try r.readAckedElement()
        var flags: AckFlags?
        if !r.isAtEnd {
            flags = AckFlags(rawValue: try r.readFlagsElement(padded: false, expected: "FLAGS_FIELD or end of message") & Self.definedFlags)
        }
        self.init(ackedMessageID: acked, flags: flags)
    }
}
