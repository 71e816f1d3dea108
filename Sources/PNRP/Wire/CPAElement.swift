/// VALIDATE_CPA and REVOKE_CPA elements ([MS-PNRP] 2.2.2.4, 2.2.2.6.1): the body is one Encoded CPA
/// ([MS-PNRP] 2.2.3.1), whose first two bytes are its own little-endian total length; the element's Length
/// is therefore 4 + that length.
extension WireWriter {
    /// Writes a CPA element. REVOKE_CPA is padded; VALIDATE_CPA ends its AUTHORITY_BUFFER unpadded.
    mutating func writeCPAElement(_ id: FieldID, _ cpa: CPA, padded: Bool) throws(WireError) {
        let encoded = cpa.encoded()
        guard encoded.count <= Int(UInt16.max) - 4 else {
            throw .unencodable("\(id): an Encoded CPA of \(encoded.count) bytes does not fit the element")
        }
        try writeElement(id, padded: padded) { (w: inout WireWriter) throws(WireError) in w.writeBytes(encoded) }
    }
}

extension WireReader {
    /// Reads a CPA element: checks that the Encoded CPA's own length fills the body exactly, then decodes it.
    mutating func readCPAElement(_ id: FieldID, padded: Bool, expected: String? = nil) throws(WireError) -> CPA {
        let start = offset
        let body = try readElement(id, minimumLength: 6, padded: padded, expected: expected)
        let cpaLength = Int(body.peekUInt16LE() ?? 0)
        guard cpaLength == body.remaining else {
            throw .badLength(field: "\(id) (Encoded CPA length \(cpaLength) does not fill the element)", length: 4 + body.remaining, offset: start)
        }
        return try CPA(decoding: body.rest)
    }
}

