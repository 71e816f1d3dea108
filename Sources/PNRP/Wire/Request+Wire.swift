/// REQUEST element codec ([MS-PNRP] 2.2.2.3): NONCE PNRP_ID_ARRAY.
extension Request {
    /// Writes the elements after the header.
    func encode(into w: inout WireWriter) throws(WireError) {
        try w.writeFixedBytesElement(.nonce, nonce, length: WireFormat.nonceLength)
        try w.writePNRPIDArrayElement(ids)
    }

    /// Reads the elements after the header.
    init(decodingElements r: inout WireReader) throws(WireError) {
        let nonce = try r.readFixedBytesElement(.nonce, length: WireFormat.nonceLength)
        let ids = try r.readPNRPIDArrayElement()
        self.init(nonce: nonce, ids: ids)
    }
}
