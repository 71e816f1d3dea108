/// Splits a TCP byte stream into records: a 4-byte big-endian length, then that many bytes.
///
/// Bytes arrive in arbitrary pieces; `append` keeps them and `nextRecord` hands out whole records. A
/// length of 0 or above `maximumRecordBytes` is refused before anything is buffered for it, so a hostile
/// peer cannot make the reader hold more than one maximal record.
public struct RecordBuffer: Sendable {
    /// Largest record body this reader accepts.
    public let maximumRecordBytes: Int
    private var storage: [UInt8] = []
    private var head = 0

    /// A reader accepting records of up to `maximumRecordBytes`.
    public init(maximumRecordBytes: Int) { self.maximumRecordBytes = maximumRecordBytes }

    /// Bytes held that do not form a whole record yet.
    public var bufferedByteCount: Int { storage.count - head }

    /// Consumed bytes are dropped from the front only once this many have gathered, so that a stream of
    /// large records is not moved in memory after every one.
    static let compactionThreshold = 1 << 20

    /// Adds received bytes.
    public mutating func append<C: Collection<UInt8>>(contentsOf bytes: C) {
        if head > 0, head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= Self.compactionThreshold {
            storage.removeSubrange(0..<head)
            head = 0
        }
        storage.append(contentsOf: bytes)
    }

    /// The next whole record body, or nil when more bytes are needed. The slice shares the reader's
    /// storage: use it before the next `append`.
    public mutating func nextRecord() throws(MessageError) -> ArraySlice<UInt8>? {
        guard storage.count - head >= 4 else { return nil }
        let length = Int(storage[head]) << 24 | Int(storage[head + 1]) << 16 | Int(storage[head + 2]) << 8 | Int(storage[head + 3])
        guard length > 0 else { throw .badValue(field: "record length", reason: "is 0") }
        guard length <= maximumRecordBytes else {
            throw .badValue(field: "record length", reason: "is \(length) bytes; at most \(maximumRecordBytes) are accepted")
        }
        guard storage.count - head - 4 >= length else { return nil }
        let body = storage[(head + 4)..<(head + 4 + length)]
        head += 4 + length
        return body
    }

    /// `body` with its 4-byte length in front.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(body.count + 4)
        let n = UInt32(body.count)
        out.append(UInt8(n >> 24)); out.append(UInt8(n >> 16 & 0xFF)); out.append(UInt8(n >> 8 & 0xFF)); out.append(UInt8(n & 0xFF))
        out.append(contentsOf: body)
        return out
    }
}
