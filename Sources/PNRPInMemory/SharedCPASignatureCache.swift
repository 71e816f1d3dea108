import Atomics
import DequeModule
import Foundation
import PNRP
import PeerCrypto

/// One CPA signature checker shared by every node of a process that runs many nodes: each distinct CPA is
/// checked once with libsodium, and a CPA signed by one node is checked on a background thread while its
/// datagram is in flight, so the receiving node usually finds the answer waiting (`docs/deviations.md`,
/// item S1).
///
/// Results are remembered per CPA: every field, with the friendly name compared as bytes, so a CPA that
/// differs in anything its signature covers — a forgery, an altered field, another key or signature — is
/// checked afresh. A result is the same whether it was found waiting or computed on the spot, so runs stay
/// deterministic whatever the timing of the background thread. At most `capacity` CPAs are remembered; the
/// oldest go first.
public final class SharedCPASignatureCache: CPASignatureChecker, Sendable {
    /// Counts of what the cache did, for reports and tests.
    public struct Counters: Sendable, Equatable {
        /// Checks answered from a remembered result.
        public var hits = 0
        /// Checks computed on the spot by the asking node.
        public var misses = 0
        /// Checks computed ahead on the background thread.
        public var checkedAhead = 0
        /// Checks that waited for the background thread to finish the same CPA.
        public var waited = 0
    }

    /// Most CPAs remembered.
    public let capacity: Int
    private let table: Table
    private let checkAhead: Bool

    /// A cache remembering at most `capacity` CPAs. With `checkAhead`, CPAs announced by `didSign` are
    /// checked on one background thread, which ends with the cache.
    public init(capacity: Int = 1 << 16, checkAhead: Bool = true) {
        self.capacity = Swift.max(1, capacity)
        self.checkAhead = checkAhead
        self.table = Table(capacity: self.capacity)
        if checkAhead {
            let table = self.table
            let thread = Thread { table.checkAheadLoop() }
            thread.name = "pnrp.cpa-signature-check"
            thread.start()
        }
    }

    deinit { table.stop() }

    /// What the cache has done so far.
    public var statistics: Counters { table.withLock { $0.counters } }

    public func isValidSignature(of cpa: CPA) -> Bool { table.check(Key(cpa: cpa)) }

    public func didSign(_ cpa: CPA) {
        guard checkAhead else { return }
        table.enqueue(Key(cpa: cpa))
    }

    /// Waits until every check queued so far has finished (for tests).
    public func waitForChecksAhead() { table.waitUntilIdle() }

    /// A CPA as a dictionary key: hashed by its signature, equal only when every field is equal and the
    /// friendly names have the same bytes (`String` equality alone treats canonically equivalent names
    /// as equal, though they encode, and so sign, differently).
    struct Key: Hashable, Sendable {
        let cpa: CPA

        func hash(into hasher: inout Hasher) { hasher.combine(cpa.signature) }

        static func == (a: Key, b: Key) -> Bool {
            guard a.cpa == b.cpa else { return false }
            switch (a.cpa.friendlyName, b.cpa.friendlyName) {
            case (nil, nil): return true
            case (let x?, let y?): return x.utf8.elementsEqual(y.utf8)
            default: return false
            }
        }

        /// libsodium's verdict on the signature.
        func verify() -> Bool {
            guard let key = try? Ed25519PublicKey(bytes: cpa.publicKey) else { return false }
            return key.isValidSignature(cpa.signature, for: cpa.signedBytes)
        }
    }

    /// The shared state, behind one lock; also what the background thread holds, so that the cache itself
    /// can go away and stop the thread. Nobody sleeps on the lock while work is about: a node that needs
    /// a verdict the background thread is computing spins until it is done (at most one check, ~40 µs), and
    /// the background thread spins briefly before it sleeps, so the hot path makes no system calls.
    final class Table: @unchecked Sendable {
        enum State {
            /// Announced by `didSign`, waiting for the background thread.
            case queued
            /// Being checked.
            case running
            case done(Bool)
        }

