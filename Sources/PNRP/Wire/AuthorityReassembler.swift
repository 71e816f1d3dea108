/// Reassembles AUTHORITY_BUFFERs from AUTHORITY fragments ([MS-PNRP] 3.1.5.6), as a plain value: no clocks,
/// no I/O. Time is passed in as monotonic nanoseconds.
///
/// Entries are keyed by the fragments' header Message ID and source endpoint. A fragment that overruns
/// Size, announces a different Size (or Acked Message ID), is short without being the last, or contradicts
/// bytes already received deletes its entry. Memory is bounded: at most `Limits.maximumEntries` entries and
/// `Limits.maximumTotalBytes` buffer bytes; the oldest entries are evicted to make room, and entries older
/// than `Limits.timeout` are dropped. Decisions: `docs/deviations.md` W9.
public struct AuthorityReassembler: Sendable {
    /// Identifies one reassembly ([MS-PNRP] 3.1.1 Reassembly List): header Message ID and source endpoint.
    public struct Key: Hashable, Sendable {
        /// The PNRP header Message ID shared by all fragments ([MS-PNRP] 3.2.5.10).
        public var messageID: UInt32
        /// Source IP address and UDP port of the datagrams.
        public var source: IPv6Endpoint

        /// Builds a key.
        public init(messageID: UInt32, source: IPv6Endpoint) { (self.messageID, self.source) = (messageID, source) }
    }

    /// Bounds on the reassembler's state.
    public struct Limits: Hashable, Sendable {
        /// Most reassemblies in progress at once.
        public var maximumEntries: Int
        /// Most buffer bytes held at once (the sum of the entries' Sizes).
        public var maximumTotalBytes: Int
        /// Nanoseconds after its first fragment at which an incomplete entry is dropped.
        public var timeout: UInt64

        /// Builds limits; the defaults hold 16 entries, 4 maximum-size buffers, for 10 seconds.
        public init(maximumEntries: Int = 16, maximumTotalBytes: Int = 4 * WireFormat.maximumAuthorityBufferSize, timeout: UInt64 = 10_000_000_000) {
            self.maximumEntries = max(1, maximumEntries)
            self.maximumTotalBytes = max(0, maximumTotalBytes)
            self.timeout = timeout
        }
    }

    private struct Entry: Sendable {
        var size: Int
        var ackedMessageID: UInt32
        var buffer: [UInt8]
        var received: [Bool]
        var receivedCount: Int
        var createdAt: UInt64
        var sequence: UInt64
    }

    /// The bounds in force.
    public let limits: Limits
    private var entries: [Key: Entry] = [:]
    private var nextSequence: UInt64 = 0
    /// Buffer bytes currently held (the sum of the entries' Sizes).
    public private(set) var totalBytes = 0

    /// An empty reassembler.
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Reassemblies in progress.
    public var count: Int { entries.count }

    /// True when a reassembly for `key` is in progress.
    public func contains(_ key: Key) -> Bool { entries[key] != nil }

    /// The earliest instant at which an entry expires, for arming a timer; nil when empty.
    public var nextDeadline: UInt64? {
        entries.values.lazy.map { $0.createdAt.addingReportingOverflow(self.limits.timeout) }
            .map { $0.overflow ? UInt64.max : $0.partialValue }.min()
    }

