import PeerCrypto

/// The encrypted record layer of a session: one libsodium secretstream (XChaCha20-Poly1305) per
/// direction, each record a 4-byte length and one secretstream message. Reordered, replayed, dropped or
/// altered records fail to open, and a stream ends only with a FINAL-tagged record, so a truncation by
/// an attacker shows as a lost connection, never as a clean end.
final class SecureChannel {
    private let sender: SecretStreamPush
    private var receiver: SecretStreamPull?

    /// Starts the sending direction with `key`; its header goes to the peer in the handshake.
    init(sendingKey: [UInt8]) throws(HandshakeError) {
        do {
            sender = try SecretStreamPush(key: sendingKey)
        } catch {
            throw .crypto("secretstream: \(error)")
        }
    }

    /// The header the peer needs to open what this side sends.
    var sendingHeader: [UInt8] { sender.header }

    /// Starts the receiving direction with the peer's header.
    func startReceiving(key: [UInt8], header: [UInt8]) throws(HandshakeError) {
        do {
            receiver = try SecretStreamPull(key: key, header: header)
        } catch {
            throw .crypto("secretstream: \(error)")
        }
    }

    /// One framed record carrying `plaintext`; `final` marks the last record of the stream.
    func seal(_ plaintext: [UInt8], final: Bool = false) throws(MessageError) -> [UInt8] {
        let length = plaintext.count + SecretStreamPush.additionalByteCount
        let sender = self.sender
        var failure: SecretStreamError?
        let record = [UInt8](unsafeUninitializedCapacity: 4 + length) { output, initialized in
            output[0] = UInt8(length >> 24 & 0xFF); output[1] = UInt8(length >> 16 & 0xFF)
            output[2] = UInt8(length >> 8 & 0xFF); output[3] = UInt8(length & 0xFF)
            let pushed = plaintext.withUnsafeBytes { input in
                Result { () throws(SecretStreamError) -> Int in
                    try sender.push(input, tag: final ? .final : .message, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(output)[4...]))
                }
            }
            switch pushed {
            case .success(let n): initialized = 4 + n
            case .failure(let e):
                failure = e
                initialized = 0
            }
        }
        if let failure { throw .unencodable("cannot encrypt a record: \(failure)") }
        return record
    }

    /// Opens one record body; throws when it was altered, reordered, replayed, or comes after the end.
    func open(_ body: ArraySlice<UInt8>) throws(MessageError) -> (plaintext: [UInt8], final: Bool) {
        guard let receiver else { throw .badValue(field: "record", reason: "arrived before the channel was set up") }
        guard body.count >= SecretStreamPush.additionalByteCount else { throw .truncated(field: "encrypted record") }
        var tag = SecretStreamTag.message
        var failed = false
        let plain = [UInt8](unsafeUninitializedCapacity: body.count - SecretStreamPush.additionalByteCount) { output, initialized in
            let pulled = body.withUnsafeBytes { input in
                Result { () throws(SecretStreamError) -> (count: Int, tag: SecretStreamTag) in try receiver.pull(input, into: UnsafeMutableRawBufferPointer(output)) }
            }
            switch pulled {
            case .success(let (count, t)):
                initialized = count
                tag = t
            case .failure:
                initialized = 0
                failed = true
            }
        }
        guard !failed else {
            throw .badValue(field: "encrypted record", reason: "does not authenticate (altered, reordered, replayed or after the end of the stream)")
        }
        return (plain, tag == .final)
    }
}
