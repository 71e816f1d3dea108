import PeerCrypto
import NetworkLab
import Testing

@Suite(.onComputeThread) struct SecretStreamTests {
    static let key = [UInt8](repeating: 0x42, count: 32)
    static let messages: [[UInt8]] = [Array("first".utf8), [], [UInt8](repeating: 7, count: 1000), Array("last".utf8)]

    /// Pushes `messages`, the last one with `.final`.
    static func sealedStream(key: [UInt8] = key) throws -> (header: [UInt8], chunks: [[UInt8]]) {
        let push = try SecretStreamPush(key: key)
        var chunks: [[UInt8]] = []
        for (i, m) in messages.enumerated() {
            chunks.append(try push.push(m, tag: i == messages.count - 1 ? .final : .message))
        }
        #expect(push.isFinished)
        return (push.header, chunks)
    }

    @Test func roundTrip() throws {
        let (header, chunks) = try Self.sealedStream()
        #expect(header.count == SecretStreamPush.headerByteCount)
        #expect(zip(chunks, Self.messages).allSatisfy { $0.count == $1.count + SecretStreamPush.additionalByteCount })
        let pull = try SecretStreamPull(key: Self.key, header: header)
        for (i, chunk) in chunks.enumerated() {
            let (message, tag) = try pull.pull(chunk)
            #expect(message == Self.messages[i])
            #expect(tag == (i == chunks.count - 1 ? .final : .message))
        }
        #expect(pull.isFinished)
        #expect(throws: SecretStreamError.streamFinished) { try pull.pull(chunks[0]) }
    }

    @Test func everyTagAndTheZeroCopyPath() throws {
        let push = try SecretStreamPush(key: Self.key)
        let pull = try SecretStreamPull(key: Self.key, header: push.header)
        let chunk = [UInt8](repeating: 0xA5, count: 65_536)
        var sealed = [UInt8](repeating: 0, count: chunk.count + SecretStreamPush.additionalByteCount)
        var opened = [UInt8](repeating: 0, count: chunk.count)
        for tag in [SecretStreamTag.message, .push, .rekey, .message, .final] {
            let written = try chunk.withUnsafeBytes { m in try sealed.withUnsafeMutableBytes { o in try push.push(m, tag: tag, into: o) } }
            #expect(written == sealed.count)
            let (count, pulledTag) = try sealed.withUnsafeBytes { c in try opened.withUnsafeMutableBytes { o in try pull.pull(c, into: o) } }
            #expect(count == chunk.count)
            #expect(pulledTag == tag)
            #expect(opened == chunk)
        }
        #expect(throws: SecretStreamError.streamFinished) { try push.push([1]) }
    }

    @Test func tamperingReorderingAndReplayFail() throws {
        let (header, chunks) = try Self.sealedStream()
        for index in [0, 5, chunks[0].count - 1] {
            let pull = try SecretStreamPull(key: Self.key, header: header)
            var altered = chunks[0]
            altered[index] ^= 0x80
            #expect(throws: SecretStreamError.authenticationFailed) { try pull.pull(altered) }
            // A failed pull leaves the state as it was: the genuine message still opens.
            #expect(try pull.pull(chunks[0]).message == Self.messages[0])
        }
        let reordered = try SecretStreamPull(key: Self.key, header: header)
        #expect(throws: SecretStreamError.authenticationFailed) { try reordered.pull(chunks[1]) }
        let replayed = try SecretStreamPull(key: Self.key, header: header)
        _ = try replayed.pull(chunks[0])
        #expect(throws: SecretStreamError.authenticationFailed) { try replayed.pull(chunks[0]) }
        var otherHeader = header
        otherHeader[0] ^= 1
        let foreign = try SecretStreamPull(key: Self.key, header: otherHeader)
        #expect(throws: SecretStreamError.authenticationFailed) { try foreign.pull(chunks[0]) }
    }

    @Test func truncationIsVisible() throws {
        let (header, chunks) = try Self.sealedStream()
        let pull = try SecretStreamPull(key: Self.key, header: header)
        for chunk in chunks.dropLast() { #expect(try pull.pull(chunk).tag == .message) }
        #expect(!pull.isFinished)  // the final message never came: the receiver knows the stream was cut
    }

    @Test func aWrongKeyFails() throws {
        let (header, chunks) = try Self.sealedStream()
        var wrong = Self.key
        wrong[31] ^= 1
        let pull = try SecretStreamPull(key: wrong, header: header)
        #expect(throws: SecretStreamError.authenticationFailed) { try pull.pull(chunks[0]) }
    }

    @Test func headersDiffer() throws {
        #expect(try SecretStreamPush(key: Self.key).header != SecretStreamPush(key: Self.key).header)
    }

    @Test func badInputsAreTypedErrors() throws {
        #expect(throws: SecretStreamError.badKeyLength(31)) { try SecretStreamPush(key: Self.key.dropLast()) }
        #expect(throws: SecretStreamError.badKeyLength(33)) { try SecretStreamPull(key: Self.key + [0], header: [UInt8](repeating: 0, count: 24)) }
        #expect(throws: SecretStreamError.badHeaderLength(23)) { try SecretStreamPull(key: Self.key, header: [UInt8](repeating: 0, count: 23)) }
        let push = try SecretStreamPush(key: Self.key)
        let pull = try SecretStreamPull(key: Self.key, header: push.header)
        #expect(throws: SecretStreamError.ciphertextTooShort(16)) { try pull.pull([UInt8](repeating: 0, count: 16)) }
        #expect(throws: SecretStreamError.ciphertextTooShort(0)) { try pull.pull([UInt8]()) }
        var small = [UInt8](repeating: 0, count: 20)
        let message = [UInt8](repeating: 1, count: 4)
        #expect(throws: SecretStreamError.outputTooSmall(needed: 21, available: 20)) {
            try message.withUnsafeBytes { m in try small.withUnsafeMutableBytes { o in try push.push(m, tag: .message, into: o) } }
        }
        let sealed = try push.push(message)
        #expect(throws: SecretStreamError.outputTooSmall(needed: 4, available: 3)) {
            try sealed.withUnsafeBytes { c in try small.withUnsafeMutableBytes { o in try pull.pull(c, into: UnsafeMutableRawBufferPointer(rebasing: o[0..<3])) } }
        }
        #expect(try pull.pull(sealed).message == message)
    }
}
