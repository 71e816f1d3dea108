/// LOOKUP element codec ([MS-PNRP] 2.2.2.8):
/// LOOKUP_CONTROLS TARGET_PNRP_ID VALIDATE_PNRP_ID [ROUTING_ENTRY] IPV6_ENDPOINT_ARRAY (unpadded, last).
extension Lookup {
    /// The defined LOOKUP_CONTROLS flag bit (A); the rest are reserved: zero when sent, ignored on receipt.
    static let definedFlags: UInt16 = LookupFlags.acceptNotCloser.rawValue

    /// Writes the elements after the header. Reserved flag bits and Reserved2 are sent as zero; Precision and
    /// ResolveReasonCode are written as given.
    func encode(into w: inout WireWriter) throws(WireError) {
        try w.writeElement(.lookupControls) { (w: inout WireWriter) throws(WireError) in
            w.writeUInt16(flags.rawValue & Self.definedFlags)
            w.writeUInt16(precision)
            w.writeUInt8(criteria.rawValue)
            w.writeUInt8(reasonCode)
            w.writeUInt16(0)
        }
        try w.writeIDElement(.targetPNRPID, target)
        try w.writeIDElement(.validatePNRPID, validateID)
        if let bestMatch { try w.writeRoutingEntryElement(bestMatch) }
        try w.writeEndpointArrayElement(flaggedPath, allowed: WireFormat.flaggedPathCount, name: "Flagged Path")
    }

    /// Reads the elements after the header. An unknown ResolveCriteria is an error; the ResolveReasonCode is
    /// kept as received (the receiver ignores it); reserved bits and Reserved2 are ignored.
    init(decodingElements r: inout WireReader) throws(WireError) {
        var controls = try r.readElement(.lookupControls, length: 12)
        let flags = try controls.readUInt16("LOOKUP_CONTROLS flags")
        let precision = try controls.readUInt16("LOOKUP_CONTROLS Precision")
        let rawCriteria = try controls.readUInt8("LOOKUP_CONTROLS ResolveCriteria")
        let reason = try controls.readUInt8("LOOKUP_CONTROLS ResolveReasonCode")
        guard let criteria = ResolveCriteria(rawValue: rawCriteria) else {
            throw .badValue(field: "LOOKUP_CONTROLS ResolveCriteria", reason: "0x\(String(rawCriteria, radix: 16)) is not one of 0x00, 0x01, 0x02, 0x04, 0x08")
        }
        let target = try r.readIDElement(.targetPNRPID)
        let validateID = try r.readIDElement(.validatePNRPID)
        var bestMatch: RouteEntry?
        if r.isNext(.routingEntry) { bestMatch = try r.readRoutingEntryElement() }
        let path = try r.readEndpointArrayElement(
            allowed: WireFormat.flaggedPathCount, name: "Flagged Path",
            expected: bestMatch == nil ? "ROUTING_ENTRY or IPV6_ENDPOINT_ARRAY" : "IPV6_ENDPOINT_ARRAY")
        self.init(
            flags: LookupFlags(rawValue: flags & Self.definedFlags), precision: precision, criteria: criteria, reasonCode: reason,
            target: target, validateID: validateID, bestMatch: bestMatch, flaggedPath: path)
    }
}
