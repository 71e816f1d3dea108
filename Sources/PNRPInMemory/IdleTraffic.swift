import PNRP

/// Bytes a cloud sends while it is left idle, over one window of virtual time.
public struct IdleTrafficWindow: Sendable {
    /// Start of the window, counted from the moment the cloud formed.
    public var start: NodeDuration
    /// Length of the window.
    public var length: NodeDuration
    /// Nodes counted.
    public var nodes: Int
    /// Bytes all nodes sent in the window, retransmissions included (`NodeStatistics.bytesSent`).
    public var bytes: Int
    /// Those bytes by MessageType raw value.
    public var bytesByType: [UInt8: Int]
    /// Bytes of LOOKUPs and their AUTHORITY answers by ResolveReason raw value
    /// (`NodeStatistics.lookupBytesByReason`).
    public var lookupBytesByReason: [UInt8: Int]
    /// Retransmissions in the window (`NodeStatistics.retransmissions`).
    public var retransmissions: Int

    /// Bytes per node per second over the window.
    public var bytesPerNodePerSecond: Double { rate(bytes) }

    /// `count` bytes as bytes per node per second over the window.
    public func rate(_ count: Int) -> Double {
        let seconds = Double(length.nanoseconds) / 1e9
        guard nodes > 0, seconds > 0 else { return 0 }
        return Double(count) / Double(nodes) / seconds
    }
}

/// Counters an idle measurement reads, summed over a cloud's nodes.
struct TrafficSnapshot {
    var bytes = 0
    var byType: [UInt8: Int] = [:]
    var byReason: [UInt8: Int] = [:]
    var retransmissions = 0

    init(_ nodes: [PNRPNode]) {
        for n in nodes {
            bytes += n.statistics.bytesSent
            retransmissions += n.statistics.retransmissions
            for (k, v) in n.statistics.bytesSentByType { byType[k, default: 0] += v }
            for (k, v) in n.statistics.lookupBytesByReason { byReason[k, default: 0] += v }
        }
    }

    /// What was sent between `earlier` and this snapshot.
    func subtracting(_ earlier: TrafficSnapshot) -> TrafficSnapshot {
        var d = self
        d.bytes -= earlier.bytes
        d.retransmissions -= earlier.retransmissions
        for (k, v) in earlier.byType { d.byType[k, default: 0] -= v }
        for (k, v) in earlier.byReason { d.byReason[k, default: 0] -= v }
        return d
    }
}

extension ScenarioRunner {
    /// Runs the cloud until it has formed: every node has joined (call `join()` first) and every
    /// registration has been announced, that is, every node has reported `.registered` for its name
    /// (`PNRPNode.registrationsAnnounced`). Returns the virtual time it formed at, or nil when it did not
    /// within `limit`.
    public mutating func runUntilFormed(limit: NodeDuration = .minutes(10)) -> NodeInstant? {
        var waiting = cloud.nodes.indices.filter { !cloud.nodes[$0].registrationsAnnounced }
        let formed = cloud.run(atMost: limit) { cloud in
            waiting.removeAll { cloud.nodes[$0].registrationsAnnounced }
            return waiting.isEmpty
        }
        return formed ? cloud.now : nil
    }

    /// Lets the cloud run idle (no resolutions) through consecutive windows of the given lengths, starting
    /// now, and returns the bytes its nodes sent in each.
    public mutating func measureIdleTraffic(windows lengths: [NodeDuration]) -> [IdleTrafficWindow] {
        var windows: [IdleTrafficWindow] = []
        var offset = NodeDuration.seconds(0)
        var before = TrafficSnapshot(cloud.nodes)
        for length in lengths {
            cloud.run(for: length)
            let after = TrafficSnapshot(cloud.nodes)
            let d = after.subtracting(before)
            windows.append(IdleTrafficWindow(start: offset, length: length, nodes: cloud.nodes.count, bytes: d.bytes, bytesByType: d.byType, lookupBytesByReason: d.byReason, retransmissions: d.retransmissions))
            offset = offset + length
            before = after
        }
        return windows
    }
}
