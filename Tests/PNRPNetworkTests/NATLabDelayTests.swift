#if os(Linux)
    import Foundation
    import NetworkLab
    import Testing

    /// The NAT laboratory with a one-way delay on its internet segment: netem where the kernel has it, else the
    /// user-space hub (`DelayingHub`). Round trips between a public host and a site grow by twice the delay,
    /// TCP carries 5 MB intact through it, hole punching still gets through, the hub's queue stays within its
    /// limits, and tear-down stops the hub's thread and leaves no namespace. Serialized: the round trips are
    /// measured while nothing else of the suite runs.
    @Suite(
        "NAT laboratory with added delay", .enabled(if: NATLab.available, "needs root, ip (iproute2) and nft (nftables; scripts/setup.sh installs it)"),
        .serialized, .timeLimit(.minutes(1))
    )
    struct NATLabDelayTests {
        /// The port public hosts answer on.
        static let service: UInt16 = 3478
        /// The one-way delay of the delayed labs.
        static let delay = Duration.milliseconds(20)

        /// Milliseconds with two decimals.
        static func ms(_ d: Duration) -> String {
            String(format: "%.2f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }

        static func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

        /// `count` UDP round trips from the host of site 0 to public host 0 and back, after one that is not
        /// measured (it resolves the neighbours' addresses and makes the NAT mapping).
        static func udpRoundTrips(_ lab: NATLab, count: Int = 10) async throws -> [Duration] {
            let server = try lab.udpSocket(in: lab.publicHosts[0].namespace, port: service)
            let client = try lab.udpSocket(in: lab.sites[0].host)
            defer {
                server.close()
                client.close()
            }
            let target = LabEndpoint(lab.publicHosts[0].address, service)
            // Timed on a thread of their own: a wait for a thread of the cooperative pool is no part of a round trip.
            let trips = try await offCooperativePool { () throws -> [RoundTrip] in
                var trips: [RoundTrip] = []
                for n in 0...count {
                    let start = ContinuousClock.now
                    try client.send("ping \(n)", to: target)
                    guard let ping = try server.receive(timeout: .seconds(2)) else {
                        trips.append(RoundTrip(ping: nil, pong: nil, time: .zero))
                        break
                    }
                    try server.send("pong \(n)", to: ping.source)
                    let pong = try client.receive(timeout: .seconds(2))
                    trips.append(RoundTrip(ping: ping, pong: pong, time: .now - start))
                    if pong == nil { break }
                }
                return trips
            }
            var rtts: [Duration] = []
            for (n, trip) in trips.enumerated() {
                _ = try #require(trip.ping, "ping \(n) did not arrive")
                let pong = try #require(trip.pong, "pong \(n) did not arrive")
                #expect(pong.text == "pong \(n)")
                if n > 0 { rtts.append(trip.time) }
            }
            return rtts
        }

        /// One round trip of `udpRoundTrips`: what arrived (nil: nothing within 2 s) and how long it took.
        struct RoundTrip: Sendable {
            var ping: LabDatagram?
            var pong: LabDatagram?
            var time: Duration
        }

        @Test("UDP round trips between a public host and a site behind a NAT: at least twice the 20 ms one-way delay and under 80 ms (median) with it; under 20 ms without, by the bridge or by the user-space hub with no delay (bounds with room for a loaded machine: 6.7 ms was seen through the hub)")
        func udpRoundTrip() async throws {
            let delayed = try await NATLab(publicHosts: 1, sites: [.portRestricted], delay: Self.delay, tag: "rttdelay")
            defer { delayed.tearDown() }
            #expect(delayed.delayApplied)
            let withDelay = try await Self.udpRoundTrips(delayed)
            let plain = try await NATLab(publicHosts: 1, sites: [.portRestricted], tag: "rttplain")
            defer { plain.tearDown() }
            #expect(plain.delayMechanism == nil && plain.delayingHub == nil)
            let withoutDelay = try await Self.udpRoundTrips(plain)
            let hubOnly = try await NATLab(publicHosts: 1, sites: [.portRestricted], delay: .zero, by: .userSpaceHub, tag: "rtthub")
            defer { hubOnly.tearDown() }
            let throughHub = try await Self.udpRoundTrips(hubOnly)

            print("""
                UDP round trips, public host ↔ site behind portRestricted (10 each, median):
                  20 ms one-way delay (\(delayed.delayMechanism?.description ?? "none")): \(Self.ms(Self.median(withDelay))) (\(withDelay.map(Self.ms).joined(separator: ", ")))
                  no delay (bridge): \(Self.ms(Self.median(withoutDelay))) (\(withoutDelay.map(Self.ms).joined(separator: ", ")))
                  user-space hub, 0 ms: \(Self.ms(Self.median(throughHub))) (\(throughHub.map(Self.ms).joined(separator: ", ")))
                  hub: \(delayed.delayingHub.map { "\($0.statistics)" } ?? "netem")
                """)
            #expect(withDelay.allSatisfy { $0 >= Self.delay * 2 }, "\(withDelay.map(Self.ms))")
            #expect(Self.median(withDelay) < .milliseconds(80), "\(withDelay.map(Self.ms))")
            #expect(Self.median(withoutDelay) < .milliseconds(20), "\(withoutDelay.map(Self.ms))")
            #expect(Self.median(throughHub) < .milliseconds(20), "\(throughHub.map(Self.ms))")
        }

        /// Bytes that show a lost, doubled or reordered segment: a xorshift sequence.
        static func payload(_ count: Int) -> [UInt8] {
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            return (0..<count).map { _ in
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                return UInt8(truncatingIfNeeded: state >> 32)
            }
        }

        /// What the sending thread ended with.
        final class Outcome: @unchecked Sendable {
            private let lock = NSLock()
            private var value: Result<Duration, any Error>?
            func set(_ v: Result<Duration, any Error>) { lock.withLock { value = v } }
            func get() -> Result<Duration, any Error>? { lock.withLock { value } }
        }

        @Test("TCP through the delayed lab: connecting takes at least one round trip (40 ms; under 150 ms once the neighbours are known, with room for a loaded machine), 5 MB from a site behind a NAT to a public host arrive intact within 20 s")
        func tcpTransfer() async throws {
            let lab = try await NATLab(publicHosts: 1, sites: [.portRestricted], delay: Self.delay, tag: "delaytcp")
            defer { lab.tearDown() }
            #expect(lab.delayApplied)
            let listener = try lab.tcpSocket(in: lab.publicHosts[0].namespace, port: 8080)
            try listener.listen()
            let client = try lab.tcpSocket(in: lab.sites[0].host)
            defer {
                listener.close()
                client.close()
            }
            // Connections timed and bytes received on a thread of their own, whatever the cooperative pool does.
            let (outcome, connectTime) = try await offCooperativePool { () throws -> (LabTCPSocket.ConnectOutcome, Duration) in
                let start = ContinuousClock.now
                let outcome = try client.connect(to: LabEndpoint(lab.publicHosts[0].address, 8080), timeout: .seconds(5))
                return (outcome, ContinuousClock.now - start)
            }
            try #require(outcome == .connected, "connect: \(outcome)")
            let accepted = try #require(try await listener.accept(timeout: .seconds(5)), "the public host accepted nothing")
            defer { accepted.close() }

            let payload = Self.payload(5 << 20)
            let sent = Outcome()
            let done = DispatchSemaphore(value: 0)
            let transferStart = ContinuousClock.now
            let sender = Thread {
                sent.set(Result { try client.send(payload, timeout: .seconds(20)); return .now - transferStart })
                done.signal()
            }
            sender.start()
            let (received, transferTime) = try await offCooperativePool { () throws -> ([UInt8], Duration) in
                var received: [UInt8] = []
                received.reserveCapacity(payload.count)
                let deadline = ContinuousClock.now + .seconds(20)
                while received.count < payload.count, ContinuousClock.now < deadline {
                    guard let chunk = try accepted.receive(timeout: .seconds(5)), !chunk.isEmpty else { break }
                    received += chunk
                }
                return (received, ContinuousClock.now - transferStart)
            }
            _ = try await offCooperativePool { done.wait(timeout: .now() + 25) }
            // A second connection: the router and the public host know each other's MAC addresses now (the first
            // connect waited for ARP across the hub too), so it takes one round trip.
            let second = try lab.tcpSocket(in: lab.sites[0].host)
            defer { second.close() }
            let (secondOutcome, secondConnectTime) = try await offCooperativePool { () throws -> (LabTCPSocket.ConnectOutcome, Duration) in
                let secondStart = ContinuousClock.now
                let secondOutcome = try second.connect(to: LabEndpoint(lab.publicHosts[0].address, 8080), timeout: .seconds(5))
                return (secondOutcome, ContinuousClock.now - secondStart)
            }
            #expect(secondOutcome == .connected)
            print("TCP with 20 ms one-way delay (\(lab.delayMechanism?.description ?? "none")): connect \(Self.ms(connectTime)) (ARP included), then \(Self.ms(secondConnectTime)); 5 MB in \(Self.ms(transferTime)); hub: \(lab.delayingHub.map { "\($0.statistics)" } ?? "netem")")
            #expect(connectTime >= Self.delay * 2)
            #expect(secondConnectTime >= Self.delay * 2 && secondConnectTime < .milliseconds(150), "\(Self.ms(secondConnectTime))")
            #expect(try sent.get()?.get() != nil, "the sender did not finish")
            #expect(received.count == payload.count, "\(received.count) of \(payload.count) bytes arrived")
            #expect(received == payload, "the bytes that arrived differ from those sent")
            #expect(transferTime < .seconds(20))
        }

        @Test("UDP hole punching through the delayed lab: fullCone with portRestricted gets through, symmetric with portRestricted still does not")
        func holePunching() async throws {
            let lab = try await NATLab(publicHosts: 1, sites: [.fullCone, .portRestricted, .symmetric, .portRestricted], delay: Self.delay, tag: "delaypunch")
            defer { lab.tearDown() }
            #expect(lab.delayApplied)
            let pairs = [(0, 1), (2, 3)]
            let rendezvous = try lab.udpSocket(in: lab.publicHosts[0].namespace, port: Self.service)
            let server = LabEndpoint(lab.publicHosts[0].address, Self.service)
            // sides[2n] and sides[2n+1]: pair n's sockets.
            let sides = try pairs.enumerated().flatMap { n, pair in
                [try lab.udpSocket(in: lab.sites[pair.0].host, port: 20_000 + UInt16(n)), try lab.udpSocket(in: lab.sites[pair.1].host, port: 21_000 + UInt16(n))]
            }
            defer {
                rendezvous.close()
                sides.forEach { $0.close() }
            }
            for (s, socket) in sides.enumerated() { try socket.send("register \(s)", to: server) }
            var seen: [Int: LabEndpoint] = [:]
            let deadline = ContinuousClock.now + .seconds(3)
            while seen.count < sides.count, let d = try await rendezvous.receive(until: deadline) { seen[Int(d.text.dropFirst(9)) ?? -1] = d.source }
            try #require(seen.count == sides.count, "the rendezvous host heard \(seen.count) of \(sides.count) sides")

            // Rounds 100 ms apart (more than a round trip): each side sends to the other's endpoint as the
            // rendezvous host saw it and answers every punch; a side got through when anything from its peer came.
            var heard = [Bool](repeating: false, count: sides.count)
            for _ in 0..<8 where heard.contains(false) {
                for s in sides.indices where !heard[s] || !heard[s ^ 1] { try sides[s].send("punch \(s)", to: seen[s ^ 1]!) }
                try await Task.sleep(for: .milliseconds(100))
                for (s, socket) in sides.enumerated() {
                    for d in try await socket.receiveAll(timeout: .zero) where d.text == "punch \(s ^ 1)" || d.text == "ack \(s ^ 1)" {
                        heard[s] = true
                        if d.text.hasPrefix("punch") { try socket.send("ack \(s)", to: d.source) }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            for (s, socket) in sides.enumerated() {
                if try await socket.receiveAll(timeout: .zero).contains(where: { $0.text == "ack \(s ^ 1)" || $0.text == "punch \(s ^ 1)" }) { heard[s] = true }
            }
            for (n, (i, j)) in pairs.enumerated() {
                let (x, y) = (lab.sites[i].kind, lab.sites[j].kind)
                let works = heard[2 * n] && heard[2 * n + 1]
                print("UDP hole punching with 20 ms one-way delay, \(x) with \(y): \(works ? "gets through" : "needs a relay")")
                #expect(works == NATKind.holePunchWorks(x, y), "\(x) with \(y): \(works ? "got through" : "did not") (heard: \(heard[2 * n]), \(heard[2 * n + 1]))")
            }
        }

        /// Sends `count` datagrams of `size` bytes from public host 0 to the host of site 0 (of kind `none`) at once,
        /// after one that makes the neighbours known; how many of the burst arrive within 2 s.
        static func burst(_ lab: NATLab, count: Int, size: Int) async throws -> Int {
            let from = try lab.udpSocket(in: lab.publicHosts[0].namespace)
            // A port the kernel picks: each burst has a socket of its own, whatever else holds one.
            let to = try lab.udpSocket(in: lab.sites[0].host)
            defer {
                from.close()
                to.close()
            }
            let target = LabEndpoint(lab.sites[0].hostAddress, to.localEndpoint.port)
            try from.send("warm", to: target)
            _ = try #require(try await to.receive(timeout: .seconds(3)), "the first datagram did not arrive")
            let bytes = [UInt8](repeating: 7, count: size)
            for _ in 0..<count { try from.send(bytes, to: target) }
            return try await to.receiveAll(timeout: .seconds(2)).count
        }

        @Test("The user-space hub's queue is bounded: beyond its frame or byte limit, frames are dropped and counted")
        func queueLimits() async throws {
            let lab = try await NATLab(publicHosts: 1, sites: [.none], delay: Self.delay, by: .userSpaceHub, tag: "delaylimit")
            defer { lab.tearDown() }
            let own = try #require(lab.delayingHub)
            #expect(own.stop() && !own.isRunning)
            // Hubs of their own on the lab's ports, holding frames longer than the burst takes to send.
            let few = try DelayingHub(namespace: lab.hub, ports: lab.hubPorts, delay: .milliseconds(200), frameLimit: 8)
            let arrivedFew = try await Self.burst(lab, count: 30, size: 100)
            #expect(few.stop())
            let small = try DelayingHub(namespace: lab.hub, ports: lab.hubPorts, delay: .milliseconds(200), byteLimit: 5_000)
            let arrivedSmall = try await Self.burst(lab, count: 30, size: 1_000)
            #expect(small.stop())
            print("queue limits: 8 frames: \(arrivedFew) of 30 arrived (\(few.statistics)); 5,000 bytes: \(arrivedSmall) of 30 arrived (\(small.statistics))")
            #expect((1...8).contains(arrivedFew))
            #expect(few.statistics.droppedQueueFull >= 22 && few.statistics.peakFrames <= 8, "\(few.statistics)")
            #expect((1...4).contains(arrivedSmall))
            #expect(small.statistics.droppedQueueFull >= 26 && small.statistics.peakBytes <= 5_000, "\(small.statistics)")
        }

        /// The names `ip netns list` shows.
        static func namespaceNames() async throws -> Set<String> {
            let r = try await LabCommand.check(NATLab.ip, ["netns", "list"])
            return Set(r.stdout.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") })
        }

        @Test("Tear-down of a lab with the user-space hub stops the hub's thread and deletes every namespace; a second tear-down does nothing")
        func tearDown() async throws {
            let lab = try await NATLab(publicHosts: 1, sites: [.fullCone], delay: Self.delay, by: .userSpaceHub, tag: "delayclean")
            var tornDown = false
            defer { if !tornDown { lab.tearDown() } }
            #expect(lab.delayMechanism == .userSpaceHub && lab.delayApplied)
            let hub = try #require(lab.delayingHub)
            #expect(hub.isRunning && hub.ports == lab.hubPorts && hub.namespace == lab.hub)
            #expect(try await Self.namespaceNames().isSuperset(of: lab.namespaces))
            _ = try await Self.udpRoundTrips(lab, count: 1)
            #expect(hub.statistics.sent > 0, "\(hub.statistics)")

            lab.tearDown()
            tornDown = true
            #expect(!hub.isRunning)
            #expect(try await Self.namespaceNames().isDisjoint(with: lab.namespaces))
            lab.tearDown()
            #expect(!hub.isRunning)
        }

        @Test("With sch_netem the delay can be made by netem too: a round trip takes at least twice the one-way delay", .enabled(if: NATLab.netemAvailable, "this kernel has no sch_netem"))
        func netem() async throws {
            let lab = try await NATLab(publicHosts: 1, sites: [.portRestricted], delay: Self.delay, by: .netem, tag: "delaynetem")
            defer { lab.tearDown() }
            #expect(lab.delayMechanism == .netem && lab.delayingHub == nil)
            let rtts = try await Self.udpRoundTrips(lab)
            print("UDP round trips with 20 ms one-way delay by netem: median \(Self.ms(Self.median(rtts)))")
            #expect(rtts.allSatisfy { $0 >= Self.delay * 2 }, "\(rtts.map(Self.ms))")
        }

        @Test("Asking for netem where the kernel has no sch_netem fails, and leaves no namespace", .enabled(if: !NATLab.netemAvailable, "this kernel has sch_netem"))
        func netemMissing() async throws {
            let before = try await Self.namespaceNames()
            await #expect(throws: LabError.self) { try await NATLab(publicHosts: 1, sites: [.fullCone], delay: Self.delay, by: .netem, tag: "delaynonetem") }
            #expect(try await Self.namespaceNames().subtracting(before).filter { $0.contains("delaynonetem") }.isEmpty)
        }
    }
#endif
