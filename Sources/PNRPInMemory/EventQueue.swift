import PNRP

/// The in-memory cloud's future: datagrams in flight and timer wake-ups, in (time, sequence) order.
///
/// Two heaps (`QuaternaryHeap`), one per kind: nearly every node always has a wake-up waiting (its maintenance
/// timer), so the wake-ups far outnumber the datagrams in flight; keeping the datagrams in their own, much
/// smaller, heap makes each send and delivery cheaper. The sequence number, shared by both, keeps the order of
/// events at the same instant the order in which they were scheduled.
struct EventQueue {
    /// A datagram from node `from` to node `to`, delivered at `time`; its bytes wait in `payloads` at
    /// `payload`, so that the heap moves only plain values (no reference counting while it sifts).
    struct Delivery: Comparable {
        var time: NodeInstant
        var sequence: UInt64
        var payload: UInt32
        var from: UInt32
        var to: UInt32
        /// Source port as the receiver sees it (after the sender's NAT), and destination port.
        var fromPort: UInt16
        var toPort: UInt16
        static func < (a: Delivery, b: Delivery) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Delivery, b: Delivery) -> Bool { (a.time, a.sequence) == (b.time, b.sequence) }
    }

    /// A wake-up of node `node` at `time`.
    struct Wakeup: Comparable {
        var time: NodeInstant
        var sequence: UInt64
        var node: UInt32
        static func < (a: Wakeup, b: Wakeup) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Wakeup, b: Wakeup) -> Bool { (a.time, a.sequence) == (b.time, b.sequence) }
    }

    /// The next event.
    enum Event {
        case delivery(Delivery, datagram: [UInt8])
        case wakeup(Wakeup)
    }

    private var deliveries = QuaternaryHeap<Delivery>()
    /// Bytes of the datagrams in flight; free places are reused.
    private var payloads: [[UInt8]] = []
    private var freePayloads: [UInt32] = []
    private var wakeups = QuaternaryHeap<Wakeup>()
    private var sequence: UInt64 = 0

    /// Schedules a datagram.
    mutating func deliver(_ datagram: [UInt8], from: Int, fromPort: UInt16, to: Int, toPort: UInt16, at time: NodeInstant) {
        sequence += 1
        let payload: UInt32
        if let free = freePayloads.popLast() {
            payload = free
            payloads[Int(free)] = datagram
        } else {
            payload = UInt32(payloads.count)
            payloads.append(datagram)
        }
        deliveries.insert(Delivery(time: time, sequence: sequence, payload: payload, from: UInt32(from), to: UInt32(to), fromPort: fromPort, toPort: toPort))
    }

    /// Removes the earliest delivery and takes its bytes out of `payloads`.
    private mutating func takeDelivery() -> Event? {
        guard let d = deliveries.popMin() else { return nil }
        var datagram: [UInt8] = []
        swap(&datagram, &payloads[Int(d.payload)])
        freePayloads.append(d.payload)
        return .delivery(d, datagram: datagram)
    }

    /// Schedules a wake-up.
    mutating func wake(_ node: Int, at time: NodeInstant) {
        sequence += 1
        wakeups.insert(Wakeup(time: time, sequence: sequence, node: UInt32(node)))
    }

    /// Removes and returns the earliest event if it is due at or before `deadline`.
    mutating func popFirst(notAfter deadline: NodeInstant) -> Event? {
        let d = deliveries.min, w = wakeups.min
        switch (d, w) {
        case (let d?, let w?):
            if (d.time, d.sequence) < (w.time, w.sequence) {
                return d.time <= deadline ? takeDelivery() : nil
            }
            return w.time <= deadline ? wakeups.popMin().map(Event.wakeup) : nil
        case (let d?, nil):
            return d.time <= deadline ? takeDelivery() : nil
        case (nil, let w?):
            return w.time <= deadline ? wakeups.popMin().map(Event.wakeup) : nil
        case (nil, nil):
            return nil
        }
    }
}
