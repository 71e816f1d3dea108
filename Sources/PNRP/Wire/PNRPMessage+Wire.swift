/// Datagram codec: the 12-byte PNRP header ([MS-PNRP] 2.2.1) followed by the elements of one of the eight
/// messages ([MS-PNRP] 2.2.2), each FieldID 4-byte aligned, padding zero when sent and ignored on receipt.
/// The strictness decisions are `docs/deviations.md` W6-W8.
extension PNRPMessage {
    /// The datagram bytes ([MS-PNRP] 2.2).
    ///
    /// Throws `WireError.unencodable` for values the syntax cannot carry: wrong nonce sizes, a route entry
    /// with 0 or more than 20 addresses or a port not above 1024, more than 22 flooded endpoints, a flagged
    /// path outside 1...22, an AUTHORITY fragment whose SPLIT_CONTROLS break [MS-PNRP] 2.2.2.6, or an
    /// element longer than its 16-bit Length. Reserved bits and fields are sent as zero.
    public func encoded() throws(WireError) -> [UInt8] {
        var w = WireWriter(capacity: 128)
        w.writeHeader(type: type.rawValue, messageID: messageID)
        switch body {
        case .solicit(let m): try m.encode(into: &w)
        case .advertise(let m): try m.encode(into: &w)
        case .request(let m): try m.encode(into: &w)
        case .flood(let m): try m.encode(into: &w)
        case .inquire(let m): try m.encode(into: &w)
        case .authority(let m): try m.encode(into: &w)
        case .ack(let m): try m.encode(into: &w)
        case .lookup(let m): try m.encode(into: &w)
        }
        return w.bytes
    }

    /// Decodes one datagram ([MS-PNRP] 2.2), checking it the way a receiver must before processing it
    /// ([MS-PNRP] 3.1.5.x, 3.2.5.x "conforms to the syntax"): header values, required elements present and in
    /// order, optional ones recognised by FieldID, every Length, array head and bound, and no bytes after the
    /// last element. Never traps; every failure is a `WireError`.
    public init(decoding bytes: some Collection<UInt8>) throws(WireError) {
        var r = WireReader(bytes)
        try r.require(WireFormat.headerLength, "PNRP header")
        let fieldID = try r.readUInt16("PNRP header FieldID")
        guard fieldID == FieldID.pnrpHeader.rawValue else {
            throw .badHeader("FieldID 0x\(String(fieldID, radix: 16)) is not PNRP_HEADER (0x10)")
        }
        let length = try r.readUInt16("PNRP header Length")
        guard length == UInt16(WireFormat.headerLength) else { throw .badHeader("Length \(length) is not 12") }
        let identifier = try r.readUInt8("PNRP header Identifier")
        guard identifier == WireFormat.identifier else {
            throw .badHeader("Identifier 0x\(String(identifier, radix: 16)) is not 0x51")
        }
        let major = try r.readUInt8("PNRP header VersionMajor")
        let minor = try r.readUInt8("PNRP header VersionMinor")
        guard major == WireFormat.versionMajor, minor == WireFormat.versionMinor else {
            throw .badHeader("version \(major).\(minor) is not 4.0")
        }
        let rawType = try r.readUInt8("PNRP header MessageType")
        guard let type = MessageType(rawValue: rawType) else { throw .unknownMessageType(rawType) }
        let messageID = try r.readUInt32("PNRP header Message ID")
        let body: Body
        switch type {
        case .solicit: body = .solicit(try Solicit(decodingElements: &r))
        case .advertise: body = .advertise(try Advertise(decodingElements: &r))
        case .request: body = .request(try Request(decodingElements: &r))
        case .flood: body = .flood(try Flood(decodingElements: &r))
        case .inquire: body = .inquire(try Inquire(decodingElements: &r))
        case .authority: body = .authority(try AuthorityFragment(decodingElements: &r))
        case .ack: body = .ack(try Ack(decodingElements: &r))
        case .lookup: body = .lookup(try Lookup(decodingElements: &r))
        }
        try r.expectNoMoreElements(in: "\(type) message")
        self.init(messageID: messageID, body: body)
    }
}
