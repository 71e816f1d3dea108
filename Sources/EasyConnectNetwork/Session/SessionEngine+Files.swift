import EasyConnect
import NIOCore
import NIOPosix
import PNRP

/// Files on disk: reading what is sent, writing what is received, off the event loop, in order, with
/// back-pressure on the socket when the disk is slower than the network.
extension SessionEngine {
    static let diskBacklogHigh = 32 << 20
    static let diskBacklogLow = 8 << 20
    static let progressInterval = NodeDuration.milliseconds(250)

    // MARK: Sending

    func offerFile(_ path: String) throws(EasyConnectError) -> UInt32 {
        let file: OutgoingFile
        do {
            file = try OutgoingFile(path: path)
        } catch {
            throw .file(error.description)
        }
        let t = now
        let id: UInt32
        do {
            id = try withConnection { (c) throws(SessionCommandError) in try c.offerFile(name: file.name, size: file.size, now: t) }
        } catch {
            throw .command(error)
        }
        outgoing[id] = OutgoingFileState(file: file)
        return id
    }

    func resumeOutgoing() {
        for id in outgoing.keys.sorted() { pumpOutgoing(id) }
    }

    /// Reads the next chunk of an accepted file and hands it to the connection; one read at a time per
    /// file keeps the chunks in order.
    func pumpOutgoing(_ id: UInt32) {
        guard !ended, var s = outgoing[id], s.accepted, !s.reading, s.digest == nil else { return }
        if s.handed == s.file.size {
            // Writing may complete at once and resume every file from inside this call: mark the file busy.
            s.reading = true
            outgoing[id] = s
            let t = now
            let digest: [UInt8]
            do {
                digest = try withConnection { (c) throws(SessionCommandError) in try c.finishFile(id, now: t) }
            } catch {
                outgoing[id]?.reading = false
                return
            }
            guard var done = outgoing[id] else { return }
            done.reading = false
            done.digest = digest
            outgoing[id] = done
            continuation.yield(.fileProgress(id: id, direction: .outgoing, bytes: done.handed, total: done.file.size))
            return
        }
        guard unsentBytes < Self.sendBacklogLimit else { return }
        s.reading = true
        outgoing[id] = s
        let offset = s.handed, count = Int(min(UInt64(chunkBytes), s.file.size - s.handed)), file = s.file
        threadPool.runIfActive(eventLoop: loop) { () throws -> [UInt8] in try file.read(at: offset, count: count) }
            .whenComplete { [self] result in outgoingRead(id, count: count, result) }
    }

    private func outgoingRead(_ id: UInt32, count: Int, _ result: Result<[UInt8], any Error>) {
        guard outgoing[id] != nil else { return }
        let t = now
        let bytes: [UInt8]
        switch result {
        case .success(let b) where b.count == count: bytes = b
        case .success: return cancelOutgoing(id, "the file shrank while it was being sent")
        case .failure(let e): return cancelOutgoing(id, "\(e)")
        }
        // The file stays marked as reading until its count is updated: the write may complete at once and
        // resume every file from inside `sendFileData`, which must not read this chunk a second time.
        do {
            try withConnection { (c) throws(SessionCommandError) in try c.sendFileData(id, bytes, now: t) }
        } catch {
            return cancelOutgoing(id, error.description)
        }
        guard var s2 = outgoing[id] else { return }
        s2.reading = false
        s2.handed += UInt64(count)
        if t - s2.lastProgress >= Self.progressInterval {
            s2.lastProgress = t
            continuation.yield(.fileProgress(id: id, direction: .outgoing, bytes: s2.handed, total: s2.file.size))
        }
        outgoing[id] = s2
        pumpOutgoing(id)
    }

    private func cancelOutgoing(_ id: UInt32, _ reason: String) {
        let t = now
        _ = try? withConnection { (c) throws(SessionCommandError) in try c.cancelFile(id, reason: reason, now: t) }
        outgoing[id] = nil
    }

    // MARK: Receiving

    func acceptIncoming(_ id: UInt32) throws(EasyConnectError) {
        guard let offer = offers[id] else { throw .command(.unknownTransfer(id)) }
        let partial: PartialFile
        do {
            partial = try downloads.createPartial(safeName: offer.safeName, tag: nextTag)
        } catch {
            throw .file(error.description)
        }
        nextTag &+= 0x1_0000
        let t = now
        do {
            try withConnection { (c) throws(SessionCommandError) in try c.acceptFile(id, now: t) }
        } catch {
            partial.discard()
            throw .command(error)
        }
        offers[id] = nil
        incoming[id] = IncomingFile(partial: partial, safeName: offer.safeName, size: offer.size)
    }

    func storeIncoming(_ id: UInt32, _ bytes: [UInt8]) {
        guard var f = incoming[id] else { return }
        let offset = f.written
        f.written += UInt64(bytes.count)
        f.pendingWrites += 1
        let t = now
        if t - f.lastProgress >= Self.progressInterval {
            f.lastProgress = t
            continuation.yield(.fileProgress(id: id, direction: .incoming, bytes: f.written, total: f.size))
        }
        incoming[id] = f
        pendingDiskBytes += bytes.count
        if pendingDiskBytes > Self.diskBacklogHigh { setReading(false) }
        let partial = f.partial, count = bytes.count
        threadPool.runIfActive(eventLoop: loop) { () throws in try partial.write(bytes, at: offset) }
            .whenComplete { [self] result in incomingWritten(id, count: count, result) }
    }

    private func incomingWritten(_ id: UInt32, count: Int, _ result: Result<Void, any Error>) {
        pendingDiskBytes -= count
        if readingPaused, pendingDiskBytes < Self.diskBacklogLow { setReading(true) }
        guard var f = incoming[id] else { return }
        f.pendingWrites -= 1
        incoming[id] = f
        if case .failure(let error) = result {
            let t = now
            _ = try? withConnection { (c) throws(SessionCommandError) in try c.cancelFile(id, reason: "the receiver cannot write the file: \(error)", now: t) }
            incoming.removeValue(forKey: id)?.partial.discard()
            return
        }
        commitIfReady(id)
    }

    /// Once every byte is on disk and the SHA-256 matched: flush, name, and tell the sender.
    func commitIfReady(_ id: UInt32) {
        guard let f = incoming[id], f.pendingWrites == 0, let digest = f.completed else { return }
        incoming[id] = nil
        let partial = f.partial
        threadPool.runIfActive(eventLoop: loop) { () throws -> String in try partial.commit() }
            .whenComplete { [self] result in
                let t = now
                switch result {
                case .success(let path):
                    _ = try? withConnection { (c) throws(SessionCommandError) in try c.confirmFileStored(id, stored: true, now: t) }
                    continuation.yield(.fileProgress(id: id, direction: .incoming, bytes: f.size, total: f.size))
                    continuation.yield(.fileReceived(id: id, path: path, bytes: f.size, sha256: Hex.encode(digest)))
                case .failure(let error):
                    partial.discard()
                    _ = try? withConnection { (c) throws(SessionCommandError) in try c.confirmFileStored(id, stored: false, reason: "\(error)", now: t) }
                    continuation.yield(.fileFailed(id: id, direction: .incoming, reason: "the file could not be stored: \(error)"))
                }
            }
    }

    private func setReading(_ on: Bool) {
        readingPaused = !on
        for channel in channels.values {
            channel.setOption(ChannelOptions.autoRead, value: on).whenSuccess { if on { channel.read() } }
        }
    }
}
