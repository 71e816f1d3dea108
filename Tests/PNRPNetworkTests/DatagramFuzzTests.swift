import NIOCore
import NIOPosix
import PNRP
import PNRPNetwork
import Testing

/// A running host under a stream of malformed datagrams on its real socket.
@Suite("Datagram fuzzing of a running host", .serialized)
struct DatagramFuzzTests {
    /// Well-formed messages of every kind, the seeds of the mutations.
    static func seedMessages() throws -> [[UInt8]] {
        let entry = RouteEntry(id: PNRPID(1, 2, 3, 4), port: 3540, addresses: [IPv6Address(ipv4: 127, 0, 0, 7)])
        let nonce = [UInt8](repeating: 9, count: 16)
        let hashed = [UInt8](repeating: 3, count: 20)
        let bodies: [PNRPMessage.Body] = [
            .solicit(Solicit(solicitType: .local, routeEntry: entry, hashedNonce: hashed)),
            .advertise(Advertise(ackedMessageID: 5, ids: [PNRPID(9, 9, 9, 9), PNRPID(1, 1, 1, 1)], hashedNonce: hashed)),
            .request(Request(nonce: nonce, ids: [PNRPID(7, 7, 7, 7)])),
            .flood(Flood(doNotAck: false, validateID: PNRPID(5, 5, 5, 5), routeEntry: entry, alreadyFlooded: [IPv6Endpoint(address: .loopback, port: 4000)])),
            .inquire(Inquire(flags: [.wantCPA], validateID: PNRPID(2, 2, 2, 2), nonce: nonce)),
            .ack(Ack(ackedMessageID: 77)),
            .lookup(Lookup(criteria: .anyPeerName, target: PNRPID(8, 8, 8, 8), validateID: PNRPID(8, 8, 8, 9), bestMatch: entry, flaggedPath: [IPv6Endpoint(address: .loopback, port: 4001)])),
        ]
        var out: [[UInt8]] = []
        for (i, body) in bodies.enumerated() { out.append(try PNRPMessage(messageID: UInt32(100 + i), body: body).encoded()) }
        let buffer = try AuthorityBuffer(flags: [.leafSet], classifier: "fuzz", routeEntry: entry).encoded()
        for f in try AuthorityFragment.fragments(of: buffer, ackedMessageID: 42) {
            out.append(try PNRPMessage(messageID: 200, body: .authority(f)).encoded())
        }
        return out
    }

    /// A malformed variant of a seed: bit flips, truncation, length fields rewritten, bytes inserted, or noise.
    static func mutate(_ seed: [UInt8], _ random: inout RandomSource) -> [UInt8] {
        var d = seed
        switch random.next() % 6 {
        case 0:
            for _ in 0...(random.next() % 4) where !d.isEmpty { d[Int(random.next() % UInt64(d.count))] ^= UInt8(1 << (random.next() % 8)) }
        case 1:
            d = Array(d.prefix(Int(random.next() % UInt64(d.count))))
        case 2:
            // Rewrite a 16-bit length field somewhere past the first field header.
            if d.count > 6 {
                let i = 2 + 4 * Int(random.next() % UInt64((d.count - 4) / 4))
                d[i] = UInt8(truncatingIfNeeded: random.next())
                d[i + 1] = UInt8(truncatingIfNeeded: random.next())
            }
        case 3:
            let at = Int(random.next() % UInt64(d.count + 1))
            d.insert(contentsOf: random.bytes(Int(1 + random.next() % 16)), at: at)
        case 4:
            d = random.bytes(Int(random.next() % 1400))
        default:
            d[7] = UInt8(truncatingIfNeeded: random.next())  // unknown or mismatched message type
        }
        return d
    }

    @Test("50,000 malformed datagrams: the host keeps resolving and counts them")
    func fuzzRunningHost() async throws {
        var configs: [HostConfiguration] = []
        for i in 0..<3 {
            var c = try LoopbackCloudTests.configuration(address: "127.0.0.1", port: 41_800 + UInt16(i), seeds: i == 0 ? [] : ["127.0.0.1:41800"])
            if i == 0 {
                c.guardLimits.ratePerSecond = 1_000_000  // let every datagram reach the decoders
                c.guardLimits.burst = 1_000_000
            }
            configs.append(c)
        }
        var hosts: [PNRPHost] = []
        for c in configs { hosts.append(try await PNRPHost.start(c, logger: quietLogger)) }
        let target = hosts[0]
        let name = try hosts[1].identity.securedName("survivor")
        _ = try await hosts[1].register(name)
        let resolvedBefore = await eventually(10) { (try? await hosts[2].resolve(name, timeout: .seconds(1))) != nil }
        #expect(resolvedBefore)

        let group = MultiThreadedEventLoopGroup.singleton
        let sender = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: 41_800)
        let seeds = try Self.seedMessages()
        var random = RandomSource(seed: 0xF022)
        let total = 50_000
        let base = try await target.counters().datagramsIn
        var sent = 0
        var received = 0
        // Send until the host has taken 50,000 malformed datagrams (the kernel may drop some on overflow);
        // bounded by 3 x total sends.
        while received < total, sent < 3 * total {
            var last: EventLoopFuture<Void>?
            for _ in 0..<100 {
                let d = Self.mutate(seeds[Int(random.next() % UInt64(seeds.count))], &random)
                guard !d.isEmpty else { continue }
                last = sender.write(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: d)))
                sent += 1
            }
            sender.flush()
            try await last?.get()
            // Flow control: wait (bounded) until the host has read what was sent or stopped reading.
            var previous = -1
            for _ in 0..<200 {
                received = try await target.counters().datagramsIn - base
                if received >= sent || received == previous { break }
                previous = received
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        try await sender.close()
        // The host took them all without a crash; most were malformed and counted as such.
        #expect(received >= total)
        let stats = try #require(try await target.counters().nodes["Global_"])
        #expect(stats.malformed > total / 2)
        // And it still serves: the name resolves from the fuzzed host and through it.
        let after = await eventually(10) { (try? await target.resolve(name, timeout: .seconds(1))) != nil }
        #expect(after)
        for h in hosts { await h.shutdown() }
    }
}