    /// Takes one AUTHORITY fragment received from `source` in a datagram whose header carried `messageID`.
    ///
    /// Returns the complete AUTHORITY_BUFFER bytes when this fragment completes it (a buffer sent whole returns
    /// at once), nil while fragments are missing or when it repeats one already held. Throws when the fragment
    /// must be dropped; see `AuthorityReassemblyError.killsEntry` for which refusals delete the entry.
    public mutating func receive(_ fragment: AuthorityFragment, messageID: UInt32, from source: IPv6Endpoint, now: UInt64) throws(AuthorityReassemblyError) -> [UInt8]? {
        expire(now: now)
        let key = Key(messageID: messageID, source: source)
        let size = Int(fragment.bufferSize), offset = Int(fragment.offset), length = fragment.fragment.count
        if let problem = AuthorityFragment.syntaxProblem(bufferSize: fragment.bufferSize, offset: fragment.offset, fragmentCount: length) {
            throw .malformed(problem)
        }
        if offset + length > size {
            remove(key)
            throw .overrun(offset: offset, length: length, size: size)
        }
        if entries[key] == nil, offset == 0, length == size {
            return fragment.fragment  // not fragmented
        }
        let expectedLength = min(WireFormat.fragmentLength, size - offset)
        if let entry = entries[key] {
            if entry.size != size {
                remove(key)
                throw .sizeMismatch(expected: entry.size, received: size)
            }
            if entry.ackedMessageID != fragment.ackedMessageID {
                remove(key)
                throw .ackedMessageIDMismatch(expected: entry.ackedMessageID, received: fragment.ackedMessageID)
            }
        }
        if length != expectedLength {
            remove(key)
            throw .wrongFragmentLength(offset: offset, length: length, expected: expectedLength)
        }
        if entries[key] == nil { try create(key, size: size, ackedMessageID: fragment.ackedMessageID, now: now) }
        guard var entry = entries[key] else { return nil }
        let slot = offset / WireFormat.fragmentLength
        guard slot < entry.received.count else { return nil }  // unreachable: offset < size
        if entry.received[slot] {
            if entry.buffer[offset..<(offset + length)].elementsEqual(fragment.fragment) { return nil }
            remove(key)
            throw .conflictingDuplicate(offset: offset)
        }
        entries[key] = nil  // keep the buffer uniquely referenced while copying into it
        entry.buffer.replaceSubrange(offset..<(offset + length), with: fragment.fragment)
        entry.received[slot] = true
        entry.receivedCount += 1
        if entry.receivedCount == entry.received.count {
            totalBytes -= entry.size
            entries.releaseStorageIfEmpty()
            return entry.buffer
        }
        entries[key] = entry
        return nil
    }

    /// Drops every entry whose first fragment arrived `limits.timeout` or more nanoseconds before `now`.
    /// Returns how many were dropped.
    @discardableResult
    public mutating func expire(now: UInt64) -> Int {
        let expired = entries.filter { now >= $0.value.createdAt && now - $0.value.createdAt >= limits.timeout }.map(\.key)
        for key in expired { remove(key) }
        return expired.count
    }

    /// Abandons the reassembly for `key`, if any.
    public mutating func remove(_ key: Key) {
        if let entry = entries.removeValue(forKey: key) { totalBytes -= entry.size }
        entries.releaseStorageIfEmpty()
    }

    /// Abandons every reassembly from `source` whose fragments carry `messageID` either as their header
    /// Message ID or as their Acked Message ID (the ID of the LOOKUP or INQUIRE they answer), e.g. when that
    /// request is given up. Returns how many were dropped.
    @discardableResult
    public mutating func discard(messageID: UInt32, from source: IPv6Endpoint) -> Int {
        let matching = entries.filter { $0.key.source == source && ($0.key.messageID == messageID || $0.value.ackedMessageID == messageID) }.map(\.key)
        for key in matching { remove(key) }
        return matching.count
    }

    private mutating func create(_ key: Key, size: Int, ackedMessageID: UInt32, now: UInt64) throws(AuthorityReassemblyError) {
        guard size <= limits.maximumTotalBytes else { throw .overBudget(size: size, limit: limits.maximumTotalBytes) }
        while entries.count >= limits.maximumEntries || totalBytes + size > limits.maximumTotalBytes {
            guard let oldest = entries.min(by: { $0.value.sequence < $1.value.sequence })?.key else { break }
            remove(oldest)
        }
        let slots = (size + WireFormat.fragmentLength - 1) / WireFormat.fragmentLength
        entries[key] = Entry(
            size: size, ackedMessageID: ackedMessageID, buffer: [UInt8](repeating: 0, count: size),
            received: [Bool](repeating: false, count: slots), receivedCount: 0, createdAt: now, sequence: nextSequence)
        nextSequence += 1
        totalBytes += size
    }
}
