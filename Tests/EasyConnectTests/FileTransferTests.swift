@_spi(Testing) import EasyConnect
import PNRP
import PeerCrypto
import NetworkLab
import Testing

@Suite("File transfer and file names", .onComputeThread)
struct FileTransferTests {
    /// Sends `data` from the Helper to the User in `chunk`-byte pieces; returns the User's events.
    func transfer(_ data: [UInt8], chunk: Int = 1000, in pair: inout ConnectionPair) throws -> (offer: IncomingFileOffer, received: [UInt8], events: [ConnectionEvent]) {
        let id = try pair.helper.offerFile(name: "report.pdf", size: UInt64(data.count), now: pair.now)
        guard case .fileOffered(let offer)? = pair.pump().user.last else { throw TestFailure("no offer") }
        #expect(offer.id == id && offer.safeName == "report.pdf" && offer.size == UInt64(data.count))
        try pair.user.acceptFile(id, now: pair.now)
        #expect(pair.pump().helper == [.fileAccepted(id: id)])
        var i = 0
        while i < data.count {
            try pair.helper.sendFileData(id, Array(data[i..<min(i + chunk, data.count)]), now: pair.now)
            i += chunk
        }
        try pair.helper.finishFile(id, now: pair.now)
        let events = pair.pump().user
        var received: [UInt8] = []
        for case .fileData(id, let bytes) in events { received += bytes }
        return (offer, received, events)
    }

    @Test("A file goes through whole, verified by SHA-256, and the sender learns it was stored")
    func roundTrip() throws {
        var pair = ConnectionPair()
        pair.connect()
        var entropy = DeterministicEntropy(seed: 5)
        let data = entropy.bytes(10_000)
        let (offer, received, events) = try transfer(data, in: &pair)
        #expect(received == data)
        #expect(events.last == .fileComplete(id: offer.id, sha256: SHA256.hash(data)))
        try pair.user.confirmFileStored(offer.id, stored: true, now: pair.now)
        #expect(pair.pump().helper == [.fileDelivered(id: offer.id)])
        #expect(!contains(pair.wire.flatMap { $0 }, Array(data[100..<132])), "file content in clear")

        // The User sends one back; IDs of the two directions never collide.
        let back = try pair.user.offerFile(name: "log.txt", size: 0, now: pair.now)
        #expect(back % 2 == 0 && offer.id % 2 == 1)
        guard case .fileOffered = pair.pump().helper.last else { throw TestFailure("no offer") }
        try pair.helper.acceptFile(back, now: pair.now)
        pair.pump()
        try pair.user.finishFile(back, now: pair.now)
        #expect(pair.pump().helper == [.fileComplete(id: back, sha256: SHA256.hash([UInt8]()))])
    }

    @Test("Declined and cancelled transfers end on both sides")
    func declineAndCancel() throws {
        var pair = ConnectionPair()
        pair.connect()
        let id = try pair.helper.offerFile(name: "a", size: 10, now: pair.now)
        pair.pump()
        try pair.user.declineFile(id, now: pair.now)
        #expect(pair.pump().helper == [.fileDeclined(id: id)])
        #expect(throws: SessionCommandError.unknownTransfer(id)) { try pair.helper.sendFileData(id, [1], now: pair.now) }

        let id2 = try pair.helper.offerFile(name: "b", size: 10_000, now: pair.now)
        pair.pump()
        try pair.user.acceptFile(id2, now: pair.now)
        pair.pump()
        try pair.helper.sendFileData(id2, [UInt8](repeating: 1, count: 100), now: pair.now)
        try pair.user.cancelFile(id2, reason: "changed my mind", now: pair.now)
        let (h, u) = pair.pump()
        #expect(u.contains(.fileFailed(id: id2, incoming: true, reason: "changed my mind")))
        #expect(h.contains(where: { if case .fileFailed(id2, false, _) = $0 { true } else { false } }))
        #expect(!pair.user.isClosed, "bytes in flight after a cancel are ignored, not a violation")
    }

    @Test("A wrong SHA-256, extra bytes or a short file are discarded, and a lost connection fails every transfer")
    func failures() throws {
        var pair = ConnectionPair()
        pair.connect()
        let id = try pair.helper.offerFile(name: "x", size: 4, now: pair.now)
        pair.pump()
        try pair.user.acceptFile(id, now: pair.now)
        pair.pump()
        try pair.helper.sendFileData(id, [1, 2, 3, 4], now: pair.now)
        pair.pump()
        pair.user.receive(try pair.helper.sealForTesting(.fileEnd(id: id, sha256: [UInt8](repeating: 0, count: 32))), now: pair.now)
        #expect(pair.user.takeEvents().contains(where: { if case .fileFailed(id, true, _) = $0 { true } else { false } }))
        #expect(throws: SessionCommandError.self) { try pair.helper.sendFileData(id, [5], now: pair.now) }

        let id2 = try pair.helper.offerFile(name: "y", size: 2, now: pair.now)
        pair.pump()
        try pair.user.acceptFile(id2, now: pair.now)
        pair.pump()
        pair.user.receive(try pair.helper.sealForTesting(.fileChunk(id: id2, bytes: [1, 2, 3])), now: pair.now)
        #expect(pair.user.takeEvents().contains(where: { if case .fileFailed(id2, true, _) = $0 { true } else { false } }))
        #expect(!pair.user.isClosed)

        let id3 = try pair.helper.offerFile(name: "z", size: 1000, now: pair.now)
        pair.pump()
        try pair.user.acceptFile(id3, now: pair.now)
        pair.pump()
        try pair.helper.sendFileData(id3, [UInt8](repeating: 0, count: 10), now: pair.now)
        pair.pump()
        pair.user.transportClosed(now: pair.now)
        #expect(pair.user.takeEvents().contains(.fileFailed(id: id3, incoming: true, reason: "the connection ended before the file was complete")))
    }

    @Test("Offered names are made safe: no traversal, no absolute path, no control characters, no hidden files")
    func sanitizer() {
        let cases: [(String, String)] = [
            ("report.pdf", "report.pdf"), ("../../.ssh/authorized_keys", "authorized_keys"), ("/etc/passwd", "passwd"),
            ("..\\..\\Windows\\evil.dll", "evil.dll"), ("..", "received-file"), (".", "received-file"), ("", "received-file"),
            ("/", "received-file"), (".bashrc", "_bashrc"), ("a\u{1b}[31mred\u{7}.txt", "a[31mred.txt"), ("  spaced  ", "spaced"),
            ("new\nline", "newline"), ("dir/", "dir"),
        ]
        for (offered, expected) in cases { #expect(FileNameSanitizer.sanitize(offered) == expected, "\(offered)") }
        let long = String(repeating: "é", count: 300) + ".tar.gz"
        let safe = FileNameSanitizer.sanitize(long)
        #expect(safe.utf8.count <= 200 && safe.hasSuffix(".gz"))
        let c = FileNameSanitizer.candidates(for: "report.pdf", limit: 3)
        #expect(c == ["report.pdf", "report (1).pdf", "report (2).pdf"])
        #expect(FileNameSanitizer.candidates(for: "Makefile", limit: 2) == ["Makefile", "Makefile (1)"])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
