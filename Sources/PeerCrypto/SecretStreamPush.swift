import CSodium

/// The sending half of `crypto_secretstream_xchacha20poly1305`: encrypts a sequence of messages in order.
///
/// The push side draws its 24-byte `header` from libsodium's generator; send it to the receiver before the first
/// message. A single-owner object (not `Sendable`); its state is wiped when it is released.
public final class SecretStreamPush {
    /// Header length in bytes.
    public static let headerByteCount = 24
    /// Bytes each message grows by (`crypto_secretstream_xchacha20poly1305_ABYTES`: tag byte and MAC).
    public static let additionalByteCount = 17
    /// Key length in bytes.
    public static let keyByteCount = 32

    /// The stream header the receiver needs to start pulling.
    public let header: [UInt8]
    private let state = SecretStreamState()
    /// True once a `.final` message has been pushed; later pushes throw `.streamFinished`.
    public private(set) var isFinished = false

    /// Starts a stream under a 32-byte key. The internal copy of the key is wiped.
    public init(key: some Collection<UInt8>) throws(SecretStreamError) {
        var keyBytes = Array(key)
        defer { ConstantTime.wipe(&keyBytes) }
        guard keyBytes.count == Self.keyByteCount else { throw .badKeyLength(keyBytes.count) }
        Sodium.ensure()
        var header = [UInt8](repeating: 0, count: Self.headerByteCount)
        guard crypto_secretstream_xchacha20poly1305_init_push(state.pointer, &header, keyBytes) == 0 else {
            throw .invalidHeader
        }
        self.header = header
    }

    /// Encrypts `message` into `output` without allocating; returns the bytes written (`message.count + 17`).
    ///
    /// `output` must hold at least `message.count + 17` bytes and must not overlap `message`.
    public func push(
        _ message: UnsafeRawBufferPointer,
        tag: SecretStreamTag,
        into output: UnsafeMutableRawBufferPointer
    ) throws(SecretStreamError) -> Int {
        guard !isFinished else { throw .streamFinished }
        guard message.count <= sizeLimit(crypto_secretstream_xchacha20poly1305_messagebytes_max()) else {
            throw .messageTooLong(message.count)
        }
        let needed = message.count + Self.additionalByteCount
        guard output.count >= needed, let out = output.baseAddress else {
            throw .outputTooSmall(needed: needed, available: output.count)
        }
        var written: UInt64 = 0
        let input = message.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyInput
        let result = crypto_secretstream_xchacha20poly1305_push(
            state.pointer, out.assumingMemoryBound(to: UInt8.self), &written,
            input, UInt64(message.count), nil, 0, tag.rawValue)
        guard result == 0 else { throw .messageTooLong(message.count) }
        if tag == .final { isFinished = true }
        return Int(written)
    }

    /// Encrypts `message` and returns the new ciphertext (`message.count + 17` bytes).
    public func push(_ message: some Collection<UInt8>, tag: SecretStreamTag = .message) throws(SecretStreamError) -> [UInt8] {
        let bytes = Array(message)
        var out = [UInt8](repeating: 0, count: bytes.count + Self.additionalByteCount)
        let written = bytes.withUnsafeBytes { m in
            out.withUnsafeMutableBytes { o in
                Result { () throws(SecretStreamError) -> Int in try push(m, tag: tag, into: o) }
            }
        }
        return Array(out.prefix(try written.get()))
    }
}
