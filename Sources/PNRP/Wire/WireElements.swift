/// Element framing shared by every PNRP message ([MS-PNRP] 2.2): `FieldID | Length | body`, Length counting
/// the 4-byte prefix and the body but not the zero padding that aligns the next FieldID to 4 bytes.
///
/// Readers and writers used with these helpers must start at the first byte of the message (or of the
/// AUTHORITY_BUFFER), so that their byte counts are the offsets the alignment rule refers to.

extension WireWriter {
    /// The 12-byte PNRP header ([MS-PNRP] 2.2.1): FieldID, Length 12, Identifier, version 4.0, `type`, `messageID`.
    mutating func writeHeader(type: UInt8, messageID: UInt32) {
        writeUInt16(FieldID.pnrpHeader.rawValue)
        writeUInt16(UInt16(WireFormat.headerLength))
        writeUInt8(WireFormat.identifier)
        writeUInt8(WireFormat.versionMajor)
        writeUInt8(WireFormat.versionMinor)
        writeUInt8(type)
        writeUInt32(messageID)
    }

    /// Writes one element: FieldID, Length (patched once the body is known), the body `body` writes, and —
    /// when `padded` — zero padding up to the next 4-byte boundary ([MS-PNRP] 2.2).
    mutating func writeElement(
        _ id: FieldID, padded: Bool = true, _ body: (inout WireWriter) throws(WireError) -> Void
    ) throws(WireError) {
        let start = count
        writeUInt16(id.rawValue)
        writeUInt16(0)
        try body(&self)
        let length = count - start
        guard length <= Int(UInt16.max) else {
            throw .unencodable("\(id) element of \(length) bytes does not fit its 16-bit Length")
        }
        setUInt16(UInt16(length), at: start + 2)
        if padded { pad(toAlignment: WireFormat.alignment) }
    }

    /// Writes an array element's 8-byte head: NumEntries, ArrayLength = 8 + N × EntryLength, ElementFieldType,
    /// EntryLength ([MS-PNRP] 2.2.2.2).
    mutating func writeArrayHead(count: Int, entryType: FieldID, entryLength: Int) throws(WireError) {
        let arrayLength = 8 + count * entryLength
        guard count <= WireFormat.maximumArrayEntries, arrayLength + 4 <= Int(UInt16.max) else {
            throw .unencodable("array of \(count) \(entryType) entries does not fit its element")
        }
        writeUInt16(UInt16(count))
        writeUInt16(UInt16(arrayLength))
        writeUInt16(entryType.rawValue)
        writeUInt16(UInt16(entryLength))
    }

    /// Writes a ROUTE_ENTRY structure ([MS-PNRP] 2.2.3.4), refusing what a receiver must reject.
    mutating func writeRouteEntry(_ entry: RouteEntry) throws(WireError) {
        guard WireFormat.routeEntryAddressCount.contains(entry.addressCount) else {
            throw .unencodable("a ROUTE_ENTRY carries 1...20 addresses, not \(entry.addressCount)")
        }
        guard entry.port >= WireFormat.minimumPort else {
            throw .unencodable("ROUTE_ENTRY port \(entry.port) is not greater than 1024")
        }
        writePNRPID(entry.id)
        writeUInt8(entry.versionMajor)
        writeUInt8(entry.versionMinor)
        writeUInt16(entry.port)
        writeUInt8(entry.flags)
        writeUInt8(UInt8(entry.addressCount))
        entry.forEachAddress { writeIPv6Address($0) }
    }

    /// Writes a ROUTING_ENTRY element with its padding ([MS-PNRP] 2.2.3.4).
    mutating func writeRoutingEntryElement(_ entry: RouteEntry) throws(WireError) {
        try writeElement(.routingEntry) { (w: inout WireWriter) throws(WireError) in try w.writeRouteEntry(entry) }
    }

