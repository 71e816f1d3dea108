import PeerCrypto

/// A file this side sends: offered, then accepted, streamed, ended with its SHA-256, and finally
/// confirmed stored by the receiver.
struct OutgoingTransfer {
    enum State { case offered, sending, ended }
    let id: UInt32
    let size: UInt64
    var state = State.offered
    var sent: UInt64 = 0
    let hasher = SHA256Stream()
}

/// A file this side receives: offered, accepted, bytes counted and hashed as they arrive, verified at
/// the end, then stored by the driver.
struct IncomingTransfer {
    enum State { case offered, receiving, verified }
    let id: UInt32
    let size: UInt64
    var state = State.offered
    var received: UInt64 = 0
    let hasher = SHA256Stream()
}
