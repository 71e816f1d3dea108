#if os(Linux)
    import Foundation
    import Glibc

    /// The internet segment of a lab as a hub in user space that holds every frame for a fixed time before
    /// passing it on: a one-way delay on kernels without `sch_netem` (netem's `delay` on each port otherwise).
    ///
    /// The hub's ports are interfaces of one network namespace (the hub ends of veth pairs, on no bridge). A
    /// thread of the test process reads each port through a packet socket (`PacketSocket`, made inside the
    /// namespace), learns which port each source MAC address is behind, and `delay` after a frame came in writes
    /// it out of the port its destination was learned on, or out of every other port when the destination is
    /// broadcast, multicast or not learned yet (a learning switch). A frame crosses the hub once on its way from
    /// one node to another: each direction of a path gets `delay` once, a round trip `2 × delay`.
    ///
    /// Frames wait in arrival order, which with one delay for all is the order they are due in; the thread sleeps
    /// in `poll` until the next one is due or a frame comes. At most `frameLimit` frames and `byteLimit` bytes
    /// wait at once: beyond, a frame is dropped, as a full queue of a router drops it. `stop()` (the lab's
    /// `tearDown()`) ends the thread and closes the sockets.
    public final class DelayingHub: @unchecked Sendable {
        /// What the hub has done so far.
        public struct Statistics: Sendable, Equatable, CustomStringConvertible {
            /// Frames read from the ports.
            public var received = 0
            /// Frames written to a port (a frame sent out of several ports counts once for each).
            public var sent = 0
            /// Frames dropped because `frameLimit` frames or `byteLimit` bytes were already waiting.
            public var droppedQueueFull = 0
            /// Frames the kernel did not take on the way out (a full socket buffer).
            public var sendFailures = 0
            /// Frames dropped because they were larger than the receive buffer, or shorter than a header.
            public var malformed = 0
            /// Errors of the ports' sockets on the way in.
            public var receiveErrors = 0
            /// The most frames and bytes that waited at once.
            public var peakFrames = 0
            public var peakBytes = 0

            public var description: String {
                "received \(received), sent \(sent), dropped (queue full) \(droppedQueueFull), send failures \(sendFailures), "
                    + "malformed \(malformed), receive errors \(receiveErrors), peak \(peakFrames) frames / \(peakBytes) bytes"
            }
        }

        /// The network namespace of the ports.
        public let namespace: String
        /// The ports: interfaces of `namespace`.
        public let ports: [String]
        /// How long each frame is held.
        public let delay: Duration
        /// The most frames and bytes that wait at once.
        public let frameLimit: Int
        public let byteLimit: Int

        /// The largest frame read (virtio-net header included): a 64 KiB offload super-frame with room to spare.
        static let bufferSize = 256 * 1024

        private let sockets: [PacketSocket]
        /// A pipe whose read end the thread polls too: `stop()` writes a byte to wake it.
        private let wakeRead: Int32
        private let wakeWrite: Int32
        private let lock = NSLock()
        private var stopRequested = false
        private var running = true
        private var published = Statistics()
        private let finished = DispatchSemaphore(value: 0)

        /// Opens a packet socket on each of `ports` of `namespace` and starts the forwarding thread.
        public init(namespace: String, ports: [String], delay: Duration, frameLimit: Int = 10_000, byteLimit: Int = 16 << 20) throws {
            guard !ports.isEmpty else { throw LabError("a hub needs ports") }
            guard delay >= .zero, frameLimit > 0, byteLimit > 0 else { throw LabError("a hub's delay and limits are positive") }
            self.namespace = namespace
            self.ports = ports
            self.delay = delay
            self.frameLimit = frameLimit
            self.byteLimit = byteLimit
            sockets = try NetworkNamespaceEntry.perform(in: namespace) { try ports.map { try PacketSocket.open(interface: $0) } }
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { throw LabError("pipe: \(errnoText())") }
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            }
            (wakeRead, wakeWrite) = (ends[0], ends[1])
            let thread = Thread { [self] in run() }
            thread.name = "delaying hub \(namespace)"
            thread.start()
        }

        deinit {
            // The thread holds the hub while it runs: here it has ended and closed the sockets.
            _ = Glibc.close(wakeRead)
            _ = Glibc.close(wakeWrite)
        }

        /// Whether the forwarding thread still runs.
        public var isRunning: Bool { lock.withLock { running } }

        /// What the hub has done so far (brought up to date once per round of the thread).
        public var statistics: Statistics { lock.withLock { published } }

        /// Ends the forwarding thread and waits (at most `timeout`) until it has closed the ports' sockets;
        /// whether it has. Frames still waiting are dropped. Safe to call more than once, from any thread.
        @discardableResult
        public func stop(timeout: Duration = .seconds(5)) -> Bool {
            let (first, stillRunning) = lock.withLock {
                defer { stopRequested = true }
                return (!stopRequested, running)
            }
            guard stillRunning else { return true }
            if first {
                var byte: UInt8 = 1
                _ = write(wakeWrite, &byte, 1)
            }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            guard finished.wait(timeout: .now() + seconds) == .success else { return false }
            finished.signal()  // for whoever else waits
            return true
        }

        // MARK: The forwarding thread

        /// A frame waiting for its time: the port it came in by, its bytes (virtio-net header first).
        private struct HeldFrame {
            var due: ContinuousClock.Instant
            var port: Int
            var bytes: [UInt8]
        }

        /// The waiting frames, oldest first (an array with a moving head).
        private struct FrameQueue {
            private var frames: [HeldFrame] = []
            private var head = 0
            private(set) var bytes = 0
            var count: Int { frames.count - head }
            var first: HeldFrame? { head < frames.count ? frames[head] : nil }

            mutating func append(_ frame: HeldFrame) {
                frames.append(frame)
                bytes += frame.bytes.count
            }

            mutating func removeFirst() -> HeldFrame {
                let frame = frames[head]
                frames[head].bytes = []
                head += 1
                bytes -= frame.bytes.count
                if head >= 1024 && head * 2 >= frames.count {
                    frames.removeFirst(head)
                    head = 0
                }
                return frame
            }
        }

        /// The thread's loop: wait for frames or the next due time, read what came, send what is due.
        private func run() {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
            defer {
                buffer.deallocate()
                sockets.forEach { $0.close() }
                lock.withLock { running = false }
                finished.signal()
            }
            var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                + sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            var queue = FrameQueue()
            var stations: [UInt64: Int] = [:]  // source MAC address → the port it was last seen behind
            var statistics = Statistics()
            while !lock.withLock({ stopRequested }) {
                let timeout = queue.first.map { Self.milliseconds(until: $0.due) } ?? -1
                let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
                if ready < 0 && errno != EINTR { break }
                if descriptors[0].revents != 0 {
                    var drain = [UInt8](repeating: 0, count: 16)
                    while read(wakeRead, &drain, drain.count) > 0 {}
                }
                for port in sockets.indices where ready > 0 && descriptors[port + 1].revents != 0 {
                    if descriptors[port + 1].revents & Int16(POLLNVAL) != 0 {
                        descriptors[port + 1].fd = -1
                        continue
                    }
                    receive(port, into: buffer, queue: &queue, stations: &stations, statistics: &statistics)
                }
                let now = ContinuousClock.now
                while let frame = queue.first, frame.due <= now {
                    forward(queue.removeFirst(), stations: stations, statistics: &statistics)
                }
                lock.withLock { published = statistics }
            }
        }

        /// Reads what waits on `port` (at most 64 frames, for fairness), learns their sources and queues them.
        private func receive(_ port: Int, into buffer: UnsafeMutableRawBufferPointer, queue: inout FrameQueue, stations: inout [UInt64: Int], statistics: inout Statistics) {
            let header = PacketSocket.vnetHeaderSize
            for _ in 0..<64 {
                switch sockets[port].receive(into: buffer) {
                case .frame(let length):
                    let arrived = ContinuousClock.now
                    statistics.received += 1
                    guard length >= header + 14 else {
                        statistics.malformed += 1
                        continue
                    }
                    let source = Self.macAddress(buffer, at: header + 6)
                    if source & Self.groupBit == 0 { stations[source] = port }
                    guard queue.count < frameLimit, queue.bytes + length <= byteLimit else {
                        statistics.droppedQueueFull += 1
                        continue
                    }
                    buffer[0] &= ~PacketSocket.vnetDataValid
                    let bytes = [UInt8](unsafeUninitializedCapacity: length) { copy, count in
                        UnsafeMutableRawBufferPointer(copy).copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
                        count = length
                    }
                    queue.append(HeldFrame(due: arrived + delay, port: port, bytes: bytes))
                    statistics.peakFrames = max(statistics.peakFrames, queue.count)
                    statistics.peakBytes = max(statistics.peakBytes, queue.bytes)
                case .outgoing:
                    continue
                case .truncated:
                    statistics.received += 1
                    statistics.malformed += 1
                case .wouldBlock:
                    return
                case .failed:
                    statistics.receiveErrors += 1
                    return
                }
            }
        }

        /// Sends `frame` out of the port its destination is behind, or out of every other port.
        private func forward(_ frame: HeldFrame, stations: [UInt64: Int], statistics: inout Statistics) {
            let destination = frame.bytes.withUnsafeBytes { Self.macAddress($0, at: PacketSocket.vnetHeaderSize) }
            let known = destination & Self.groupBit == 0 ? stations[destination] : nil
            let targets = known.map { [$0] } ?? Array(sockets.indices)
            frame.bytes.withUnsafeBytes { bytes in
                for port in targets where port != frame.port {
                    if sockets[port].send(bytes) == nil { statistics.sent += 1 } else { statistics.sendFailures += 1 }
                }
            }
        }

        /// The I/G bit of a MAC address read by `macAddress`: set for group (broadcast, multicast) addresses.
        static let groupBit: UInt64 = 1 << 40

        /// The six bytes of a MAC address at `offset`, first byte highest.
        static func macAddress(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
            (0..<6).reduce(0) { $0 << 8 | UInt64(bytes[offset + $1]) }
        }

        static func macAddress(_ bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> UInt64 {
            macAddress(UnsafeRawBufferPointer(bytes), at: offset)
        }

        /// Whole milliseconds from now until `instant`, rounded up (a frame is never sent early), for `poll`.
        static func milliseconds(until instant: ContinuousClock.Instant) -> Int32 {
            let left = instant - .now
            guard left > .zero else { return 0 }
            let (seconds, attoseconds) = left.components
            return Int32(min(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000, 60_000))
        }
    }
#endif
