/// ADVERTISE element codec ([MS-PNRP] 2.2.2.2): PNRP_HEADER_ACKED PNRP_ID_ARRAY HASHED_NONCE.
extension Advertise {
    /// Writes the elements after the header.
    func encode(into w: inout WireWriter) throws(WireError) {
        try w.writeAckedElement(ackedMessageID)
        try w.writePNRPIDArrayElement(ids)
        try w.writeFixedBytesElement(.hashedNonce, hashedNonce, length: WireFormat.hashedNonceLength)
    }

    /// Reads the elements after the header.
    init(decodingElements r: inout WireReader) throws(WireError) {
        let acked = try r.readAckedElement()
        let ids = try r.readPNRPIDArrayElement()
        let hashedNonce = try r.readFixedBytesElement(.hashedNonce, length: WireFormat.hashedNonceLength)
        self.init(ackedMessageID: acked, ids: ids, hashedNonce: hashedNonce)
    }
}
