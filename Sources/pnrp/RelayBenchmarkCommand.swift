import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import PNRP
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#endif

/// `pnrp benchmark-relay`: the TCP stream relay's data path on loopback — throughput and the relay's CPU per MB.
struct RelayBenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-relay",
        abstract: "Measure the stream relay's throughput and CPU per MB on loopback.",
        discussion: """
            Build in release mode first; debug figures are meaningless:
              swift build -c release --product pnrp && .build/release/pnrp benchmark-relay

            Starts a stream relay in this process on one event-loop thread of its own (TCP, 127.0.0.1, a \\
            port the system picks), gives it a token the way a relay node does, and connects two clients \\
            to it from two more threads: one waits with the token, the other joins. Once spliced, the \\
            joining client pushes --bytes through the relay to the waiting one (with --both-ways, each side \\
            pushes --bytes to the other at the same time, from two threads each), which reads and counts \\
            them. Throughput counts the bytes the receivers got, from the first byte sent to the last byte \\
            received. The relay's CPU is that of its event-loop thread (getrusage RUSAGE_THREAD, user and \\
            system, read on that thread before and after); as a cross-check, the process's CPU minus what \\
            the client threads used (each measured on itself) is shown too. The relay, the clients and the \\
            kernel's loopback share the machine's cores.

            Examples:
              pnrp benchmark-relay
              pnrp benchmark-relay --bytes 500000000 --both-ways --json
            """
    )

    @Option(help: "Bytes to push through the relay (each way with --both-ways).")
    var bytes = 2_000_000_000

    @Option(help: "Bytes per send and receive call of the clients.")
    var chunk = 262_144

    @Flag(help: "Push --bytes each way at the same time.")
    var bothWays = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard bytes >= 1 else { throw ValidationError("--bytes must be at least 1") }
        guard (1...16 << 20).contains(chunk) else { throw ValidationError("--chunk must be from 1 to 16777216") }
    }

    /// The figures, as `--json` prints them.
    struct Figures: Codable {
        var bytes: Int
        var bothWays: Bool
        var seconds: Double
        var megabytesPerSecond: Double
        var relayCPUSeconds: Double
        var relayCPUMicrosecondsPerMB: Double
        var processMinusClientsCPUSeconds: Double
        var clientsCPUSeconds: Double
        var bytesRelayed: Int
    }

    func run() async throws {
        var logger = Logger(label: "pnrp-benchmark-relay")
        logger.logLevel = .error
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let relay = try await StreamRelayServer.start(on: IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 0), eventLoop: loop, logger: logger)
        let token = (0..<16).map { _ in UInt8.random(in: 0...255) }
        await relay.authorize(StreamGrant(token: token, client: relay.endpoint, expires: HostClock.now() + .minutes(10)))

        let waiter = try BenchmarkSocket(relay.endpoint)
        try waiter.send(try StreamRelayHello(role: .wait, token: token).encoded())
        guard try waiter.receive(exactly: 1) == [StreamRelayReply.waiting.rawValue] else { throw ValidationError("the relay did not accept the waiting side") }
        let joiner = try BenchmarkSocket(relay.endpoint)
        try joiner.send(try StreamRelayHello(role: .join, token: token).encoded())
        guard try joiner.receive(exactly: 1) == [StreamRelayReply.ok.rawValue], try waiter.receive(exactly: 1) == [StreamRelayReply.ok.rawValue] else {
            throw ValidationError("the relay did not splice the two connections")
        }

        let relayBefore = try await loop.submit { CPUTime.thread() }.get()
        let processBefore = CPUTime.process()
        let start = ContinuousClock.now
        var workers: [ClientThread] = [
            ClientThread { try joiner.push(bytes, chunk: chunk) },
            ClientThread { try waiter.pull(bytes, chunk: chunk) },
        ]
        if bothWays {
            workers.append(ClientThread { try waiter.push(bytes, chunk: chunk) })
            workers.append(ClientThread { try joiner.pull(bytes, chunk: chunk) })
        }
        var clientsCPU = 0.0
        var received = 0
        for (i, worker) in workers.enumerated() {
            let (count, cpu) = try worker.wait()
            clientsCPU += cpu
            if i % 2 == 1 { received += count }
        }
        let elapsed = ContinuousClock.now - start
        let relayAfter = try await loop.submit { CPUTime.thread() }.get()
        let processAfter = CPUTime.process()
        let counters = await relay.counters()
        waiter.close()
        joiner.close()
        await relay.close()
        try await group.shutdownGracefully()

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let relayCPU = relayAfter - relayBefore
        let megabytes = Double(received) / 1e6
        let figures = Figures(
            bytes: bytes, bothWays: bothWays, seconds: seconds, megabytesPerSecond: megabytes / seconds, relayCPUSeconds: relayCPU,
            relayCPUMicrosecondsPerMB: relayCPU / megabytes * 1e6, processMinusClientsCPUSeconds: (processAfter - processBefore) - clientsCPU,
            clientsCPUSeconds: clientsCPU, bytesRelayed: counters.bytesRelayed)
        if json {
            try printJSON(figures)
        } else {
            print("benchmark-relay: \(bytes) bytes \(bothWays ? "each way" : "one way") through a stream relay on \(EndpointText.format(relay.endpoint)), chunks of \(chunk) bytes")
            print(String(format: "  throughput               %10.1f MB/s  (%.0f MB in %.2f s, MB = 10^6 bytes)", figures.megabytesPerSecond, megabytes, seconds))
            print(String(format: "  relay CPU per MB         %10.1f µs     (event-loop thread: %.2f s)", figures.relayCPUMicrosecondsPerMB, relayCPU))
            print(String(format: "  process minus clients    %10.2f s CPU   (clients %.2f s)", figures.processMinusClientsCPUSeconds, clientsCPU))
        }
    }
}

