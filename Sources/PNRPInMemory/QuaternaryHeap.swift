/// A min-heap whose nodes have four children, kept in one contiguous array: the event queue's priority queue.
///
/// The in-memory cloud pops about as many events as it pushes, from heaps of up to a million wake-ups. Four
/// children per node halve the depth of a binary heap, and the four children of a node are neighbours in memory
/// (one or two cache lines), so a sift costs fewer cache misses than in a binary or min-max heap; a pop takes the
/// last element, moves children up along the path of smallest children and drops the element where it belongs.
///
/// Elements that compare equal come out in no particular order. The event queue's elements never do (their
/// sequence numbers are unique), so the order of a run does not depend on the heap's shape.
struct QuaternaryHeap<Element: Comparable> {
    private var storage: ContiguousArray<Element> = []

    /// An empty heap.
    init() {}

    /// Number of elements.
    var count: Int { storage.count }

    /// True when the heap holds nothing.
    var isEmpty: Bool { storage.isEmpty }

    /// The smallest element, nil when empty.
    var min: Element? { storage.first }

    /// Adds `element`.
    mutating func insert(_ element: Element) {
        storage.append(element)
        storage.withUnsafeMutableBufferPointer { buffer in
            var hole = buffer.count - 1
            while hole > 0 {
                let parent = (hole - 1) >> 2
                guard element < buffer[parent] else { break }
                buffer[hole] = buffer[parent]
                hole = parent
            }
            buffer[hole] = element
        }
    }

    /// Removes and returns the smallest element; nil when empty.
    mutating func popMin() -> Element? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        return storage.withUnsafeMutableBufferPointer { buffer in
            let smallest = buffer[0]
            let count = buffer.count
            var hole = 0
            while true {
                let firstChild = 4 &* hole &+ 1
                guard firstChild < count else { break }
                var child = firstChild
                var other = firstChild &+ 1
                let end = Swift.min(firstChild &+ 4, count)
                while other < end {
                    if buffer[other] < buffer[child] { child = other }
                    other &+= 1
                }
                guard buffer[child] < last else { break }
                buffer[hole] = buffer[child]
                hole = child
            }
            buffer[hole] = last
            return smallest
        }
    }
}
