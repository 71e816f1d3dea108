#if os(Linux)
    import EasyConnect
    import Foundation
    import PNRP
    import PNRPNetwork
    import PeerCrypto
    import Testing

    @testable import EasyConnectNetwork

    /// Finds any of the 16-byte blocks at offsets 0, 16, 32 … of `file` in `haystack`. Every 32-byte window
    /// of the file contains one such block whole, so finding none proves that no 32-byte window appears.
    func findsFileBlock(_ file: [UInt8], in haystack: [UInt8]) -> Bool {
        var blocks: [UInt64: [Int]] = [:]
        for start in stride(from: 0, to: file.count - 15, by: 16) {
            let key = file.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: UInt64.self) }
            blocks[key, default: []].append(start)
        }
        guard haystack.count >= 16 else { return false }
        return haystack.withUnsafeBytes { h in
            file.withUnsafeBytes { f in
                for i in 0...(h.count - 16) {
                    guard let starts = blocks[h.loadUnaligned(fromByteOffset: i, as: UInt64.self)] else { continue }
                    for s in starts where memcmp(h.baseAddress! + i, f.baseAddress! + s, 16) == 0 { return true }
                }
                return false
            }
        }
    }

    func utf16le(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    /// Captures every packet on the loopback interface during a whole session and searches the bytes for
    /// what must never cross in clear.
    @Suite("Nothing in clear on the wire", .serialized, .timeLimit(.minutes(3)))
    struct WireSecrecyTests {
        @Test(
            "Password, chat, names and file content never appear in the PNRP datagrams or the TCP segments of a whole session",
            .enabled(if: LoopbackCapture.unavailableReason == nil, "raw packet capture on lo is not possible here (needs CAP_NET_RAW, e.g. root)"))
        func nothingInClear() async throws {
            let scratch = try Scratch("wire")
            defer { scratch.remove() }
            let file = pseudoRandomBytes(2 << 20, seed: 0xC0FFEE)
            let filePath = try scratch.file("payload.bin", file)
            let back = pseudoRandomBytes(100_000, seed: 0xBEEF)
            let backPath = try scratch.file("reply.bin", back)
            let userChat = "user chat line zq7-4471 with secrets", helperChat = "helper chat line kx9-0932 with secrets"
            let userNames = ("Ursula Wirecheck", "ursula-wire-pc"), helperNames = ("Hector Wirecheck", "hector-wire-pc")

            let capture = try LoopbackCapture(addresses: ["127.0.0.4", "127.0.0.5"])
            var password = ""
            var sealed: [UInt8] = []
            var greeting: [UInt8] = []
            do {
                try await withLoopbackCloud(userAddress: "127.0.0.4", helperAddress: "127.0.0.5") { cloud in
                    var invite = Sessions.invite(downloads: try scratch.directory("u"), address: "127.0.0.4")
                    invite.session.identity = LocalIdentity(key: Ed25519PrivateKey(), displayName: userNames.0, computerName: userNames.1)
                    let user = EventRecorder(try await EasyConnectSession.invite(options: invite, nameService: cloud.userHost))
                    password = try #require(await user.wait { $0.password })
                    // Typed as a person would: lower case, in groups.
                    let typed = try EasyConnectPassword(parsing: password.lowercased())
                    let invitation = try await findInvitation(typed, in: cloud.helperHost)
                    greeting = frame(try HandshakeMessage.greeting(tag: invitation.greetingTag).encoded())
                    let rendezvous = try Rendezvous.derive(
                        from: typed, epoch: Sessions.cheapRendezvous.epoch(atUnixSeconds: UInt64(Date().timeIntervalSince1970)), parameters: Sessions.cheapRendezvous)
                    sealed = try #require(try await (cloud.helperHost as any PeerNameService).resolve(rendezvous.name, within: .seconds(5)).extendedPayload)

                    var help = Sessions.help(downloads: try scratch.directory("h"))
                    help.session.identity = LocalIdentity(key: Ed25519PrivateKey(), displayName: helperNames.0, computerName: helperNames.1)
                    let helper = EventRecorder(try await EasyConnectSession.help(password: typed, options: help, nameService: cloud.helperHost))
                    _ = try #require(await user.wait { $0.consentID })
                    try await user.session.perform(.accept(nil))
                    #expect(await helper.wait { $0.isConnected ? true : nil } == true)
                    try await user.session.perform(.chat(userChat))
                    try await helper.session.perform(.chat(helperChat))
                    #expect(await helper.wait { if case .chat(let t) = $0 { t } else { nil } } == userChat)
                    #expect(await user.wait { if case .chat(let t) = $0 { t } else { nil } } == helperChat)
                    let id = try #require(try await user.session.perform(.sendFile(path: filePath)))
                    try await helper.session.perform(.acceptFile(try #require(await helper.wait { $0.fileOfferID })))
                    #expect(await helper.wait(30) { if case .fileReceived(id, _, _, _) = $0 { true } else { nil } } == true)
                    try await helper.session.perform(.sendFile(path: backPath))
                    try await user.session.perform(.acceptFile(try #require(await user.wait { $0.fileOfferID })))
                    #expect(await user.wait(30) { if case .fileReceived = $0 { true } else { nil } } == true)
                    try await user.session.perform(.disconnect)
                    #expect(await helper.outcome()?.kind == .ended)
                    #expect(await user.outcome()?.kind == .ended)
                }
            } catch {
                _ = await capture.stop()
                throw error
            }
            try await Task.sleep(for: .milliseconds(300))
            let (packets, drops, overflow) = await capture.stop()
            #expect(drops == 0, "the kernel dropped \(drops) packets: the capture cannot prove anything is absent")
            #expect(!overflow, "more traffic than the capture keeps")
            let traffic = CapturedTraffic(packets)
            #expect(traffic.gaps == 0, "TCP streams with holes")
            let haystacks = traffic.haystacks
            let tcpBytes = traffic.tcp.values.reduce(0) { $0 + $1.count }
            let udpBytes = traffic.udp.values.flatMap { $0 }.reduce(0) { $0 + $1.count }
            print("wire capture: \(packets.count) packets, \(traffic.tcp.count) TCP directions with \(tcpBytes) bytes, \(traffic.udp.values.reduce(0) { $0 + $1.count }) UDP datagrams with \(udpBytes) bytes")

            // The capture saw what it had to see: the file went through it, the PNRP answer carrying the
            // sealed invitation, and the cleartext greeting that opens each session connection.
            #expect(tcpBytes > file.count + back.count)
            #expect(haystacks.contains { contains($0, sealed) }, "the sealed invitation was not seen in any PNRP datagram")
            #expect(traffic.tcp.values.contains { contains($0, greeting) }, "the listener's greeting was not seen")
            #expect(!sealed.isEmpty && !greeting.isEmpty)

            let compact = password.replacingOccurrences(of: " ", with: "")
            var secrets: [(String, String)] = []
            for text in [compact, password, password.replacingOccurrences(of: " ", with: "-"), String(compact.prefix(6)), String(compact.suffix(6))] {
                for variant in [text.uppercased(), text.lowercased()] { secrets.append(("password \(variant)", variant)) }
            }
            for (label, text) in [("user chat", userChat), ("helper chat", helperChat), ("user name", userNames.0), ("user computer", userNames.1), ("helper name", helperNames.0), ("helper computer", helperNames.1)] {
                secrets.append((label, text))
            }
            for (label, text) in secrets {
                for (encoding, needle) in [("UTF-8", Array(text.utf8)), ("UTF-16LE", utf16le(text))] {
                    #expect(!haystacks.contains { contains($0, needle) }, "\(label) (\(encoding)) crossed the wire in clear")
                }
            }
            for (label, content) in [("the User's file", file), ("the Helper's file", back)] {
                #expect(!haystacks.contains { findsFileBlock(content, in: $0) }, "a 32-byte window of \(label) crossed the wire in clear")
            }
            // The check itself finds what is there.
            #expect(findsFileBlock(file, in: [1, 2, 3] + Array(file[1000..<1032]) + [4]))
        }
    }
#endif
