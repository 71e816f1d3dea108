import EasyConnect
import EasyConnectTerminal
import NetworkLab
import Testing

/// Deflated frames: round trips, and inflation bounded to `maximumFrameBytes` so that a small message
/// cannot make the Helper allocate without limit; anything that is not one complete zlib stream is refused.
@Suite("Frame compression: deflate, bounded inflate", .onComputeThread)
struct FrameCompressionTests {
    /// 100 MB of zeros, deflated (about 100 kB).
    static let bomb: [UInt8] = FrameCompression.deflate([UInt8](repeating: 0, count: 100_000_000))

    @Test("Round trips of empty, small, repetitive and random data")
    func roundTrip() throws {
        var rng = SplitMix(seed: 42)
        let random = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for data in [[], [0x41], Array("hello hello hello hello".utf8), [UInt8](repeating: 7, count: 1 << 20), random] {
            let deflated = FrameCompression.deflate(data)
            #expect(deflated.first == 0x78, "a zlib header")
            #expect(try FrameCompression.inflate(deflated) == data)
        }
        #expect(FrameCompression.deflate([UInt8](repeating: 7, count: 1 << 20)).count < 2000)
    }

    @Test("A frame of a screen round-trips through encode and decode with either encoding")
    func frames() throws {
        let e = VTermEmulator(rows: 24, columns: 80, output: String(repeating: "\u{1B}[32mok\u{1B}[0m build step passed\r\n", count: 30))
        let frame = ScreenFrame(fullFrameOf: e.screen)
        let deflated = FrameCompression.encode(frame, as: .deflate)
        #expect(deflated.count < frame.encoded().count / 4)
        #expect(try FrameCompression.decode(deflated, encoding: .deflate) == frame)
        #expect(FrameCompression.encode(frame, as: .plain) == frame.encoded())
        #expect(try FrameCompression.decode(frame.encoded(), encoding: .plain) == frame)
        #expect(throws: MessageError.self) { try FrameCompression.decode(frame.encoded(), encoding: .deflate) }
        #expect(throws: MessageError.self) { try FrameCompression.decode(deflated, encoding: .plain) }
    }

    @Test("A zlib bomb (100 MB of zeros) is refused with an error once the limit is reached")
    func bomb() {
        #expect(Self.bomb.count < 200_000)
        // The error says the output reached maximumFrameBytes: inflating stopped there, not at 100 MB.
        #expect {
            try FrameCompression.inflate(Self.bomb)
        } throws: { error in
            "\(error)".contains("more than \(FrameCompression.maximumFrameBytes) bytes")
        }
    }

    @Test("Exactly maximumFrameBytes inflates (the bomb shows that more is refused)")
    func limit() throws {
        let max = FrameCompression.maximumFrameBytes
        #expect(try FrameCompression.inflate(FrameCompression.deflate([UInt8](repeating: 1, count: max))).count == max)
    }

    @Test("Empty input, garbage, a truncated stream and trailing bytes are refused")
    func malformed() {
        let good = FrameCompression.deflate(Array(String(repeating: "frame bytes ", count: 100).utf8))
        var inputs: [(String, [UInt8])] = [("empty", []), ("one byte", [0x78]), ("garbage", Array("not zlib at all".utf8)), ("zeros", [UInt8](repeating: 0, count: 64))]
        inputs.append(("trailing byte", good + [0]))
        inputs.append(("two streams", good + good))
        inputs.append(("bad checksum", good.dropLast() + [good.last! ^ 1]))
        inputs.append(("preset dictionary", [0x78, 0xBB, 0, 0, 0, 1, 0x03, 0x00]))
        for length in 0..<good.count { inputs.append(("truncated to \(length)", Array(good.prefix(length)))) }
        for (name, bytes) in inputs {
            #expect(throws: MessageError.self, "\(name)") { try FrameCompression.inflate(bytes) }
        }
        // The bomb cut short is refused too, whatever it would have produced so far.
        #expect(throws: MessageError.self) { try FrameCompression.inflate(Array(Self.bomb.prefix(1000))) }
    }

    @Test("Random corruptions of a deflated frame throw or decode; they never trap")
    func corruptions() {
        let e = VTermEmulator(rows: 5, columns: 20, output: "\u{1B}[1;31merror:\u{1B}[0m 漢字 e\u{301}\r\nline two")
        let deflated = FrameCompression.encode(ScreenFrame(fullFrameOf: e.screen), as: .deflate)
        for index in deflated.indices {
            for value: UInt8 in [0x00, 0x01, 0x80, 0xFF, deflated[index] ^ 0x10] {
                var bytes = deflated
                bytes[index] = value
                _ = try? FrameCompression.decode(bytes, encoding: .deflate)
            }
        }
    }
}
