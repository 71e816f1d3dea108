/// AUTHORITY_BUFFER codec ([MS-PNRP] 2.2.2.6.1): FLAGS_FIELD [CERT_CHAIN] [CLASSIFIER] [EXTENDED_PAYLOAD]
/// [ROUTING_ENTRY] [VALIDATE_CPA | SIGNING_COOKIE] (the cookie is an extension, `docs/deviations.md` N32),
/// aligned from the buffer's own start (which lies at datagram offset 28, so both alignments agree). Every
/// element but VALIDATE_CPA is padded, even when it is the last one present.
///
/// Decisions on points the spec leaves open (see `docs/deviations.md`):
/// - CLASSIFIER code units are UTF-16 **big-endian** (network order, the 2.2 default; W4) and must be valid
///   UTF-16 (no lone surrogates) on receipt.
/// - CERT_CHAIN and EXTENDED_PAYLOAD are carried as opaque bytes, at least one byte each; their inner syntax
///   (2.2.3.5, 2.2.3.3) is checked by whoever validates them (W8): `ExtendedPayload.verified(...)` (C8, W10).
/// - The whole buffer is at most 37348 bytes (the largest SPLIT_CONTROLS Size, 2.2.2.6), in both directions (W8).
extension AuthorityBuffer {
    /// The defined flag bits (L, B, N); the rest are reserved: zero when sent, ignored on receipt.
    static let definedFlags: UInt16 = AuthorityFlags([.leafSet, .busy, .notFound]).rawValue

    /// The AUTHORITY_BUFFER bytes ([MS-PNRP] 2.2.2.6.1), ready for `AuthorityFragment.fragments(of:ackedMessageID:)`.
    public func encoded() throws(WireError) -> [UInt8] {
        var w = WireWriter(capacity: 512)
        try w.writeFlagsElement(flags.rawValue & Self.definedFlags)
        if let certificateChain {
            guard !certificateChain.isEmpty else { throw .unencodable("CERT_CHAIN is empty") }
            try w.writeElement(.certChain) { (w: inout WireWriter) throws(WireError) in w.writeBytes(certificateChain) }
        }
        if let classifier {
            let units = Array(classifier.utf16)
            guard units.count <= WireFormat.maximumArrayEntries else {
                throw .unencodable("CLASSIFIER of \(units.count) UTF-16 units exceeds 0x7FFF")
            }
            try w.writeElement(.classifier) { (w: inout WireWriter) throws(WireError) in
                try w.writeArrayHead(count: units.count, entryType: .wchar, entryLength: 2)
                for unit in units { w.writeUInt16(unit) }
            }
        }
        if let extendedPayload {
            guard !extendedPayload.isEmpty else { throw .unencodable("EXTENDED_PAYLOAD is empty") }
            try w.writeElement(.extendedPayload) { (w: inout WireWriter) throws(WireError) in w.writeBytes(extendedPayload) }
        }
        if let routeEntry { try w.writeRoutingEntryElement(routeEntry) }
        if let validateCPA { try w.writeCPAElement(.validateCPA, validateCPA, padded: false) }
        if let signingCookie {
            guard validateCPA == nil, flags.contains(.busy) else { throw .unencodable("SIGNING_COOKIE outside a busy answer without VALIDATE_CPA") }
            try w.writeFixedBytesElement(.signingCookie, signingCookie, length: WireFormat.signingCookieLength)
        }
        guard w.count <= WireFormat.maximumAuthorityBufferSize else {
            throw .unencodable("AUTHORITY_BUFFER of \(w.count) bytes exceeds \(WireFormat.maximumAuthorityBufferSize)")
        }
        return w.bytes
    }

    /// Decodes a reassembled AUTHORITY_BUFFER, checking it the way [MS-PNRP] 3.1.5.6.1 requires before use:
    /// element order, Lengths, padding presence, array heads, route entry bounds, and nothing after the last
    /// element. Never traps; every failure is a `WireError`.
    public init(decoding bytes: some Collection<UInt8>) throws(WireError) {
        var r = WireReader(bytes)
        guard r.remaining <= WireFormat.maximumAuthorityBufferSize else {
            throw .badLength(field: "AUTHORITY_BUFFER", length: r.remaining, offset: 0)
        }
        let rawFlags = try r.readFlagsElement()
        var certificateChain: [UInt8]?
        if r.isNext(.certChain) {
            var body = try r.readElement(.certChain, minimumLength: 5)
            certificateChain = try body.readBytes(body.remaining, "CERT_CHAIN")
        }
        var classifier: String?
        if r.isNext(.classifier) { classifier = try r.readClassifierElement() }
        var extendedPayload: [UInt8]?
        if r.isNext(.extendedPayload) {
            var body = try r.readElement(.extendedPayload, minimumLength: 5)
            extendedPayload = try body.readBytes(body.remaining, "EXTENDED_PAYLOAD")
        }
        var routeEntry: RouteEntry?
        if r.isNext(.routingEntry) { routeEntry = try r.readRoutingEntryElement() }
        var validateCPA: CPA?
        if r.isNext(.validateCPA) { validateCPA = try r.readCPAElement(.validateCPA, padded: false) }
        var signingCookie: [UInt8]?
        if validateCPA == nil, rawFlags & AuthorityFlags.busy.rawValue != 0, r.isNext(.signingCookie) {
            signingCookie = try r.readFixedBytesElement(.signingCookie, length: WireFormat.signingCookieLength)
        }
        try r.expectNoMoreElements(in: "AUTHORITY_BUFFER")
        self.init(
            flags: AuthorityFlags(rawValue: rawFlags & Self.definedFlags), certificateChain: certificateChain,
            classifier: classifier, extendedPayload: extendedPayload, routeEntry: routeEntry, validateCPA: validateCPA,
            signingCookie: signingCookie)
    }
}

extension WireReader {
    /// Reads a padded CLASSIFIER element ([MS-PNRP] 2.2.2.6.1): an array of WCHAR entries, 2 bytes each,
    /// UTF-16 big-endian (`docs/deviations.md` W4), no terminating NUL.
    mutating func readClassifierElement() throws(WireError) -> String {
        let start = offset
        var body = try readElement(.classifier, minimumLength: 12)
        let count = try body.readArrayHead(of: .classifier, entryType: .wchar, entryLength: 2, elementOffset: start)
        var units: [UInt16] = []
        units.reserveCapacity(count)
        for _ in 0..<count { units.append(try body.readUInt16("CLASSIFIER character")) }
        var scalars = String.UnicodeScalarView()
        var iterator = units.makeIterator()
        var decoder = UTF16()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: return String(scalars)
            case .error: throw .badValue(field: "CLASSIFIER", reason: "not valid UTF-16 (unpaired surrogate)")
            }
        }
    }
}
