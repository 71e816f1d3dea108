/// Encoding and decoding of the EXTENDED_PAYLOAD structure ([MS-PNRP] 2.2.3.3).
///
/// Layout (integers little-endian; `docs/deviations.md` C8 gives the exact bytes):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 2 | Length (whole structure) |
/// | 2 | 2 | `00 02`: minor, major version |
/// | 4 | 2 | Reserved (zero when sent, kept on receipt) |
/// | 6 | 2 | Signature Offset = 64 + Total Payload Bytes |
/// | 8 | 8 | Not After (FILETIME) |
/// | 16 | 32 | PNRP ID, least significant byte first |
/// | 48 | 16 | Nonce |
/// | 64 | 2 | Number of Payloads = 1 |
/// | 66 | 2 | Total Payload Bytes = 10 + Payload Length |
/// | 68 | 4 | Payload Type: 0x80000003 binary, 0x80000002 string |
/// | 72 | 2 | Payload Length: binary 1...4096; string 6...4098, String Type included |
/// | 74 | 2 | String Type (strings only): 0 UTF-16LE, 1 UTF-8 |
/// | .. | n | Payload (a string ends with its NUL) |
/// | Signature Offset | 72 | SIGNATURE: 72, 64, ALG_ID 0x35326445, Ed25519 signature (64) |
extension ExtendedPayload {
    /// Payload Type of binary data ([MS-PNRP] 2.2.3.3).
    public static let binaryPayloadType: UInt32 = 0x8000_0003
    /// Payload Type of a NUL-terminated string ([MS-PNRP] 2.2.3.3).
    public static let stringPayloadType: UInt32 = 0x8000_0002
    /// Most bytes of binary data: Payload Length 1...4096 ([MS-PNRP] 2.2.3.3).
    public static let maximumBinaryBytes = 4096
    /// Bytes a string payload may have, terminator included: Payload Length 6...4098 minus the 2-byte String
    /// Type ([MS-PNRP] 2.2.3.3).
    public static let stringByteRange: ClosedRange<Int> = 4...4096
    /// Bytes before Number of Payloads: Length, versions, Reserved, Signature Offset, Not After, PNRP ID, Nonce.
    public static let headCount = 64
    /// Size of the whole structure carrying `payloadBytes` of binary data: 64 + 10 + n + 72.
    public static func encodedCount(binaryBytes payloadBytes: Int) -> Int { headCount + 10 + payloadBytes + CPA.signatureStructureCount }

    /// Payload Length: the String Type (strings only) and the Payload.
    var payloadLength: Int {
        switch content {
        case .binary(let bytes): bytes.count
        case .string(_, let bytes): 2 + bytes.count
        }
    }

    /// Total Payload Bytes: every byte between the Nonce and the SIGNATURE structure.
    public var totalPayloadBytes: Int { 10 + payloadLength }

    /// Signature Offset: where the SIGNATURE structure starts.
    public var signatureOffset: Int { Self.headCount + totalPayloadBytes }

    /// The number of bytes `encoded()` returns.
    public var encodedCount: Int { signatureOffset + 8 + signature.count }

    /// EXTENDED_PAYLOAD bytes ([MS-PNRP] 2.2.3.3). A payload made by `signed` or `init(decoding:)` always
    /// encodes to bytes `init(decoding:)` accepts, and decoding then encoding reproduces the input exactly. A
    /// hand-assembled one is written as it stands (counts that overflow their field are truncated to it);
    /// `checkStructure()` says whether it is valid.
    public func encoded() -> [UInt8] {
        var w = WireWriter(capacity: encodedCount)
        write(to: &w, includingSignature: true)
        return w.bytes
    }

    /// The bytes the signature covers: every byte of `encoded()` before the SIGNATURE structure, Length
    /// field included ([MS-PNRP] 3.2.5.9 with Ed25519, `docs/deviations.md` C8).
    public var signedBytes: [UInt8] {
        var w = WireWriter(capacity: signatureOffset)
        write(to: &w, includingSignature: false)
        return w.bytes
    }

    private func write(to w: inout WireWriter, includingSignature: Bool) {
        w.writeUInt16LE(UInt16(truncatingIfNeeded: encodedCount))
        w.writeUInt8(0x00)  // minor version
        w.writeUInt8(0x02)  // major version
        w.writeUInt16LE(reserved)
        w.writeUInt16LE(UInt16(truncatingIfNeeded: signatureOffset))
        w.writeUInt64LE(notAfter.rawValue)
        w.writeBytes(pnrpID.bytes.reversed())
        w.writeBytes(nonce)
        w.writeUInt16LE(1)  // Number of Payloads
        w.writeUInt16LE(UInt16(truncatingIfNeeded: totalPayloadBytes))
        w.writeUInt32LE(content.payloadType)
        w.writeUInt16LE(UInt16(truncatingIfNeeded: payloadLength))
        switch content {
        case .binary(let bytes):
            w.writeBytes(bytes)
        case .string(let type, let bytes):
            w.writeUInt16LE(type.rawValue)
            w.writeBytes(bytes)
        }
        guard includingSignature else { return }
        w.writeUInt16LE(UInt16(truncatingIfNeeded: 8 + signature.count))
        w.writeUInt16LE(UInt16(truncatingIfNeeded: signature.count))
        w.writeUInt32LE(CPA.signatureAlgorithmID)
        w.writeBytes(signature)
    }

