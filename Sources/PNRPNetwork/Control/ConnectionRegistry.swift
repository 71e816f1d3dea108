import Foundation
import NIOCore

/// The open client connections of a `ControlServer`: bounds their number and closes them all at stop.
final class ConnectionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]
    private var stopped = false
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Admits `channel` unless the server is stopping or full.
    func admit(_ channel: any Channel) -> Bool {
        lock.withLock {
            guard !stopped, channels.count < limit else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        lock.withLock { _ = channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Refuses further connections and closes the open ones.
    func stop() {
        let open = lock.withLock {
            stopped = true
            return Array(channels.values)
        }
        for channel in open { channel.close(promise: nil) }
    }

    var count: Int { lock.withLock { channels.count } }
}
