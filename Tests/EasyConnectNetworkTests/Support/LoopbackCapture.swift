#if os(Linux)
    import Foundation
    import Glibc

    /// Every IPv4 packet on the loopback interface to or from some addresses, captured with an `AF_PACKET`
    /// raw socket bound to `lo` on a thread of its own, up to a byte limit. Needs CAP_NET_RAW (root).
    final class LoopbackCapture: @unchecked Sendable {
        /// Why no capture is possible here, or nil when it is.
        static let unavailableReason: String? = {
            let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), Int32(UInt16(ethernetAll).bigEndian))
            guard fd >= 0 else { return "socket(AF_PACKET, SOCK_RAW) failed: \(String(cString: strerror(errno))) (capturing needs CAP_NET_RAW: run the tests as root)" }
            close(fd)
            return nil
        }()

        static let ethernetAll: UInt16 = 0x0003  // ETH_P_ALL
        static let packetOutgoing: UInt8 = 4  // PACKET_OUTGOING: the transmit-side copy of a loopback packet
        static let solPacket: Int32 = 263, packetStatistics: Int32 = 6

        private let fd: Int32
        private let addresses: Set<[UInt8]>
        private let limit: Int
        private let state = Locked<(packets: [[UInt8]], bytes: Int, overflow: Bool, stop: Bool, done: Bool)>(([], 0, false, false, false))

        /// Starts capturing packets whose source or destination is one of `addresses` (dotted IPv4).
        init(addresses: [String], limit: Int = 256 << 20) throws {
            self.addresses = Set(addresses.map { $0.split(separator: ".").map { UInt8($0)! } })
            self.limit = limit
            fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), Int32(Self.ethernetAll.bigEndian))
            guard fd >= 0 else { throw TestFailure("socket(AF_PACKET): \(String(cString: strerror(errno)))") }
            // struct sockaddr_ll: family (2), protocol (2, network order), ifindex (4), hatype (2), pkttype (1), halen (1), addr (8).
            var ll = [UInt8](repeating: 0, count: 20)
            ll.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: UInt16(AF_PACKET), toByteOffset: 0, as: UInt16.self)
                raw.storeBytes(of: Self.ethernetAll.bigEndian, toByteOffset: 2, as: UInt16.self)
                raw.storeBytes(of: Int32(if_nametoindex("lo")), toByteOffset: 4, as: Int32.self)
            }
            let bound = ll.withUnsafeBytes { bind(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), 20) }
            guard bound == 0 else {
                let why = String(cString: strerror(errno))
                close(fd)
                throw TestFailure("bind to lo: \(why)")
            }
            var size: Int32 = 64 << 20
            setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let thread = Thread { [self] in run() }
            thread.start()
        }

        private func run() {
            var buffer = [UInt8](repeating: 0, count: 70_000)
            var from = [UInt8](repeating: 0, count: 20)
            // Bounded in time as well: a test that never calls stop() does not leave the thread running.
            let end = Date().addingTimeInterval(600)
            while !state.current.stop, Date() < end {
                var length = socklen_t(20)
                let n = buffer.withUnsafeMutableBytes { b in
                    from.withUnsafeMutableBytes { f in recvfrom(fd, b.baseAddress!, b.count, 0, f.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length) }
                }
                guard n > 34 else { continue }  // timeouts, and frames too short for Ethernet + IPv4
                guard from[10] != Self.packetOutgoing else { continue }  // each loopback packet is seen leaving and arriving
                // lo frames carry a 14-byte Ethernet header; keep IPv4 (0x0800) to or from our addresses.
                guard buffer[12] == 0x08, buffer[13] == 0x00, buffer[14] >> 4 == 4 else { continue }
                let source = Array(buffer[26..<30]), destination = Array(buffer[30..<34])
                guard addresses.contains(source) || addresses.contains(destination) else { continue }
                let packet = Array(buffer[14..<n])
                state.withLock { s in
                    if s.bytes + packet.count > limit {
                        s.overflow = true
                    } else {
                        s.bytes += packet.count
                        s.packets.append(packet)
                    }
                }
            }
            state.withLock { $0.done = true }
        }

        /// Stops, and returns the IPv4 packets captured and how many the kernel dropped.
        func stop() async -> (packets: [[UInt8]], drops: UInt32, overflow: Bool) {
            state.withLock { $0.stop = true }
            _ = await eventually(20) { state.current.done }
            var stats = (UInt32(0), UInt32(0))  // struct tpacket_stats: packets, drops
            var length = socklen_t(8)
            getsockopt(fd, Self.solPacket, Self.packetStatistics, &stats, &length)
            close(fd)
            let s = state.current
            return (s.packets, stats.1, s.overflow)
        }
    }

    /// The payloads of captured IPv4 packets: TCP reassembled per direction of each connection (by
    /// sequence number, retransmissions folded), UDP datagram by datagram.
    struct CapturedTraffic {
        /// One byte stream per TCP direction, keyed "src:port>dst:port".
        var tcp: [String: [UInt8]] = [:]
        /// UDP payloads, in order, keyed the same way.
        var udp: [String: [[UInt8]]] = [:]
        /// Holes found while reassembling (bytes missing from a stream).
        var gaps = 0

        init(_ packets: [[UInt8]]) {
            var segments: [String: [(seq: UInt32, payload: [UInt8])]] = [:]
            for ip in packets {
                let headerLength = Int(ip[0] & 0x0F) * 4
                let total = min(ip.count, Int(ip[2]) << 8 | Int(ip[3]))
                guard headerLength >= 20, total > headerLength else { continue }
                let proto = ip[9]
                let body = Array(ip[headerLength..<total])
                func address(_ at: Int) -> String { ip[at..<(at + 4)].map(String.init).joined(separator: ".") }
                guard body.count >= 8 else { continue }
                let sourcePort = Int(body[0]) << 8 | Int(body[1]), destinationPort = Int(body[2]) << 8 | Int(body[3])
                let key = "\(address(12)):\(sourcePort)>\(address(16)):\(destinationPort)"
                if proto == 17 {
                    udp[key, default: []].append(Array(body[8...]))
                } else if proto == 6, body.count >= 20 {
                    let offset = Int(body[12] >> 4) * 4
                    guard body.count > offset else { continue }
                    let seq = UInt32(body[4]) << 24 | UInt32(body[5]) << 16 | UInt32(body[6]) << 8 | UInt32(body[7])
                    segments[key, default: []].append((seq, Array(body[offset...])))
                }
            }
            for (key, list) in segments {
                let base = list[0].seq
                var stream: [UInt8] = []
                for (seq, payload) in list.sorted(by: { $0.seq &- base < $1.seq &- base }) {
                    let at = Int(seq &- base)
                    if at > stream.count {
                        gaps += 1
                        stream += [UInt8](repeating: 0, count: at - stream.count)
                    }
                    if at + payload.count > stream.count { stream += payload[(stream.count - at)...] }
                }
                tcp[key] = stream
            }
        }

        /// Everything to search: each TCP stream, each UDP datagram, and each UDP flow end to end.
        var haystacks: [[UInt8]] { Array(tcp.values) + udp.values.flatMap { $0 } + udp.values.map { $0.flatMap { $0 } } }
    }
#endif