    /// Decodes an EXTENDED_PAYLOAD; the input must be exactly one structure (its Length equals the input
    /// count). Never traps: every violation of [MS-PNRP] 2.2.3.3 (and of the Ed25519 SIGNATURE layout,
    /// `docs/deviations.md` C3, C8) is a thrown `WireError` naming the field and the offset.
    public init<C: Collection<UInt8>>(decoding bytes: C) throws(WireError) {
        self = try Self.parse(bytes as? ArraySlice<UInt8> ?? ArraySlice(bytes))
    }

    private static func parse(_ buffer: ArraySlice<UInt8>) throws(WireError) -> ExtendedPayload {
        var r = WireReader(buffer)
        let length = Int(try r.readUInt16LE("EXTENDED_PAYLOAD Length"))
        if length > buffer.count {
            throw .truncated(what: "EXTENDED_PAYLOAD (Length \(length))", offset: buffer.count, needed: length - buffer.count, available: 0)
        }
        if length < buffer.count { throw .trailingBytes(count: buffer.count - length, offset: length) }
        let minor = try r.readUInt8("EXTENDED_PAYLOAD minor version"), major = try r.readUInt8("EXTENDED_PAYLOAD major version")
        guard minor == 0x00, major == 0x02 else {
            throw .badValue(field: "EXTENDED_PAYLOAD version", reason: "expected 2.0 (bytes 00 02), got \(Hex.encode([minor])) \(Hex.encode([major]))")
        }
        let reserved = try r.readUInt16LE("EXTENDED_PAYLOAD Reserved")
        let offsetAt = r.offset
        let signatureOffset = Int(try r.readUInt16LE("EXTENDED_PAYLOAD Signature Offset"))
        guard signatureOffset + CPA.signatureStructureCount == length else {
            throw .badLength(
                field: "EXTENDED_PAYLOAD Signature Offset (must be Length \(length) minus the \(CPA.signatureStructureCount)-byte SIGNATURE)",
                length: signatureOffset, offset: offsetAt)
        }
        let notAfter = FileTime(rawValue: try r.readUInt64LE("EXTENDED_PAYLOAD Not After"))
        let idBytes = try r.readSlice(32, "EXTENDED_PAYLOAD PNRP ID")
        guard let pnrpID = PNRPID(bytes: idBytes.reversed()) else { throw .badValue(field: "EXTENDED_PAYLOAD PNRP ID", reason: "not 32 bytes") }
        let nonce = try r.readBytes(16, "EXTENDED_PAYLOAD Nonce")
        let countAt = r.offset
        let count = try r.readUInt16LE("EXTENDED_PAYLOAD Number of Payloads")
        guard count == 1 else { throw .badValue(field: "EXTENDED_PAYLOAD Number of Payloads", reason: "\(count) at offset \(countAt); it must be 1") }
        let totalAt = r.offset
        let total = Int(try r.readUInt16LE("EXTENDED_PAYLOAD Total Payload Bytes"))
        guard headCount + total == signatureOffset else {
            throw .badLength(field: "EXTENDED_PAYLOAD Total Payload Bytes (must be Signature Offset \(signatureOffset) minus 64)", length: total, offset: totalAt)
        }
        let typeAt = r.offset
        let type = try r.readUInt32LE("EXTENDED_PAYLOAD Payload Type")
        let lengthAt = r.offset
        let payloadLength = Int(try r.readUInt16LE("EXTENDED_PAYLOAD Payload Length"))
        guard total == 10 + payloadLength else {
            throw .badLength(field: "EXTENDED_PAYLOAD Payload Length (Total Payload Bytes \(total) must be 10 plus it)", length: payloadLength, offset: lengthAt)
        }
        let content: ExtendedPayloadContent
        switch type {
        case binaryPayloadType:
            guard (1...maximumBinaryBytes).contains(payloadLength) else {
                throw .badLength(field: "EXTENDED_PAYLOAD Payload Length (binary: 1...\(maximumBinaryBytes))", length: payloadLength, offset: lengthAt)
            }
            content = .binary(try r.readBytes(payloadLength, "EXTENDED_PAYLOAD Payload"))
        case stringPayloadType:
            let range = (stringByteRange.lowerBound + 2)...(stringByteRange.upperBound + 2)
            guard range.contains(payloadLength) else {
                throw .badLength(field: "EXTENDED_PAYLOAD Payload Length (string: \(range.lowerBound)...\(range.upperBound))", length: payloadLength, offset: lengthAt)
            }
            let stringTypeAt = r.offset
            let rawType = try r.readUInt16LE("EXTENDED_PAYLOAD String Type")
            guard let stringType = ExtendedPayloadStringType(rawValue: rawType) else {
                throw .badValue(field: "EXTENDED_PAYLOAD String Type", reason: "\(rawType) at offset \(stringTypeAt); only 0 (UTF-16) and 1 (UTF-8) are defined")
            }
            let text = try r.readBytes(payloadLength - 2, "EXTENDED_PAYLOAD Payload")
            _ = try decodeString(text[...], type: stringType)
            content = .string(stringType, text)
        default:
            throw .badValue(
                field: "EXTENDED_PAYLOAD Payload Type",
                reason: "0x\(String(type, radix: 16)) at offset \(typeAt); only 0x80000002 (string) and 0x80000003 (binary) are defined")
        }
        let sigAt = r.offset
        let sigFieldLength = Int(try r.readUInt16LE("EXTENDED_PAYLOAD SIGNATURE"))
        let sigLength = Int(try r.readUInt16LE("EXTENDED_PAYLOAD SIGNATURE"))
        let algorithm = try r.readUInt32LE("EXTENDED_PAYLOAD SIGNATURE")
        guard sigFieldLength == CPA.signatureStructureCount else {
            throw .badLength(field: "EXTENDED_PAYLOAD SIGNATURE Field Length", length: sigFieldLength, offset: sigAt)
        }
        guard sigLength == 64 else { throw .badLength(field: "EXTENDED_PAYLOAD SIGNATURE Signature Length", length: sigLength, offset: sigAt + 2) }
        guard algorithm == CPA.signatureAlgorithmID else {
            throw .badValue(
                field: "EXTENDED_PAYLOAD SIGNATURE ALG_ID",
                reason: "0x\(String(algorithm, radix: 16)) at offset \(sigAt + 4); only 0x\(String(CPA.signatureAlgorithmID, radix: 16)) (Ed25519) is accepted")
        }
        let signature = try r.readBytes(64, "EXTENDED_PAYLOAD Signature Data")
        try r.expectEnd()  // unreachable: Length == Signature Offset + 72 and the fields add up
        var payload = ExtendedPayload(notAfter: notAfter, pnrpID: pnrpID, nonce: nonce, content: content, signature: signature)
        payload.reserved = reserved
        return payload
    }

