import Atomics
import Dispatch
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

    /// The verdict for `cpa`: remembered, finished ahead on the background thread, or checked now; always
    /// the verdict `DirectCPASignatureChecker` gives.
    public func isValidSignature(of cpa: CPA) -> Bool { table.check(cpa) }

    /// Queues `cpa` for a check on the background thread (when checking ahead).
    public func didSign(_ cpa: CPA) {
        guard checkAhead else { return }
        table.enqueue(cpa)
    }

    /// Waits until every check queued so far has finished (for tests).
    public func waitForChecksAhead() { table.waitUntilIdle() }

    /// True when `a` and `b` are the same CPA: every field equal and the friendly names equal byte for
    /// byte (`String` equality alone treats canonically equivalent names as equal, though they encode,
    /// and so sign, differently).
    static func same(_ a: CPA, _ b: CPA) -> Bool {
        guard a == b else { return false }
        switch (a.friendlyName, b.friendlyName) {
        case (nil, nil): return true
        case (let x?, let y?): return x.utf8.elementsEqual(y.utf8)
        default: return false
        }
    }

    /// Where a CPA is looked for: the first eight bytes of its signature. Two CPAs may share them (a forger
    /// can copy a signature); `same(_:_:)` decides, and a CPA whose place is held by another is simply
    /// checked on the spot.
    static func fingerprint(_ cpa: CPA) -> UInt64 {
        var f: UInt64 = 0
        for b in cpa.signature.prefix(8) { f = f << 8 | UInt64(b) }
        return f
    }

    /// libsodium's verdict on the signature: exactly what a node checking directly gets.
    static func verify(_ cpa: CPA) -> Bool { DirectCPASignatureChecker().isValidSignature(of: cpa) }

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

        /// The remembered CPAs, one slot per index across the four arrays (kept apart so that reading a
        /// state never copies a CPA); the slots form a ring, the oldest reused first.
        struct Contents {
            var cpas: [CPA?]
            var fingerprints: [UInt64]
            /// Which use of each slot this is: a verdict is stored only into the use it was computed for.
            var generations: [UInt64]
            var states: [State]
            var next = 0
            var generation: UInt64 = 0
            var index: [UInt64: Int] = [:]
            /// Slots to check ahead, with the generation they had when queued.
            var jobs = Deque<(slot: Int, generation: UInt64)>()
            var counters = Counters()
            var workerSleeping = false
            var stopped = false
        }

        /// Guards `contents`. Critical sections are a few dictionary operations and both threads run on
        /// their own core, so a spin lock costs less than a mutex, whose contention means system calls.
        private let guardFlag = ManagedAtomic<Bool>(false)
        private var contents: Contents  // guarded by `guardFlag`
        /// Where the background thread sleeps when there is nothing to check.
        private let wakeUp = DispatchSemaphore(value: 0)
        /// Jobs queued and not yet taken; read without the lock by the spinning background thread.
        private let queuedJobs = ManagedAtomic<Int>(0)
        /// Checks finished so far; a node waiting for a running check spins until this moves.
        private let finishedChecks = ManagedAtomic<Int>(0)
        /// Spins of the background thread before it sleeps (some tens of microseconds). Most CPAs are signed
        /// once per registration, so checks come a few per join: a longer spin kept a core busy for nothing.
        private static let idleSpins = 20_000

        init(capacity: Int) {
            contents = Contents(
                cpas: [CPA?](repeating: nil, count: capacity), fingerprints: [UInt64](repeating: 0, count: capacity),
                generations: [UInt64](repeating: 0, count: capacity), states: [State](repeating: .queued, count: capacity))
            contents.index.reserveCapacity(capacity)
        }

        func withLock<R>(_ body: (inout Contents) -> R) -> R {
            lock()
            defer { unlock() }
            return body(&contents)
        }

        private func lock() {
            while !guardFlag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
                while guardFlag.load(ordering: .relaxed) {}
            }
        }

        private func unlock() { guardFlag.store(false, ordering: .releasing) }

        /// The slot holding `cpa`: .found, .absent (nothing under its fingerprint), or .taken (another CPA
        /// with the same fingerprint). Must hold the lock.
        private func find(_ cpa: CPA, _ fingerprint: UInt64) -> (slot: Int?, taken: Bool) {
            guard let i = contents.index[fingerprint] else { return (nil, false) }
            guard contents.cpas[i].map({ SharedCPASignatureCache.same($0, cpa) }) == true else { return (nil, true) }
            return (i, false)
        }

        /// The verdict for `cpa`: remembered, finished by the background thread, or computed here.
        func check(_ cpa: CPA) -> Bool {
            let fingerprint = SharedCPASignatureCache.fingerprint(cpa)
            var waited = false
            while true {
                let finished = finishedChecks.load(ordering: .acquiring)
                lock()
                let (found, taken) = find(cpa, fingerprint)
                var slot: (Int, UInt64)?
                if let i = found {
                    switch contents.states[i] {
                    case .done(let valid):
                        contents.counters.hits += 1
                        if waited { contents.counters.waited += 1 }
                        unlock()
                        return valid
                    case .running:
                        unlock()
                        waited = true
                        while finishedChecks.load(ordering: .acquiring) == finished {}
                        continue
                    case .queued:
                        contents.states[i] = .running
                        slot = (i, contents.generations[i])
                    }
                } else if !taken {
                    slot = remember(cpa, fingerprint, state: .running)
                }
                contents.counters.misses += 1
                unlock()
                let valid = SharedCPASignatureCache.verify(cpa)
                if let (i, generation) = slot { finish(i, generation, valid, ahead: false) }
                return valid
            }
        }

        func enqueue(_ cpa: CPA) {
            let fingerprint = SharedCPASignatureCache.fingerprint(cpa)
            lock()
            guard contents.index[fingerprint] == nil else {  // known, or its place is held by another CPA
                unlock()
                return
            }
            contents.jobs.append(remember(cpa, fingerprint, state: .queued))
            queuedJobs.wrappingIncrement(ordering: .releasing)
            let sleeping = contents.workerSleeping
            contents.workerSleeping = false
            unlock()
            if sleeping { wakeUp.signal() }
        }

        func checkAheadLoop() {
            while true {
                var spins = 0
                while queuedJobs.load(ordering: .acquiring) == 0 && spins < Self.idleSpins { spins += 1 }
                lock()
                if contents.stopped {
                    unlock()
                    return
                }
                guard let job = contents.jobs.popFirst() else {
                    contents.workerSleeping = true
                    unlock()
                    wakeUp.wait()  // a signal sent before this wait is not lost: the semaphore counts it
                    continue
                }
                queuedJobs.wrappingDecrement(ordering: .releasing)
                guard contents.generations[job.slot] == job.generation, case .queued = contents.states[job.slot],
                    let cpa = contents.cpas[job.slot]
                else {
                    unlock()
                    continue
                }
                contents.states[job.slot] = .running
                unlock()
                finish(job.slot, job.generation, SharedCPASignatureCache.verify(cpa), ahead: true)
            }
        }

        func waitUntilIdle() {
            while withLock({ c in !c.jobs.isEmpty || c.states.indices.contains { if case .running = c.states[$0] { c.cpas[$0] != nil } else { false } } }) {
                Thread.sleep(forTimeInterval: 0.001)
            }
        }

        func stop() {
            lock()
            contents.stopped = true
            unlock()
            wakeUp.signal()
        }

        private func finish(_ slot: Int, _ generation: UInt64, _ valid: Bool, ahead: Bool) {
            lock()
            if ahead { contents.counters.checkedAhead += 1 }
            // The slot may have been reused meanwhile; then the verdict is simply not kept.
            if contents.generations[slot] == generation { contents.states[slot] = .done(valid) }
            unlock()
            finishedChecks.wrappingIncrement(ordering: .releasing)
        }

        /// Puts `cpa` in the next slot of the ring, forgetting the oldest CPA; returns the slot and its
        /// generation. Must hold the lock.
        private func remember(_ cpa: CPA, _ fingerprint: UInt64, state: State) -> (slot: Int, generation: UInt64) {
            let i = contents.next
            contents.next = (i + 1) % contents.cpas.count
            contents.generation += 1
            let oldFingerprint = contents.fingerprints[i]
            if contents.generations[i] != 0, contents.index[oldFingerprint] == i { contents.index.removeValue(forKey: oldFingerprint) }
            contents.cpas[i] = cpa
            contents.fingerprints[i] = fingerprint
            contents.generations[i] = contents.generation
            contents.states[i] = state
            contents.index[fingerprint] = i
            return (i, contents.generation)
        }
    }
}
