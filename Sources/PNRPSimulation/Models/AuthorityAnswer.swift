import PNRP

/// How attacker models read and rewrite the AUTHORITY answers ([MS-PNRP] 2.2.2.6) their nodes send.
enum AuthorityAnswer {
    /// The AUTHORITY_BUFFER of an AUTHORITY that carries all of it in one fragment.
    static func wholeBuffer(_ fragment: AuthorityFragment) -> AuthorityBuffer? {
        guard fragment.isWholeBuffer else { return nil }
        return try? AuthorityBuffer(decoding: fragment.fragment)
    }

    /// An AUTHORITY with Message ID `messageID` answering `ackedMessageID` with `buffer` in one fragment; nil
    /// when the buffer does not fit one (the attacker then sends the original).
    static func encoded(_ buffer: AuthorityBuffer, messageID: UInt32, ackedMessageID: UInt32) -> [UInt8]? {
        guard let bytes = try? buffer.encoded(), let fragments = try? AuthorityFragment.fragments(of: bytes, ackedMessageID: ackedMessageID),
            fragments.count == 1
        else { return nil }
        return try? PNRPMessage(messageID: messageID, body: .authority(fragments[0])).encoded()
    }
}
