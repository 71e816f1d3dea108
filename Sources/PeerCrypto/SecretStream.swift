import CSodium

/// The tag libsodium's secretstream attaches to each message (`crypto_secretstream_xchacha20poly1305_TAG_*`).
public enum SecretStreamTag: UInt8, Sendable {
    /// An ordinary message.
    case message = 0
    /// Ends a logical set of messages; the stream goes on.
    case push = 1
    /// Both sides derive a new key after this message (forward secrecy for what follows).
    case rekey = 2
    /// The last message of the stream. A receiver that never sees it knows the stream was truncated.
    case final = 3
}

/// Errors from `SecretStreamPush` and `SecretStreamPull`. Each says what was wrong.
public enum SecretStreamError: Error, Equatable, CustomStringConvertible {
    /// The key must be exactly 32 bytes.
    case badKeyLength(Int)
    /// The header must be exactly 24 bytes.
    case badHeaderLength(Int)
    /// libsodium refused the header.
    case invalidHeader
    /// The message is longer than a secretstream message may be.
    case messageTooLong(Int)
    /// The output buffer is too small for the result.
    case outputTooSmall(needed: Int, available: Int)
    /// A ciphertext shorter than the 17 bytes of overhead cannot be a message.
    case ciphertextTooShort(Int)
    /// The message did not verify: wrong key or header, altered, reordered, replayed or from another stream.
    case authenticationFailed
    /// The message verified but carries a tag byte this API does not know.
    case unknownTag(UInt8)
    /// The stream already ended with a `.final` message.
    case streamFinished

    /// One sentence saying what was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case .badKeyLength(let n): "Secretstream key has \(n) bytes; it must have \(SecretStreamPush.keyByteCount)."
        case .badHeaderLength(let n): "Secretstream header has \(n) bytes; it must have \(SecretStreamPush.headerByteCount)."
        case .invalidHeader: "Secretstream header was refused."
        case .messageTooLong(let n): "Secretstream message of \(n) bytes is longer than a message may be."
        case .outputTooSmall(let needed, let available):
            "Secretstream output buffer has \(available) bytes; \(needed) are needed."
        case .ciphertextTooShort(let n):
            "Secretstream ciphertext has \(n) bytes; it needs at least \(SecretStreamPush.additionalByteCount)."
        case .authenticationFailed:
            "Secretstream message did not verify: wrong key or header, or altered, reordered or replayed."
        case .unknownTag(let t): "Secretstream message carries the unknown tag \(t)."
        case .streamFinished: "Secretstream already ended with a final message."
        }
    }
}

/// The libsodium state of one stream direction on the heap, wiped with `sodium_memzero` when released.
final class SecretStreamState {
    let pointer: UnsafeMutablePointer<crypto_secretstream_xchacha20poly1305_state>

    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: crypto_secretstream_xchacha20poly1305_state())
    }

    deinit {
        Sodium.ensure()
        sodium_memzero(pointer, MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.size)
        pointer.deallocate()
    }
}