    /// Writes an IPV6_ENDPOINT_ARRAY element; it always ends its message, so no padding follows
    /// ([MS-PNRP] 2.2.2.4, 2.2.2.8).
    mutating func writeEndpointArrayElement(_ endpoints: [IPv6Endpoint], allowed: ClosedRange<Int>, name: String) throws(WireError) {
        guard allowed.contains(endpoints.count) else {
            throw .unencodable("\(name) holds \(allowed.lowerBound)...\(allowed.upperBound) endpoints, not \(endpoints.count)")
        }
        for endpoint in endpoints where endpoint.port < WireFormat.minimumPort {
            throw .unencodable("\(name) endpoint \(endpoint) has a port not greater than 1024")
        }
        try writeElement(.ipv6EndpointArray, padded: false) { (w: inout WireWriter) throws(WireError) in
            try w.writeArrayHead(count: endpoints.count, entryType: .ipv6Endpoint, entryLength: IPv6Endpoint.byteCount)
            for endpoint in endpoints { w.writeIPv6Endpoint(endpoint) }
        }
    }

    /// Writes a PNRP_ID_ARRAY element ([MS-PNRP] 2.2.2.2). Its Length (12 + 32 N) is a multiple of 4.
    mutating func writePNRPIDArrayElement(_ ids: [PNRPID]) throws(WireError) {
        guard ids.count <= WireFormat.maximumPNRPIDs else {
            throw .unencodable("PNRP_ID_ARRAY of \(ids.count) IDs does not fit its 16-bit Length (at most \(WireFormat.maximumPNRPIDs))")
        }
        try writeElement(.pnrpIDArray) { (w: inout WireWriter) throws(WireError) in
            try w.writeArrayHead(count: ids.count, entryType: .pnrpID, entryLength: 32)
            for id in ids { w.writePNRPID(id) }
        }
    }

    /// Writes a fixed-size byte string element such as HASHED_NONCE or NONCE.
    mutating func writeFixedBytesElement(_ id: FieldID, _ value: [UInt8], length: Int) throws(WireError) {
        guard value.count == length else {
            throw .unencodable("\(id) must hold \(length) bytes, not \(value.count)")
        }
        try writeElement(id) { (w: inout WireWriter) throws(WireError) in w.writeBytes(value) }
    }

    /// Writes a 2-byte flags element (FLAGS_FIELD, Length 6), padded unless it ends its message.
    mutating func writeFlagsElement(_ flags: UInt16, padded: Bool = true) throws(WireError) {
        try writeElement(.flagsField, padded: padded) { (w: inout WireWriter) throws(WireError) in w.writeUInt16(flags) }
    }

    /// Writes a PNRP_HEADER_ACKED element ([MS-PNRP] 2.2.2.2).
    mutating func writeAckedElement(_ messageID: UInt32) throws(WireError) {
        try writeElement(.pnrpHeaderAcked) { (w: inout WireWriter) throws(WireError) in w.writeUInt32(messageID) }
    }

    /// Writes a TARGET_PNRP_ID or VALIDATE_PNRP_ID element.
    mutating func writeIDElement(_ id: FieldID, _ value: PNRPID) throws(WireError) {
        try writeElement(id) { (w: inout WireWriter) throws(WireError) in w.writePNRPID(value) }
    }
}

extension WireReader {
    /// The FieldID at the cursor, when at least two bytes remain.
    var nextFieldID: UInt16? { peekUInt16() }

    /// True when the next element has FieldID `id`.
    func isNext(_ id: FieldID) -> Bool { nextFieldID == id.rawValue }

    /// Reads one element whose FieldID must be `id` and returns a reader over its body.
    ///
    /// - `length`: the exact Length the element must have, when fixed.
    /// - `minimumLength`: the smallest acceptable Length otherwise (4 = empty body).
    /// - `padded`: whether padding to the next 4-byte boundary follows (it is skipped, its value ignored,
    ///   [MS-PNRP] 2.2; a message that ends inside it is truncated).
    /// - `expected`: what the syntax allows at this point, for the error when another FieldID is found.
    mutating func readElement(
        _ id: FieldID, length fixed: Int? = nil, minimumLength: Int = 4, padded: Bool = true, expected: String? = nil
    ) throws(WireError) -> WireReader {
        let start = offset
        guard let found = nextFieldID else {
            if isAtEnd { throw .missingField(id.description, offset: start) }
            throw .truncated(what: "\(id) FieldID", offset: start, needed: 2, available: remaining)
        }
        guard found == id.rawValue else {
            throw .unexpectedField(fieldID: found, offset: start, expected: expected ?? id.description)
        }
        try skip(2, "\(id) FieldID")
        let length = Int(try readUInt16("\(id) Length"))
        if let fixed, length != fixed {
            throw .badLength(field: id.description, length: length, offset: start)
        }
        guard length >= max(4, minimumLength) else {
            throw .badLength(field: id.description, length: length, offset: start)
        }
        guard length - 4 <= remaining else {
            throw .badLength(field: "\(id) (overruns the input)", length: length, offset: start)
        }
        let body = try subReader(length - 4, "\(id) body")
        if padded { try skipPadding(alignment: WireFormat.alignment, "padding after \(id)") }
        return body
    }

