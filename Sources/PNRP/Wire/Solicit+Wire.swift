/// SOLICIT element codec ([MS-PNRP] 2.2.2.1): [SOLICIT_CONTROLS] [ROUTING_ENTRY] HASHED_NONCE.
extension Solicit {
    /// Writes the elements after the header.
    func encode(into w: inout WireWriter) throws(WireError) {
        if let solicitType {
            // Length 6: Reserved (1, zero), SolicitType (1); Padding1 (2, zero) is the element padding.
            try w.writeElement(.solicitControls) { (w: inout WireWriter) throws(WireError) in
                w.writeUInt8(0)
                w.writeUInt8(solicitType.rawValue)
            }
        }
        if let routeEntry { try w.writeRoutingEntryElement(routeEntry) }
        try w.writeFixedBytesElement(.hashedNonce, hashedNonce, length: WireFormat.hashedNonceLength)
    }

    /// Reads the elements after the header.
    init(decodingElements r: inout WireReader) throws(WireError) {
        var solicitType: SolicitType?
        if r.isNext(.solicitControls) {
            var body = try r.readElement(.solicitControls, length: 6)
            _ = try body.readUInt8("SOLICIT_CONTROLS Reserved")  // MUST be ignored on receipt
            let raw = try body.readUInt8("SOLICIT_CONTROLS SolicitType")
            guard let type = SolicitType(rawValue: raw) else {
                throw .badValue(field: "SOLICIT_CONTROLS SolicitType", reason: "0x\(String(raw, radix: 16)) is neither ANY (0) nor LOCAL (1)")
            }
            solicitType = type
        }
        var routeEntry: RouteEntry?
        if r.isNext(.routingEntry) { routeEntry = try r.readRoutingEntryElement() }
        let expected = routeEntry == nil ? (solicitType == nil ? "SOLICIT_CONTROLS, ROUTING_ENTRY or HASHED_NONCE" : "ROUTING_ENTRY or HASHED_NONCE") : "HASHED_NONCE"
        let hashedNonce = try r.readFixedBytesElement(.hashedNonce, length: WireFormat.hashedNonceLength, expected: expected)
        self.init(solicitType: solicitType, routeEntry: routeEntry, hashedNonce: hashedNonce)
    }
}