        struct Contents {
            var entries: [Key: State] = [:]
            var order: [Key] = []
            var oldest = 0
            var jobs = Deque<Key>()
            var counters = Counters()
            var workerSleeping = false
            var stopped = false
        }

        private let condition = NSCondition()
        private var contents = Contents()  // guarded by `condition`
        private let capacity: Int
        /// Jobs queued and not yet taken; read without the lock by the spinning background thread.
        private let queuedJobs = ManagedAtomic<Int>(0)
        /// Checks finished so far; a node waiting for a running check spins until this moves.
        private let finishedChecks = ManagedAtomic<Int>(0)
        /// Spins of the background thread before it sleeps (about 50 µs).
        private static let idleSpins = 20_000

        init(capacity: Int) {
            self.capacity = capacity
            contents.entries.reserveCapacity(capacity)
        }

        func withLock<R>(_ body: (inout Contents) -> R) -> R {
            condition.lock()
            defer { condition.unlock() }
            return body(&contents)
        }

        /// The verdict for `key`: remembered, finished by the background thread, or computed here.
        func check(_ key: Key) -> Bool {
            var waited = false
            while true {
                let finished = finishedChecks.load(ordering: .acquiring)
                condition.lock()
                switch contents.entries[key] {
                case .done(let valid):
                    contents.counters.hits += 1
                    if waited { contents.counters.waited += 1 }
                    condition.unlock()
                    return valid
                case .running:
                    condition.unlock()
                    waited = true
                    while finishedChecks.load(ordering: .acquiring) == finished { spinPause() }
                    continue
                case .queued:
                    contents.entries[key] = .running
                case nil:
                    remember(key)
                    contents.entries[key] = .running
                }
                contents.counters.misses += 1
                condition.unlock()
                let valid = key.verify()
                finish(key, valid, ahead: false)
                return valid
            }
        }

        func enqueue(_ key: Key) {
            condition.lock()
            defer { condition.unlock() }
            guard contents.entries[key] == nil else { return }
            remember(key)
            contents.entries[key] = .queued
            contents.jobs.append(key)
            queuedJobs.wrappingIncrement(ordering: .releasing)
            if contents.workerSleeping { condition.signal() }
        }

        func checkAheadLoop() {
            while true {
                var spins = 0
                while queuedJobs.load(ordering: .acquiring) == 0 && spins < Self.idleSpins {
                    spinPause()
                    spins += 1
                }
                condition.lock()
                if contents.stopped {
                    condition.unlock()
                    return
                }
                guard let key = contents.jobs.popFirst() else {
                    contents.workerSleeping = true
                    condition.wait()
                    contents.workerSleeping = false
                    condition.unlock()
                    continue
                }
                queuedJobs.wrappingDecrement(ordering: .releasing)
                guard case .queued = contents.entries[key] else {
                    condition.unlock()
                    continue
                }
                contents.entries[key] = .running
                condition.unlock()
                finish(key, key.verify(), ahead: true)
            }
        }

        func waitUntilIdle() {
            while withLock({ !$0.jobs.isEmpty || $0.entries.values.contains { if case .running = $0 { true } else { false } } }) {
                Thread.sleep(forTimeInterval: 0.001)
            }
        }

        func stop() {
            condition.lock()
            contents.stopped = true
            condition.signal()
            condition.unlock()
        }

        private func finish(_ key: Key, _ valid: Bool, ahead: Bool) {
            condition.lock()
            if ahead { contents.counters.checkedAhead += 1 }
            if contents.entries[key] != nil { contents.entries[key] = .done(valid) }
            condition.unlock()
            finishedChecks.wrappingIncrement(ordering: .releasing)
        }

        /// Makes room for `key` in the first-in first-out order. Must hold the lock.
        private func remember(_ key: Key) {
            if contents.order.count < capacity {
                contents.order.append(key)
            } else {
                contents.entries.removeValue(forKey: contents.order[contents.oldest])
                contents.order[contents.oldest] = key
                contents.oldest = (contents.oldest + 1) % capacity
            }
        }

        /// One turn of a spin loop (the atomic load around it keeps the loop from being optimised away).
        @inline(__always) private func spinPause() {}
    }
}
