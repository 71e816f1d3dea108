import PNRP
import PropertyBased
import Testing

@testable import PNRPInMemory

/// The event queue's heap against a plain model (a sorted array), and the event queue's order.
@Suite("QuaternaryHeap")
struct QuaternaryHeapTests {
    @Test("Any mix of inserts and pops gives the model's minimum every time, duplicates included")
    func againstTheModel() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var g = SplitMix64(seed: seed)
            var heap = QuaternaryHeap<Int>()
            var model: [Int] = []
            let range = Int.random(in: 1...1_000, using: &g)  // small ranges make many duplicates
            for step in 0..<600 {
                if model.isEmpty || Int.random(in: 0..<5, using: &g) < 3 {
                    let v = Int.random(in: 0..<range, using: &g)
                    heap.insert(v)
                    model.insert(v, at: model.firstIndex { $0 > v } ?? model.count)
                } else {
                    let popped = heap.popMin()
                    #expect(popped == model.removeFirst(), "seed \(seed), step \(step)")
                }
                #expect(heap.count == model.count && heap.min == model.first, "seed \(seed), step \(step)")
            }
            while let v = heap.popMin() { #expect(v == model.removeFirst(), "seed \(seed), draining") }
            #expect(model.isEmpty && heap.isEmpty)
        }
    }

    @Test("An empty heap pops nil, and a single element comes back")
    func emptyAndSingle() {
        var heap = QuaternaryHeap<Int>()
        #expect(heap.popMin() == nil && heap.min == nil)
        heap.insert(7)
        #expect(heap.min == 7 && heap.popMin() == 7 && heap.popMin() == nil && heap.isEmpty)
    }

    @Test("The event queue hands out deliveries and wake-ups by time, then by the order they were scheduled")
    func eventQueueOrder() {
        var queue = EventQueue()
        var g = SplitMix64(seed: 42)
        var expected: [(time: UInt64, label: String)] = []
        for i in 0..<2_000 {
            let t = UInt64.random(in: 0..<50, using: &g) * 1_000_000  // many events share an instant
            if Bool.random(using: &g) {
                queue.deliver([UInt8(truncatingIfNeeded: i)], from: i, fromPort: 3540, to: i + 1, toPort: 3540, at: NodeInstant(nanoseconds: t))
                expected.append((t, "d\(i)"))
            } else {
                queue.wake(i, at: NodeInstant(nanoseconds: t))
                expected.append((t, "w\(i)"))
            }
        }
        // Stable sort by time keeps the scheduling order among events at the same instant.
        let order = expected.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element.label)
        var seen: [String] = []
        while let event = queue.popFirst(notAfter: NodeInstant(nanoseconds: .max)) {
            switch event {
            case .delivery(let d, let datagram):
                #expect(datagram == [UInt8(truncatingIfNeeded: d.from)])
                seen.append("d\(d.from)")
            case .wakeup(let w):
                seen.append("w\(w.node)")
            }
        }
        #expect(seen == order)
    }

    @Test("Nothing comes out before it is due")
    func deadlineHoldsEventsBack() {
        var queue = EventQueue()
        queue.wake(1, at: NodeInstant(nanoseconds: 5_000))
        queue.deliver([1], from: 0, fromPort: 3540, to: 1, toPort: 3540, at: NodeInstant(nanoseconds: 6_000))
        #expect(queue.popFirst(notAfter: NodeInstant(nanoseconds: 4_999)) == nil)
        guard case .wakeup(let w)? = queue.popFirst(notAfter: NodeInstant(nanoseconds: 5_500)) else {
            Issue.record("the wake-up at 5 µs is due")
            return
        }
        #expect(w.node == 1 && queue.popFirst(notAfter: NodeInstant(nanoseconds: 5_999)) == nil)
        guard case .delivery? = queue.popFirst(notAfter: NodeInstant(nanoseconds: 6_000)) else {
            Issue.record("the delivery at 6 µs is due")
            return
        }
    }
}
