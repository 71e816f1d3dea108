import EasyConnect
import NIOCore
import NIOPosix
import PNRP

/// Files on disk: reading what is sent, writing what is received, off the event loop, in order, with
/// back-pressure on the socket when the disk is slower than the network.
extension SessionEngine {
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

    /// Reads the file's next chunks and hands them to the connection, in order, until the socket has
    /// `sendBacklogLimit` bytes queued (writes completing resume it), then ends the file once every byte
    /// was handed. Chunks are read on the event loop, so the bytes the encryption reads are still in this
    /// core's cache (`docs/easy-connect.md`, "Performance").
    func pumpOutgoing(_ id: UInt32) {
        guard !ended, var s = outgoing[id], s.accepted, s.digest == nil else { return }
        let t = now
        let headroom = EasyConnectConnection.fileChunkHeadroom
        while s.handed < s.file.size, unsentBytes < Self.sendBacklogLimit {
            let count = Int(min(UInt64(chunkBytes), s.file.size - s.handed))
            let chunk: [UInt8]
            do {
                chunk = try s.file.read(at: s.handed, count: count, headroom: headroom)
            } catch {
                return cancelOutgoing(id, error.description)
            }
            guard chunk.count == count + headroom else { return cancelOutgoing(id, "the file shrank while it was being sent") }
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
        outgoing[id] = s
        guard s.handed == s.file.size else { return }
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

    /// Writes received bytes into the partial file, on the event loop: the bytes were just decrypted and
    /// hashed here, and a page-cache write of them is cheaper than handing them to another thread. A disk
    /// slower than the network therefore slows the reading of the socket, and TCP the sender.
    func storeIncoming(_ id: UInt32, _ bytes: ArraySlice<UInt8>) {
        guard var f = incoming[id] else { return }
        do {
            try f.partial.write(bytes, at: f.written)
        } catch {
            let t = now
            _ = try? withConnection { (c) throws(SessionCommandError) in try c.cancelFile(id, reason: "the receiver cannot write the file: \(error)", now: t) }
            incoming.removeValue(forKey: id)?.partial.discard()
            return
        }
        f.written += UInt64(bytes.count)
        let t = now
        if f.written < f.size, t - f.lastProgress >= Self.progressInterval {
            f.lastProgress = t
            continuation.yield(.fileProgress(id: id, direction: .incoming, bytes: f.written, total: f.size))
        }
        incoming[id] = f
    }

    /// Once every byte is on disk and the SHA-256 matched: flush, name, and tell the sender.
    func commitIfReady(_ id: UInt32) {
        guard let f = incoming[id], let digest = f.completed else { return }
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
}
