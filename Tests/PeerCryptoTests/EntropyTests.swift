@_spi(Testing) import PeerCrypto
import NetworkLab
import Testing

/// Expected streams come from Oracle/peercrypto_oracle.py (ChaCha20 through the `cryptography` package).
@Suite(.onComputeThread) struct EntropyTests {
    static let seed32 = [UInt8](0..<32)
    static let seed32Stream200 = "0d8e6cc68715648926732e7ea73250cfaf2d58422083904c841a8ba33b986111f346ba50723a68ae283524a6bded09f83be6b80595856f72e25b86918e8b114bafb94bc8abedd73daab454576b7c5833eb0bf982a1bb4587a5c970ff0810ca3b791d7e1295a58439077aab4d71424aa9eb2d25ea52a52ecc2b90c64a00b9e43343d96066869c63a2cef7324871900d7fed7df09dac7e174ece856bbf195caeba388c2135a12b39f6013a186a5e665352629df428de896235bfa57eff2fa49a341f00f07fb30483af"
    static let seed42Stream100 = "5daf1d44ef0620792ac7f2550e2db16185818a0f04c47c3e890866f401e12bd4b9d5c1153a5e0626503b5572b4642ce523d7ab992acf780e21db565bba021cb47cafbc0a064c1248b55c957dc8dde9a53db3f8a75ac9838a1211afafe697b8851ffe246e"
    static let acrossWrap128 = "ad0209722cfaf7f8dcf29e292f63e5fd65cb074195307d06ab1432c79b11e503d4c9b50055d539c9fdcf5eb7c18c179f7b698d3eea0fb7f4e2eabf974be41d566a3e311f05d11d368f8b8d5edfd3c3b92ddcf722a29f1507ec7829469c7817447d32b46f92212dae0bbae66f3a220193f02b883affb821236b9d9baac91612e0"

    @Test func deterministicMatchesRandombytesBufDeterministic() throws {
        var entropy = try DeterministicEntropy(seed32: Self.seed32)
        #expect(Hex.string(entropy.bytes(200)) == Self.seed32Stream200)
        var fromInteger = DeterministicEntropy(seed: 42)
        #expect(Hex.string(fromInteger.bytes(100)) == Self.seed42Stream100)
    }

    @Test func successiveCallsContinueTheStreamHoweverTheyAreSplit() throws {
        let whole = Hex.bytes(Self.seed32Stream200)
        for split in [[1, 199], [63, 1, 64, 72], [64, 64, 72], [0, 7, 0, 130, 63], [13, 13, 13, 161]] {
            var entropy = try DeterministicEntropy(seed32: Self.seed32)
            let joined = split.flatMap { entropy.bytes($0) }
            #expect(joined == whole, "split \(split)")
        }
    }

    @Test func neverRepeatsAcrossCalls() {
        var entropy = DeterministicEntropy(seed: 7)
        let first = entropy.bytes(64), second = entropy.bytes(64)
        #expect(first != second)
        var again = DeterministicEntropy(seed: 7)
        #expect(again.bytes(64) == first)
        var other = DeterministicEntropy(seed: 8)
        #expect(other.bytes(64) != first)
    }

    @Test func theCounterWrapMovesToAFreshNonce() throws {
        var entropy = try DeterministicEntropy(seed32: Self.seed32, startingAtBlock: 0xFFFF_FFFF)
        let a = entropy.bytes(10), b = entropy.bytes(118)
        #expect(Hex.string(a + b) == Self.acrossWrap128)
        #expect(entropy.bytes(1).count == 1)
    }

    @Test func badCountsAndSeedsDoNotTrap() {
        var entropy = DeterministicEntropy(seed: 1)
        #expect(entropy.bytes(0).isEmpty)
        #expect(entropy.bytes(-5).isEmpty)
        #expect(throws: DeterministicEntropyError.badSeedLength(31)) { try DeterministicEntropy(seed32: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: DeterministicEntropyError.badSeedLength(0)) { try DeterministicEntropy(seed32: []) }
        var system = SystemEntropy()
        #expect(system.bytes(0).isEmpty)
        #expect(system.bytes(-1).isEmpty)
    }

    @Test func systemEntropyDiffers() {
        var entropy = SystemEntropy()
        #expect(entropy.bytes(32).count == 32)
        #expect(entropy.bytes(32) != entropy.bytes(32))
    }

    @Test func uniformStaysInRangeAndCoversIt() {
        var entropy = DeterministicEntropy(seed: 3)
        for bound in [1, 2, 3, 10, 36, 62, 100, 128, 129, 255, 256, 257, 1000, 65_537, Int.max] {
            for _ in 0..<200 {
                let x = entropy.uniform(bound)
                #expect((0..<bound).contains(x), "bound \(bound) gave \(x)")
            }
        }
        var seen = Set<Int>()
        for _ in 0..<2000 { seen.insert(entropy.uniform(62)) }
        #expect(seen.count == 62)
        #expect(entropy.uniform(0) == 0)
        #expect(entropy.uniform(-3) == 0)
    }

    @Test func uniformIsUnbiased() {
        // 3 does not divide 256: a modulo reduction would give 0 a 86/256 share instead of 1/3.
        // Counts over 30,000 draws have a standard deviation near 82; 600 is more than 7 of them.
        var entropy = DeterministicEntropy(seed: 11)
        var counts = [0, 0, 0]
        for _ in 0..<30_000 { counts[entropy.uniform(3)] += 1 }
        for c in counts { #expect(abs(c - 10_000) < 600, "counts \(counts)") }
    }

    /// An entropy source that always returns 0xFF: every draw for bound 3 is rejected.
    struct Stuck: EntropySource {
        mutating func bytes(_ count: Int) -> [UInt8] { [UInt8](repeating: 0xFF, count: max(count, 0)) }
    }

    @Test func aBrokenSourceStillReturns() {
        var stuck = Stuck()
        #expect(stuck.uniform(3) == 0)  // 0xFF & 3 = 3, reduced modulo 3 after 256 rejections
        #expect(stuck.uniform(256) == 255)
    }
}
