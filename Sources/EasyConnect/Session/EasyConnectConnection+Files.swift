import PNRP
import PeerCrypto

/// File transfer both ways: offer, accept or decline, stream, SHA-256, stored. Transfer IDs are odd
/// when the Helper offers and even when the User does, so a cancel names its transfer unambiguously.
extension EasyConnectConnection {
    /// True when `id` belongs to the transfers this side offers.
    func isOwnTransfer(_ id: UInt32) -> Bool { (id % 2 == 1) == (role == .helper) }

    // MARK: Commands

    /// Offers a file of `size` bytes under `name` (its last path component is what the peer sees);
    /// returns the transfer's ID. Send the bytes after `.fileAccepted`.
    public mutating func offerFile(name: String, size: UInt64, now: NodeInstant) throws(SessionCommandError) -> UInt32 {
        guard isInSession else { throw .notInSession }
        guard !name.isEmpty, name.utf8.count <= SessionMessage.maximumFileNameBytes else {
            throw .badInput("a file name must have 1 to \(SessionMessage.maximumFileNameBytes) bytes")
        }
        let id = nextTransferID
        nextTransferID &+= 2
        outgoing[id] = OutgoingTransfer(id: id, size: size)
        sendEncrypted(.fileOffer(id: id, size: size, name: name), now: now)
        return id
    }

    /// Accepts an offered file: its bytes will arrive as `.fileData`.
    public mutating func acceptFile(_ id: UInt32, now: NodeInstant) throws(SessionCommandError) {
        guard isInSession else { throw .notInSession }
        guard var t = incoming[id], t.state == .offered else { throw .unknownTransfer(id) }
        t.state = .receiving
        incoming[id] = t
        sendEncrypted(.fileAccept(id: id), now: now)
    }

    /// Declines an offered file.
    public mutating func declineFile(_ id: UInt32, now: NodeInstant) throws(SessionCommandError) {
        guard isInSession else { throw .notInSession }
        guard incoming[id]?.state == .offered else { throw .unknownTransfer(id) }
        abandon(id)
        sendEncrypted(.fileDecline(id: id), now: now)
    }

    /// Bytes to leave free in front of a chunk given to `sendFileData(_:headroomBuffer:now:)`.
    public static let fileChunkHeadroom = 5

    /// The next bytes of an accepted outgoing file (any size up to the record limit, 256 KiB is usual).
    public mutating func sendFileData(_ id: UInt32, _ bytes: [UInt8], now: NodeInstant) throws(SessionCommandError) {
        var buffer = [UInt8](repeating: 0, count: Self.fileChunkHeadroom)
        buffer.append(contentsOf: bytes)
        try sendFileData(id, headroomBuffer: buffer, now: now)
    }

    /// The next bytes of an accepted outgoing file, after `fileChunkHeadroom` free bytes in `buffer`: the
    /// message header is written there, so the bytes are encrypted where they are, without a copy.
    public mutating func sendFileData(_ id: UInt32, headroomBuffer buffer: consuming [UInt8], now: NodeInstant) throws(SessionCommandError) {
        guard buffer.count >= Self.fileChunkHeadroom else { throw .badInput("a chunk buffer needs \(Self.fileChunkHeadroom) free bytes in front") }
        let count = buffer.count - Self.fileChunkHeadroom
        guard var t = outgoing[id], t.state == .sending else { throw .unknownTransfer(id) }
        guard t.sent + UInt64(count) <= t.size else {
            throw .badInput("the file grew while it was being sent: more than the \(t.size) bytes offered")
        }
        guard buffer.count + 17 <= configuration.maximumRecordBytes else { throw .badInput("file chunks must be smaller than \(configuration.maximumRecordBytes - 22) bytes") }
        t.hasher.update(buffer[Self.fileChunkHeadroom...])
        t.sent += UInt64(count)
        outgoing[id] = t
        var plain = consume buffer
        plain[0] = SessionMessage.fileChunkType
        plain[1] = UInt8(id >> 24); plain[2] = UInt8(id >> 16 & 0xFF); plain[3] = UInt8(id >> 8 & 0xFF); plain[4] = UInt8(id & 0xFF)
        sendEncryptedPlaintext(plain, now: now)
    }

    /// Ends an outgoing file once all its bytes were sent: its SHA-256 goes to the receiver and is returned.
    @discardableResult
    public mutating func finishFile(_ id: UInt32, now: NodeInstant) throws(SessionCommandError) -> [UInt8] {
        guard var t = outgoing[id], t.state == .sending else { throw .unknownTransfer(id) }
        guard t.sent == t.size else { throw .badInput("the file shrank while it was being sent: \(t.sent) of the \(t.size) bytes offered") }
        t.state = .ended
        outgoing[id] = t
        let digest = t.hasher.finalize()
        sendEncrypted(.fileEnd(id: id, sha256: digest), now: now)
        return digest
    }