/// CPU time (user + system) of the calling thread or of the process, in seconds.
enum CPUTime {
    /// RUSAGE_THREAD (Linux), which the Glibc module does not export.
    static func thread() -> Double { read(1) }
    static func process() -> Double { read(RUSAGE_SELF.rawValue) }

    private static func read(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(who, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// A client of the benchmark on a thread of its own; `wait()` gives its byte count and its thread's CPU time.
final class ClientThread: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<(Int, Double), any Error>?

    init(_ body: @escaping @Sendable () throws -> Int) {
        let thread = Thread { [self] in
            let before = CPUTime.thread()
            result = Result { (try body(), CPUTime.thread() - before) }
            done.signal()
        }
        thread.start()
    }

    func wait() throws -> (Int, Double) {
        done.wait()
        return try result!.get()
    }
}

/// A blocking TCP connection of the benchmark's clients; every call gives up after 30 s without progress.
final class BenchmarkSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32

    init(_ endpoint: IPv6Endpoint) throws {
        let address = endpoint.socketAddress(zone: 0)
        fd = socket(address.protocol == .inet ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard address.withSockAddr({ connect(fd, $0, socklen_t($1)) }) == 0 else {
            throw Failure(description: "connect to \(EndpointText.format(endpoint)): \(String(cString: strerror(errno)))")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    func receive(exactly count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            guard n > 0 else { throw Failure(description: n == 0 ? "the relay closed the connection" : "receive: \(String(cString: strerror(errno)))") }
            got += n
        }
        return out
    }

    /// Sends `total` bytes in sends of `chunk`; returns `total`.
    func push(_ total: Int, chunk: Int) throws -> Int {
        let buffer = [UInt8](repeating: 0xA5, count: chunk)
        var left = total
        try buffer.withUnsafeBytes { raw in
            while left > 0 {
                let n = Glibc.send(fd, raw.baseAddress, Swift.min(left, chunk), Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
                left -= n
            }
        }
        return total
    }

    /// Receives until `total` bytes came; returns the count.
    func pull(_ total: Int, chunk: Int) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: chunk)
        var got = 0
        try buffer.withUnsafeMutableBytes { raw in
            while got < total {
                let n = recv(fd, raw.baseAddress, Swift.min(chunk, total - got), 0)
                guard n > 0 else { throw Failure(description: n == 0 ? "the stream ended after \(got) bytes" : "receive: \(String(cString: strerror(errno)))") }
                got += n
            }
        }
        return got
    }

    func close() { Glibc.close(fd) }
}
