#if os(Linux)
    import Foundation
    import Glibc

    /// A raw link-layer socket (`AF_PACKET`, `SOCK_RAW`, every protocol) bound to one network interface of a
    /// network namespace: it reads the whole Ethernet frames the interface receives and writes whole frames out
    /// of it. What `DelayingHub` forwards frames with.
    ///
    /// Every frame read or written starts with a virtio-net header (`PACKET_VNET_HDR`, 10 bytes): the kernel
    /// says there that a frame is a segmentation-offload super-frame (up to 64 KiB, TSO/GSO of veth) or that its
    /// TCP/UDP checksum is still to be computed (checksum offload: `NEEDS_CSUM` with where it starts and goes).
    /// Written back unchanged, the header hands the same offload state on to the next interface, so such a frame
    /// arrives whole and valid, as a bridge would pass it: there is no need to turn the veths' offloads off
    /// (which takes `ethtool`).
    ///
    /// Non-blocking; closed once, from whichever thread (or when released).
    final class PacketSocket: @unchecked Sendable {
        /// `ETH_P_ALL` (linux/if_ether.h): every protocol.
        static let everyProtocol: UInt16 = 0x0003
        /// `SOL_PACKET`, `PACKET_VNET_HDR`, `PACKET_IGNORE_OUTGOING` (linux/socket.h, linux/if_packet.h).
        static let solPacket: Int32 = 263
        static let packetVnetHeader: Int32 = 15
        static let packetIgnoreOutgoing: Int32 = 23
        /// `PACKET_OUTGOING`: a frame the interface sent (`sll_pkttype`).
        static let packetOutgoing: UInt8 = 4
        /// The size of `struct virtio_net_hdr`, which starts every frame read or written.
        static let vnetHeaderSize = 10
        /// `VIRTIO_NET_HDR_F_DATA_VALID`: the checksum was checked on the way in (meaningless on the way out).
        static let vnetDataValid: UInt8 = 2
        /// The size of `struct sockaddr_ll`; its `sll_pkttype` byte is at offset 10.
        static let linkAddressSize = 20

        /// The socket's file descriptor (valid until `close()`).
        let fd: Int32
        /// The interface it is bound to.
        let interface: String
        private let lock = NSLock()
        private var closed = false

        private init(fd: Int32, interface: String) {
            self.fd = fd
            self.interface = interface
        }

        deinit { close() }

        /// Closes the socket (once; later calls do nothing).
        func close() {
            let first = lock.withLock {
                defer { closed = true }
                return !closed
            }
            if first { _ = Glibc.close(fd) }
        }

        /// Opens a packet socket on `interface` of the calling thread's network namespace (run it inside
        /// `NetworkNamespaceEntry.perform`), with receive and send buffers of `bufferSize` bytes each.
        static func open(interface: String, bufferSize: Int32 = 8 << 20) throws -> PacketSocket {
            let index = if_nametoindex(interface)
            guard index != 0 else { throw LabError("no interface \(interface): \(errnoText())") }
            // Protocol 0 receives nothing until `bind` names the interface: no frame of another one slips in.
            let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw LabError("packet socket for \(interface): \(errnoText())") }
            let packetSocket = PacketSocket(fd: fd, interface: interface)
            var one: Int32 = 1
            guard setsockopt(fd, solPacket, packetVnetHeader, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw LabError("PACKET_VNET_HDR on \(interface): \(errnoText())")
            }
            // Its own frames come back as PACKET_OUTGOING copies; kernels before 4.20 lack the option, and
            // `receive` skips them anyway.
            _ = setsockopt(fd, solPacket, packetIgnoreOutgoing, &one, socklen_t(MemoryLayout<Int32>.size))
            var size = bufferSize
            for (forced, plain) in [(SO_RCVBUFFORCE, SO_RCVBUF), (SO_SNDBUFFORCE, SO_SNDBUF)]
            where setsockopt(fd, SOL_SOCKET, forced, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                _ = setsockopt(fd, SOL_SOCKET, plain, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            // struct sockaddr_ll: family, protocol (network order), interface index; the rest zero.
            var address = [UInt8](repeating: 0, count: linkAddressSize)
            address.withUnsafeMutableBytes { a in
                a.storeBytes(of: UInt16(AF_PACKET), toByteOffset: 0, as: UInt16.self)
                a.storeBytes(of: everyProtocol.bigEndian, toByteOffset: 2, as: UInt16.self)
                a.storeBytes(of: Int32(index), toByteOffset: 4, as: Int32.self)
            }
            let bound = address.withUnsafeBytes { a in
                bind(fd, a.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(linkAddressSize))
            }
            guard bound == 0 else { throw LabError("bind a packet socket to \(interface): \(errnoText())") }
            return packetSocket
        }

        /// What one `receive` got.
        enum Received: Equatable {
            /// A frame of `length` bytes (virtio-net header included) is in the buffer.
            case frame(length: Int)
            /// A copy of a frame the interface sent (nothing to forward).
            case outgoing
            /// A frame larger than the buffer (dropped).
            case truncated
            /// Nothing waiting.
            case wouldBlock
            /// An error of the socket (`errno`).
            case failed(Int32)
        }

        /// Reads the next frame into `buffer` without waiting.
        func receive(into buffer: UnsafeMutableRawBufferPointer) -> Received {
            var address = [UInt8](repeating: 0, count: Self.linkAddressSize)
            while true {
                var length = socklen_t(Self.linkAddressSize)
                // MSG_TRUNC: the frame's real length even when it does not fit.
                let n = address.withUnsafeMutableBytes { a in
                    recvfrom(fd, buffer.baseAddress, buffer.count, Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT), a.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed(errno)
                }
                if address[10] == Self.packetOutgoing { return .outgoing }
                return n > buffer.count ? .truncated : .frame(length: n)
            }
        }

        /// Writes one frame (virtio-net header first) without waiting; nil when the kernel took it, else
        /// `errno` (a full send buffer: `EAGAIN` or `ENOBUFS`).
        func send(_ frame: UnsafeRawBufferPointer) -> Int32? {
            while true {
                let n = Glibc.send(fd, frame.baseAddress, frame.count, Int32(MSG_DONTWAIT))
                if n == frame.count { return nil }
                if n < 0 && errno == EINTR { continue }
                return n < 0 ? errno : EMSGSIZE
            }
        }
    }
#endif