    /// Reads an array element's 8-byte head and checks it against the element ([MS-PNRP] 2.2.2.2):
    /// ElementFieldType, EntryLength, ArrayLength = 8 + N × EntryLength, and that exactly ArrayLength bytes
    /// form the element's body (so Length = 4 + ArrayLength). Returns NumEntries.
    mutating func readArrayHead(of element: FieldID, entryType: FieldID, entryLength: Int, elementOffset: Int) throws(WireError) -> Int {
        let bodyLength = remaining
        let count = Int(try readUInt16("\(element) NumEntries"))
        let arrayLength = Int(try readUInt16("\(element) ArrayLength"))
        let type = try readUInt16("\(element) ElementFieldType")
        let size = Int(try readUInt16("\(element) EntryLength"))
        guard type == entryType.rawValue else {
            throw .badValue(field: "\(element) ElementFieldType", reason: "0x\(String(type, radix: 16)) is not \(entryType) (0x\(String(entryType.rawValue, radix: 16)))")
        }
        guard size == entryLength else {
            throw .badLength(field: "\(element) EntryLength", length: size, offset: elementOffset)
        }
        guard count <= WireFormat.maximumArrayEntries else {
            throw .badValue(field: "\(element) NumEntries", reason: "\(count) exceeds 0x7FFF")
        }
        guard arrayLength == 8 + count * entryLength else {
            throw .badLength(field: "\(element) ArrayLength", length: arrayLength, offset: elementOffset)
        }
        guard arrayLength == bodyLength else {
            throw .badLength(field: element.description, length: bodyLength + 4, offset: elementOffset)
        }
        return count
    }

    /// Reads a ROUTE_ENTRY structure filling the whole reader ([MS-PNRP] 2.2.3.4), with the checks a receiver
    /// makes: address count 1...20, port greater than 1024, Length = 42 + 16 n (`docs/deviations.md` W8). The
    /// version and flags bytes are kept as received (W7).
    mutating func readRouteEntry(elementOffset: Int) throws(WireError) -> RouteEntry {
        let id = try readPNRPID("ROUTE_ENTRY PNRP ID")
        let major = try readUInt8("ROUTE_ENTRY major version")
        let minor = try readUInt8("ROUTE_ENTRY minor version")
        let port = try readUInt16("ROUTE_ENTRY port")
        let flags = try readUInt8("ROUTE_ENTRY flags")
        let count = Int(try readUInt8("ROUTE_ENTRY address count"))
        guard WireFormat.routeEntryAddressCount.contains(count) else {
            throw .badValue(field: "ROUTE_ENTRY Address Count", reason: "\(count) is outside 1...20")
        }
        guard port >= WireFormat.minimumPort else {
            throw .badValue(field: "ROUTE_ENTRY Port Number", reason: "\(port) is not greater than 1024")
        }
        guard remaining == 16 * count else {
            throw .badLength(field: "ROUTING_ENTRY", length: 4 + consumed + remaining, offset: elementOffset)
        }
        if count == 1 {
            let address = try readIPv6Address("ROUTE_ENTRY address")
            return RouteEntry(id: id, port: port, address: address, versionMajor: major, versionMinor: minor, flags: flags)
        }
        var addresses: [IPv6Address] = []
        addresses.reserveCapacity(count)
        for _ in 0..<count { addresses.append(try readIPv6Address("ROUTE_ENTRY address")) }
        return RouteEntry(id: id, port: port, addresses: addresses, versionMajor: major, versionMinor: minor, flags: flags)
    }

