import Foundation
import NIOCore

/// The open client connections of a `ControlServer`: bounds their number, numbers them, remembers which
/// hold state that ends with them (they are not closed for idleness), and closes them all at stop.
final class ConnectionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: (channel: any Channel, id: ControlConnectionID)] = [:]
    private var pinned: Set<ObjectIdentifier> = []
    private var nextID: UInt64 = 1
    private var stopped = false
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Admits `channel` unless the server is stopping or full; returns its number.
    func admit(_ channel: any Channel) -> ControlConnectionID? {
        lock.withLock {
            guard !stopped, channels.count < limit else { return nil }
            let id = ControlConnectionID(rawValue: nextID)
            nextID += 1
            channels[ObjectIdentifier(channel)] = (channel, id)
            return id
        }
    }

    func remove(_ channel: any Channel) {
        lock.withLock {
            _ = channels.removeValue(forKey: ObjectIdentifier(channel))
            pinned.remove(ObjectIdentifier(channel))
        }
    }

    /// Keeps `channel` open however long it stays idle: state the daemon holds for it ends when it closes.
    func pin(_ channel: any Channel) {
        lock.withLock { _ = pinned.insert(ObjectIdentifier(channel)) }
    }

    /// True when `channel` must not be closed for idleness.
    func isPinned(_ channel: any Channel) -> Bool {
        lock.withLock { pinned.contains(ObjectIdentifier(channel)) }
    }

    /// Refuses further connections and closes the open ones.
    func stop() {
        let open = lock.withLock {
            stopped = true
            return channels.values.map(\.channel)
        }
        for channel in open { channel.close(promise: nil) }
    }

    var count: Int { lock.withLock { channels.count } }
}
