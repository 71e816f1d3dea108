import PeerCrypto
import NetworkLab
import Testing

@Suite(.onComputeThread) struct SHA256StreamTests {
    // FIPS 180-4 examples.
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    static let twoBlock = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    static let millionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

    @Test func fips180Vectors() {
        let stream = SHA256Stream()
        stream.update(Array("abc".utf8))
        #expect(Hex.string(stream.finalize()) == Self.abc)
        stream.update(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(Hex.string(stream.finalize()) == Self.twoBlock)
    }

    @Test func oneMillionAInUnevenPieces() {
        let stream = SHA256Stream()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 65_537)
        var left = 1_000_000
        var size = 1
        while left > 0 {
            let n = min(size, left, chunk.count)
            chunk.withUnsafeBytes { stream.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            left -= n
            size = size * 3 + 1
        }
        #expect(Hex.string(stream.finalize()) == Self.millionA)
    }

    @Test func finalizeResetsAndMatchesOneShot() {
        let stream = SHA256Stream()
        #expect(stream.finalize() == SHA256.hash([UInt8]()))
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        stream.update(data[..<300])
        stream.update(data[300...].lazy.map { $0 })  // a non-contiguous collection
        stream.update(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(stream.finalize() == SHA256.hash(data))
        stream.update(Array("abc".utf8))
        #expect(Hex.string(stream.finalize()) == Self.abc)
    }
}
