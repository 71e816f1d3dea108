import CSodium

/// A fixed-size heap buffer for secret bytes (keys, scalars), wiped with `sodium_memzero` when the last reference
/// goes away.
///
/// The bytes are written only while the box is being made and only read afterwards, which is what makes sharing one
/// box between tasks safe. Copies of a value that holds a box share the one buffer, so the wipe happens once.
public final class SecretBox: @unchecked Sendable {
    // Written only during initialisation (`init(copying:)`, or `withMutableBytes` right after `init(count:)` inside
    // this module), then only read.
    private let pointer: UnsafeMutableRawBufferPointer
    /// Number of secret bytes held.
    public let count: Int

    init(count: Int) {
        self.count = max(count, 0)
        pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// Copies `bytes` into a new box. The caller remains responsible for wiping its own copy.
    public convenience init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count)
        var index = 0
        for byte in bytes.prefix(count) {
            pointer[index] = byte
            index += 1
        }
    }

    deinit {
        Sodium.ensure()
        sodium_memzero(pointer.baseAddress!, pointer.count)
        pointer.deallocate()
    }

    func withMutableBytes<R>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// Lends the secret bytes to `body`. The pointer must not escape the call.
    public func withBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: pointer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count))
    }
}