    /// Reads a padded ROUTING_ENTRY element.
    mutating func readRoutingEntryElement(expected: String? = nil) throws(WireError) -> RouteEntry {
        let start = offset
        var body = try readElement(.routingEntry, minimumLength: 4 + 38 + 16, expected: expected)
        return try body.readRouteEntry(elementOffset: start)
    }

    /// Reads an IPV6_ENDPOINT_ARRAY element, which ends its message unpadded ([MS-PNRP] 2.2.2.4, 2.2.2.8);
    /// every port must be greater than 1024 ([MS-PNRP] 2.2.3.6).
    mutating func readEndpointArrayElement(allowed: ClosedRange<Int>, name: String, expected: String? = nil) throws(WireError) -> [IPv6Endpoint] {
        let start = offset
        var body = try readElement(.ipv6EndpointArray, minimumLength: 12, padded: false, expected: expected)
        let count = try body.readArrayHead(of: .ipv6EndpointArray, entryType: .ipv6Endpoint, entryLength: IPv6Endpoint.byteCount, elementOffset: start)
        guard allowed.contains(count) else {
            throw .badValue(field: "\(name) NumEntries", reason: "\(count) is outside \(allowed.lowerBound)...\(allowed.upperBound)")
        }
        var endpoints: [IPv6Endpoint] = []
        endpoints.reserveCapacity(count)
        for _ in 0..<count {
            let endpoint = try body.readIPv6Endpoint("IPV6_ENDPOINT")
            guard endpoint.port >= WireFormat.minimumPort else {
                throw .badValue(field: "\(name) IPV6_ENDPOINT Port", reason: "\(endpoint.port) is not greater than 1024")
            }
            endpoints.append(endpoint)
        }
        return endpoints
    }

    /// Reads a padded PNRP_ID_ARRAY element ([MS-PNRP] 2.2.2.2).
    mutating func readPNRPIDArrayElement() throws(WireError) -> [PNRPID] {
        let start = offset
        var body = try readElement(.pnrpIDArray, minimumLength: 12)
        let count = try body.readArrayHead(of: .pnrpIDArray, entryType: .pnrpID, entryLength: 32, elementOffset: start)
        var ids: [PNRPID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(try body.readPNRPID("PNRP_ID_ARRAY entry")) }
        return ids
    }

    /// Reads a padded element of fixed size holding only bytes, such as HASHED_NONCE or NONCE.
    mutating func readFixedBytesElement(_ id: FieldID, length: Int, expected: String? = nil) throws(WireError) -> [UInt8] {
        var body = try readElement(id, length: 4 + length, expected: expected)
        return try body.readBytes(length, id.description)
    }

    /// Reads a FLAGS_FIELD element (Length 6) and returns its 16-bit value.
    mutating func readFlagsElement(padded: Bool = true, expected: String? = nil) throws(WireError) -> UInt16 {
        var body = try readElement(.flagsField, length: 6, padded: padded, expected: expected)
        return try body.readUInt16("FLAGS_FIELD flags")
    }

    /// Reads a PNRP_HEADER_ACKED element (Length 8) and returns the Acked Message ID.
    mutating func readAckedElement() throws(WireError) -> UInt32 {
        var body = try readElement(.pnrpHeaderAcked, length: 8)
        return try body.readUInt32("Acked Message ID")
    }

    /// Reads a TARGET_PNRP_ID or VALIDATE_PNRP_ID element (Length 36).
    mutating func readIDElement(_ id: FieldID, expected: String? = nil) throws(WireError) -> PNRPID {
        var body = try readElement(id, length: 36, expected: expected)
        return try body.readPNRPID(id.description)
    }

    /// Throws unless the input is exhausted: a known FieldID where nothing more is allowed is reported as an
    /// unexpected (out-of-order or repeated) field, anything else as trailing bytes.
    func expectNoMoreElements(in context: @autoclosure () -> String) throws(WireError) {
        guard !isAtEnd else { return }
        if let id = nextFieldID, FieldID(rawValue: id) != nil, remaining >= 4 {
            throw .unexpectedField(fieldID: id, offset: offset, expected: "end of \(context())")
        }
        throw .trailingBytes(count: remaining, offset: offset)
    }
}