    /// Cancels a transfer in either direction.
    public mutating func cancelFile(_ id: UInt32, reason: String, now: NodeInstant) throws(SessionCommandError) {
        guard isInSession else { throw .notInSession }
        let own = isOwnTransfer(id)
        guard own ? outgoing.removeValue(forKey: id) != nil : incoming[id] != nil else { throw .unknownTransfer(id) }
        if !own { abandon(id) }
        sendEncrypted(.fileCancel(id: id, reason: String(reason.prefix(200))), now: now)
        events.append(.fileFailed(id: id, incoming: !own, reason: reason.isEmpty ? "cancelled" : reason))
    }

    /// Tells the sender whether a verified incoming file is now stored under its final name.
    public mutating func confirmFileStored(_ id: UInt32, stored: Bool, reason: String = "", now: NodeInstant) throws(SessionCommandError) {
        guard incoming[id]?.state == .verified else { throw .unknownTransfer(id) }
        incoming[id] = nil
        sendEncrypted(.fileResult(id: id, stored: stored, reason: String(reason.prefix(200))), now: now)
    }

    /// Forgets an incoming transfer, remembering its ID so that bytes still in flight are dropped quietly.
    mutating func abandon(_ id: UInt32) {
        incoming[id] = nil
        abandonedIncoming.insert(id)
    }

    // MARK: What the peer sends

    mutating func receiveFileOffer(id: UInt32, size: UInt64, name: String, now: NodeInstant) {
        guard !isOwnTransfer(id), incoming[id] == nil else {
            violation("file offer \(id) reuses an ID or uses one of ours", now: now)
            return
        }
        guard incoming.count < configuration.maximumPendingOffers else {
            violation("more than \(configuration.maximumPendingOffers) file offers at once", now: now)
            return
        }
        incoming[id] = IncomingTransfer(id: id, size: size)
        events.append(.fileOffered(IncomingFileOffer(id: id, offeredName: name, safeName: FileNameSanitizer.sanitize(name), size: size)))
    }

    mutating func receiveFileAnswer(id: UInt32, accepted: Bool, now: NodeInstant) {
        guard var t = outgoing[id], t.state == .offered else {
            violation("answer to file offer \(id), which is not waiting for one", now: now)
            return
        }
        if accepted {
            t.state = .sending
            outgoing[id] = t
            events.append(.fileAccepted(id: id))
        } else {
            outgoing[id] = nil
            events.append(.fileDeclined(id: id))
        }
    }

    mutating func receiveFileChunk(id: UInt32, bytes: ArraySlice<UInt8>, now: NodeInstant) {
        guard var t = incoming[id], t.state == .receiving else {
            // Chunks already in flight when this side cancelled or refused the file are harmless.
            if abandonedIncoming.contains(id) { return }
            violation("file data for transfer \(id), which was not accepted", now: now)
            return
        }
        guard t.received + UInt64(bytes.count) <= t.size else {
            abandon(id)
            sendEncrypted(.fileCancel(id: id, reason: "more bytes than offered"), now: now)
            events.append(.fileFailed(id: id, incoming: true, reason: "the other side sent more than the \(t.size) bytes it offered: discarded"))
            return
        }
        t.hasher.update(bytes)
        t.received += UInt64(bytes.count)
        incoming[id] = t
        events.append(.fileData(id: id, bytes: bytes))
    }

    mutating func receiveFileEnd(id: UInt32, sha256: [UInt8], now: NodeInstant) {
        guard var t = incoming[id], t.state == .receiving else {
            if abandonedIncoming.contains(id) { return }
            violation("end of file for transfer \(id), which was not being received", now: now)
            return
        }
        let digest = t.hasher.finalize()
        guard t.received == t.size, ConstantTime.equal(digest, sha256) else {
            abandon(id)
            let why = t.received != t.size ? "ended after \(t.received) of \(t.size) bytes" : "does not match its SHA-256"
            sendEncrypted(.fileResult(id: id, stored: false, reason: "the file \(why): discarded"), now: now)
            events.append(.fileFailed(id: id, incoming: true, reason: "the received file \(why): discarded"))
            return
        }
        t.state = .verified
        incoming[id] = t
        events.append(.fileComplete(id: id, sha256: digest))
    }

    mutating func receiveFileCancel(id: UInt32, reason: String) {
        let own = isOwnTransfer(id)
        // A file already verified here is being stored: the sender's cancel crossed our result.
        if !own, incoming[id]?.state == .verified { return }
        guard own ? outgoing.removeValue(forKey: id) != nil : incoming.removeValue(forKey: id) != nil else { return }
        events.append(.fileFailed(id: id, incoming: !own, reason: "the other side cancelled\(reason.isEmpty ? "" : ": \(DisplayText.escaped(reason))")"))
    }

    mutating func receiveFileResult(id: UInt32, stored: Bool, reason: String, now: NodeInstant) {
        guard let t = outgoing[id], t.state == .ended || t.state == .sending else {
            violation("result for file \(id), which was not sent", now: now)
            return
        }
        outgoing[id] = nil
        if stored {
            guard t.state == .ended else {
                violation("file \(id) reported stored before it was complete", now: now)
                return
            }
            events.append(.fileDelivered(id: id))
        } else {
            events.append(.fileFailed(id: id, incoming: false, reason: "the other side could not store the file\(reason.isEmpty ? "" : ": \(DisplayText.escaped(reason))")"))
        }
    }
}
