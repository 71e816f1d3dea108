/// AUTHORITY element codec ([MS-PNRP] 2.2.2.6): PNRP_HEADER_ACKED SPLIT_CONTROLS Buffer, where Buffer is the
/// rest of the datagram: AUTHORITY_BUFFER bytes [Offset, Offset + count).
///
/// Syntax checks made here, per datagram: Size at most 37348, Offset a multiple of 1188, and 1...1188 Buffer
/// bytes. Checks that involve Size against the Buffer (overrun, a short fragment that is not the last) are
/// the reassembler's ([MS-PNRP] 3.1.5.6), which must also kill the reassembly entry when they fail.
extension AuthorityFragment {
    /// Why the SPLIT_CONTROLS values and the Buffer length break the syntax, or nil when they do not.
    static func syntaxProblem(bufferSize: UInt16, offset: UInt16, fragmentCount: Int) -> String? {
        if Int(bufferSize) > WireFormat.maximumAuthorityBufferSize {
            return "Size \(bufferSize) exceeds \(WireFormat.maximumAuthorityBufferSize)"
        }
        if Int(offset) % WireFormat.fragmentLength != 0 {
            return "Offset \(offset) is not a multiple of \(WireFormat.fragmentLength)"
        }
        if fragmentCount == 0 { return "empty Buffer" }
        if fragmentCount > WireFormat.fragmentLength {
            return "Buffer of \(fragmentCount) bytes exceeds the \(WireFormat.fragmentLength)-byte fragment size"
        }
        return nil
    }

    /// Writes the elements after the header, then the Buffer.
    func encode(into w: inout WireWriter) throws(WireError) {
        if let problem = Self.syntaxProblem(bufferSize: bufferSize, offset: offset, fragmentCount: fragment.count) {
            throw .unencodable("AUTHORITY: \(problem)")
        }
        try w.writeAckedElement(ackedMessageID)
        try w.writeElement(.splitControls) { (w: inout WireWriter) throws(WireError) in
            w.writeUInt16(bufferSize)
            w.writeUInt16(offset)
        }
        w.writeBytes(fragment)
    }

    /// Reads the elements after the header and takes the rest of the input as the Buffer.
    init(decodingElements r: inout WireReader) throws(WireError) {
        let acked = try r.readAckedElement()
        var split = try r.readElement(.splitControls, length: 8)
        let size = try split.readUInt16("SPLIT_CONTROLS Size")
        let offset = try split.readUInt16("SPLIT_CONTROLS Offset")
        let fragment = try r.readBytes(r.remaining, "AUTHORITY Buffer")
        if let problem = Self.syntaxProblem(bufferSize: size, offset: offset, fragmentCount: fragment.count) {
            throw .badValue(field: "AUTHORITY SPLIT_CONTROLS", reason: problem)
        }
        self.init(ackedMessageID: acked, bufferSize: size, offset: offset, fragment: fragment)
    }
}