    /// Checks a string payload's bytes and returns its text without the terminator: ends with a NUL (one byte
    /// in UTF-8, two in UTF-16), contains no other NUL, and is well-formed in its encoding, so that nothing
    /// an application is handed could read differently elsewhere (`docs/deviations.md`, item C8).
    static func decodeString(_ bytes: ArraySlice<UInt8>, type: ExtendedPayloadStringType) throws(WireError) -> String {
        func refuse(_ reason: String) -> WireError { .badValue(field: "EXTENDED_PAYLOAD string", reason: reason) }
        switch type {
        case .utf8:
            guard bytes.last == 0 else { throw refuse("a UTF-8 string must end with a NUL byte") }
            let body = bytes.dropLast()
            if body.contains(0) { throw refuse("contains a NUL before its terminator") }
            let s = String(decoding: body, as: UTF8.self)
            guard s.utf8.elementsEqual(body) else { throw refuse("is not well-formed UTF-8 (String Type 1)") }
            return s
        case .utf16:
            guard bytes.count % 2 == 0 else { throw refuse("a UTF-16 string has an odd number of bytes (\(bytes.count))") }
            var units = [UInt16]()
            units.reserveCapacity(bytes.count / 2)
            var i = bytes.startIndex
            while i < bytes.endIndex {
                units.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
                i += 2
            }
            guard units.last == 0 else { throw refuse("a UTF-16 string must end with a NUL character (00 00)") }
            units.removeLast()
            if units.contains(0) { throw refuse("contains a NUL before its terminator") }
            let s = String(decoding: units, as: UTF16.self)
            guard s.utf16.elementsEqual(units) else { throw refuse("is not well-formed UTF-16LE (String Type 0, unpaired surrogate)") }
            return s
        }
    }

    /// A string payload's bytes for `text` in `type`, terminator included ([MS-PNRP] 2.2.3.3).
    public static func stringBytes(_ text: String, type: ExtendedPayloadStringType) -> [UInt8] {
        switch type {
        case .utf8: return Array(text.utf8) + [0]
        case .utf16:
            var out = [UInt8]()
            out.reserveCapacity(2 * text.utf16.count + 2)
            for u in text.utf16 { out.append(UInt8(truncatingIfNeeded: u)); out.append(UInt8(truncatingIfNeeded: u >> 8)) }
            return out + [0, 0]
        }
    }
}

