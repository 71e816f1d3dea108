/// FLOOD element codec ([MS-PNRP] 2.2.2.4):
/// FLOOD_CONTROLS VALIDATE_PNRP_ID [REVOKE_CPA] [ROUTING_ENTRY] IPV6_ENDPOINT_ARRAY (unpadded, last).
extension Flood {
    /// FLOOD_CONTROLS D bit (bit 47 of the element: the least significant bit of the flags word).
    static let doNotAckMask: UInt16 = 0x0001

    /// Writes the elements after the header.
    func encode(into w: inout WireWriter) throws(WireError) {
        // Length 7: flags (2), Reserved2 (1); Padding1 (1, zero) is the element padding.
        try w.writeElement(.floodControls) { (w: inout WireWriter) throws(WireError) in
            w.writeUInt16(doNotAck ? Self.doNotAckMask : 0)
            w.writeUInt8(reserved2)
        }
        try w.writeIDElement(.validatePNRPID, validateID)
        if let revokeCPA { try w.writeCPAElement(.revokeCPA, revokeCPA, padded: true) }
        if let routeEntry { try w.writeRoutingEntryElement(routeEntry) }
        try w.writeEndpointArrayElement(alreadyFlooded, allowed: 0...WireFormat.maximumAlreadyFlooded, name: "Already Flooded List")
    }

    /// Reads the elements after the header.
    init(decodingElements r: inout WireReader) throws(WireError) {
        var controls = try r.readElement(.floodControls, length: 7)
        let flags = try controls.readUInt16("FLOOD_CONTROLS flags")  // reserved bits MUST be ignored
        let reserved2 = try controls.readUInt8("FLOOD_CONTROLS Reserved2")
        let validateID = try r.readIDElement(.validatePNRPID)
        var revokeCPA: CPA?
        if r.isNext(.revokeCPA) { revokeCPA = try r.readCPAElement(.revokeCPA, padded: true) }
        var routeEntry: RouteEntry?
        if r.isNext(.routingEntry) { routeEntry = try r.readRoutingEntryElement() }
        let expected = routeEntry != nil ? "IPV6_ENDPOINT_ARRAY"
            : revokeCPA != nil ? "ROUTING_ENTRY or IPV6_ENDPOINT_ARRAY" : "REVOKE_CPA, ROUTING_ENTRY or IPV6_ENDPOINT_ARRAY"
        let flooded = try r.readEndpointArrayElement(allowed: 0...WireFormat.maximumAlreadyFlooded, name: "Already Flooded List", expected: expected)
        self.init(doNotAck: flags & Self.doNotAckMask != 0, reserved2: reserved2, validateID: validateID, revokeCPA: revokeCPA, routeEntry: routeEntry, alreadyFlooded: flooded)
    }
}
