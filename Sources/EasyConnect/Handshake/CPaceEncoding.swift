/// The string functions of CPace (draft-irtf-cfrg-cpace-21, section 6.3 and appendix A): LEB128 length prefixes,
/// length-value concatenation, the generator string and the initiator–responder transcript.
@_spi(Testing) public enum CPaceEncoding {
    /// `prepend_len(data)`: the LEB128 encoding of `data.count` followed by `data`.
    @_spi(Testing) public static func prependLength(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 2)
        appendLength(of: data, to: &out)
        return out
    }

    /// `lv_cat(a0, a1, ...)`: each part with its length prepended, concatenated.
    @_spi(Testing) public static func lengthValueConcatenation(_ parts: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count + 2 })
        for part in parts { appendLength(of: part, to: &out) }
        return out
    }

    /// `generator_string(DSI, PRS, CI, sid, s_in_bytes)`: `lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid)`, where the
    /// zero padding makes DSI and PRS fill the hash's first input block (section 8.1). Holds the password: callers
    /// wipe it.
    @_spi(Testing) public static func generatorString(
        domainSeparator: [UInt8],
        password: [UInt8],
        channelIdentifier: [UInt8],
        sessionID: [UInt8],
        hashBlockByteCount: Int
    ) -> [UInt8] {
        let prefixes = leb128ByteCount(password.count) + password.count + leb128ByteCount(domainSeparator.count)
            + domainSeparator.count
        let padding = [UInt8](repeating: 0, count: max(0, hashBlockByteCount - 1 - prefixes))
        return lengthValueConcatenation([domainSeparator, password, padding, channelIdentifier, sessionID])
    }

    /// `transcript_ir(Ya, ADa, Yb, ADb) = lv_cat(Ya, ADa) || lv_cat(Yb, ADb)`: the transcript when the initiator A
    /// always speaks first.
    @_spi(Testing) public static func initiatorResponderTranscript(
        initiatorShare: [UInt8],
        initiatorAssociatedData: [UInt8],
        responderShare: [UInt8],
        responderAssociatedData: [UInt8]
    ) -> [UInt8] {
        lengthValueConcatenation([initiatorShare, initiatorAssociatedData, responderShare, responderAssociatedData])
    }

    private static func appendLength(of data: [UInt8], to out: inout [UInt8]) {
        var length = data.count
        repeat {
            let low = UInt8(length & 0x7F)
            length >>= 7
            out.append(length == 0 ? low : low | 0x80)
        } while length != 0
        out.append(contentsOf: data)
    }

    private static func leb128ByteCount(_ value: Int) -> Int {
        var count = 1
        var rest = value >> 7
        while rest != 0 {
            count += 1
            rest >>= 7
        }
        return count
    }
}
