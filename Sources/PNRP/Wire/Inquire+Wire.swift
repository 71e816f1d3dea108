/// INQUIRE element codec ([MS-PNRP] 2.2.2.5): FLAGS_FIELD VALIDATE_PNRP_ID [NONCE [SIGNING_COOKIE]]; the
/// SIGNING_COOKIE is an extension (`docs/deviations.md`, item N32) and only follows a NONCE.
extension Inquire {
    /// The defined INQUIRE flag bits (A, X, C); the rest are reserved: zero when sent, ignored on receipt.
    static let definedFlags: UInt16 = InquireFlags([.wantCPA, .wantExtendedPayload, .wantCertificateChain]).rawValue

    /// Writes the elements after the header. Reserved flag bits are sent as zero.
    func encode(into w: inout WireWriter) throws(WireError) {
        try w.writeFlagsElement(flags.rawValue & Self.definedFlags)
        try w.writeIDElement(.validatePNRPID, validateID)
        if let nonce { try w.writeFixedBytesElement(.nonce, nonce, length: WireFormat.nonceLength) }
        if let signingCookie {
            guard nonce != nil else { throw .unencodable("SIGNING_COOKIE without a NONCE") }
            try w.writeFixedBytesElement(.signingCookie, signingCookie, length: WireFormat.signingCookieLength)
        }
    }

    /// Reads the elements after the header. Reserved flag bits are dropped.
    init(decodingElements r: inout WireReader) throws(WireError) {
        let flags = try r.readFlagsElement()
        let validateID = try r.readIDElement(.validatePNRPID)
        var nonce: [UInt8]?, cookie: [UInt8]?
        if !r.isAtEnd { nonce = try r.readFixedBytesElement(.nonce, length: WireFormat.nonceLength, expected: "NONCE or end of message") }
        if !r.isAtEnd {
            cookie = try r.readFixedBytesElement(.signingCookie, length: WireFormat.signingCookieLength, expected: "SIGNING_COOKIE or end of message")
        }
        self.init(flags: InquireFlags(rawValue: flags & Self.definedFlags), validateID: validateID, nonce: nonce, signingCookie: cookie)
    }
}
