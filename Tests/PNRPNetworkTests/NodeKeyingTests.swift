import PNRP
import Testing

@testable import PNRPNetwork

/// How the driver keys its nodes' generators (`docs/deviations.md`, item N23).
@Suite struct NodeKeyingTests {
    @Test("without a random seed every node's generator gets its own 32 bytes from the system's secure generator")
    func systemKeys() {
        var keying = NodeKeying(HostConfiguration())
        var a = NodeConfiguration(seed: 5), b = NodeConfiguration(seed: 5)
        keying.key(&a)
        keying.key(&b)
        #expect(a.randomKey?.count == 32 && b.randomKey?.count == 32)
        #expect(a.randomKey != b.randomKey)
        // The node draws from the key, not from the seed both still carry.
        var ra = NodeRandom(configuration: a), rb = NodeRandom(configuration: b), rs = NodeRandom(seed: 5)
        let wa = (0..<8).map { _ in ra.next() }
        #expect(wa != (0..<8).map { _ in rb.next() })
        #expect(wa != (0..<8).map { _ in rs.next() })
    }

    @Test("a random seed keys the nodes reproducibly, for benchmarks and tests")
    func seededKeys() {
        var configuration = HostConfiguration()
        configuration.randomSeed = 77
        var first = NodeKeying(configuration), second = NodeKeying(configuration)
        var a = NodeConfiguration(), b = NodeConfiguration(), c = NodeConfiguration()
        first.key(&a)
        first.key(&b)
        second.key(&c)
        #expect(a.randomKey == nil && b.randomKey == nil)
        #expect(a.seed == c.seed && a.seed != b.seed)
    }
}
