/// A value kept out of line, copied only when written through a shared box: keeps a rarely used part of a
/// node's state to one pointer inside `PNRPNode` (a million-node simulation holds a million nodes).
struct CopyOnWriteBox<Value: Sendable>: @unchecked Sendable {
    fileprivate final class Storage: @unchecked Sendable {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    fileprivate var storage: Storage

    /// Boxes `value`.
    init(_ value: Value) { storage = Storage(value) }

    /// The value; writing copies it first when another box shares the storage.
    var value: Value {
        get { storage.value }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.value) }
            yield &storage.value
        }
    }
}

extension CopyOnWriteBox {
    /// True when both boxes hold the same storage (no copy was made between them).
    func sharesStorage(with other: CopyOnWriteBox<Value>) -> Bool { storage === other.storage }
}
