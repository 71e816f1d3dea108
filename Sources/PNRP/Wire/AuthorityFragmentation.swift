/// Splitting an AUTHORITY_BUFFER into AUTHORITY messages ([MS-PNRP] 3.2.5.10, 2.2.2.6).
extension AuthorityFragment {
    /// Cuts `buffer` into AUTHORITY fragments: 1188-byte pieces (the last may be shorter), each with Size =
    /// `buffer.count` and Offset = its position. A buffer of at most 1188 bytes gives one fragment at Offset 0.
    ///
    /// Every resulting message must be sent with the same PNRP header values, Message ID included
    /// ([MS-PNRP] 3.2.5.10): the receiver reassembles by (Message ID, source endpoint).
    /// Throws `WireError.unencodable` for an empty buffer or one longer than 37348 bytes.
    public static func fragments(of buffer: [UInt8], ackedMessageID: UInt32) throws(WireError) -> [AuthorityFragment] {
        guard !buffer.isEmpty else { throw .unencodable("an AUTHORITY_BUFFER is never empty") }
        guard buffer.count <= WireFormat.maximumAuthorityBufferSize else {
            throw .unencodable("AUTHORITY_BUFFER of \(buffer.count) bytes exceeds \(WireFormat.maximumAuthorityBufferSize)")
        }
        let size = UInt16(buffer.count)
        return stride(from: 0, to: buffer.count, by: WireFormat.fragmentLength).map { start in
            let end = min(start + WireFormat.fragmentLength, buffer.count)
            return AuthorityFragment(ackedMessageID: ackedMessageID, bufferSize: size, offset: UInt16(start), fragment: Array(buffer[start..<end]))
        }
    }

    /// True when this single fragment carries the whole buffer ([MS-PNRP] 3.1.5.6: "not fragmented").
    public var isWholeBuffer: Bool { offset == 0 && fragment.count == Int(bufferSize) }
}

extension AuthorityBuffer {
    /// Encodes the buffer and cuts it into AUTHORITY fragments answering `ackedMessageID`
    /// ([MS-PNRP] 2.2.2.6.1, 3.2.5.10).
    public func fragments(ackedMessageID: UInt32) throws(WireError) -> [AuthorityFragment] {
        try AuthorityFragment.fragments(of: try encoded(), ackedMessageID: ackedMessageID)
    }
}
