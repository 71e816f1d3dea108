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

    /// Reads of one file in flight at once: the disk thread reads the next chunk while the event loop
    /// encrypts this one.
    static let readsInFlight = 2

    /// Hands the chunks read so far to the connection in order, asks the disk for the next ones, and ends
    /// the file once every byte was handed.
    func pumpOutgoing(_ id: UInt32) {
        guard !ended, var s = outgoing[id], s.accepted, s.digest == nil else { return }
        let t = now
        while let chunk = s.ready.removeValue(forKey: s.handed) {
            let count = chunk.count - EasyConnectConnection.fileChunkHeadroom
            outgoing[id] = s
            do {
                try withConnection { (c) throws(SessionCommandError) in try c.sendFileData(id, headroomBuffer: chunk, now: t) }
            } catch {
                return cancelOutgoing(id, error.description)
            }
            guard let again = outgoing[id] else { return }
            s = again
            s.handed += UInt64(count)
            // The last bytes are reported once, when the file ends.
            if s.handed < s.file.size, t - s.lastProgress >= Self.progressInterval {
                s.lastProgress = t
                continuation.yield(.fileProgress(id: id, direction: .outgoing, bytes: s.handed, total: s.file.size))
            }
        }
        if s.handed == s.file.size {
            outgoing[id] = s
            let digest: [UInt8]
            do {
                digest = try withConnection { (c) throws(SessionCommandError) in try c.finishFile(id, now: t) }
            } catch {
                return
            }
            guard var done = outgoing[id] else { return }
            done.digest = digest
            outgoing[id] = done
            continuation.yield(.fileProgress(id: id, direction: .outgoing, bytes: done.handed, total: done.file.size))
            return
        }
        let limit = UInt64(chunkBytes * Self.readsInFlight)
        while s.requested < s.file.size, s.requested - s.handed < limit, unsentBytes < Self.sendBacklogLimit {
            let offset = s.requested, count = Int(min(UInt64(chunkBytes), s.file.size - s.requested)), file = s.file
            s.requested += UInt64(count)
            threadPool.runIfActive(eventLoop: loop) { () throws -> [UInt8] in
                try file.read(at: offset, count: count, headroom: EasyConnectConnection.fileChunkHeadroom)
            }.whenComplete { [self] result in outgoingRead(id, offset: offset, count: count, result) }
        }
        outgoing[id] = s
    }

    private func outgoingRead(_ id: UInt32, offset: UInt64, count: Int, _ result: Result<[UInt8], any Error>) {
        guard outgoing[id] != nil else { return }
        switch result {
        case .success(let b) where b.count == count + EasyConnectConnection.fileChunkHeadroom: outgoing[id]!.ready[offset] = b
        case .success: return cancelOutgoing(id, "the file shrank while it was being sent")
        case .failure(let e): return cancelOutgoing(id, "\(e)")
        }
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

    func storeIncoming(_ id: UInt32, _ bytes: ArraySlice<UInt8>) {
        guard var f = incoming[id] else { return }
        let offset = f.written
        f.written += UInt64(bytes.count)
        f.pendingWrites += 1
        let t = now
        if f.written < f.size, t - f.lastProgress >= Self.progressInterval {
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
