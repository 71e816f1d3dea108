import PNRP
import PNRPInMemory

/// Predicting a node's nonces and Message IDs from what it sends: each attacker, every 20 s, sends one honest
/// publisher four FLOODs, `spacing` apart so that they arrive in order, each naming a new ID right next to the
/// publisher's own at the attacker's endpoint. A node that validates leaf-set candidates with a nonce (`protocol.leafSetValidationNonce`) then
/// sends the attacker four INQUIREs in a row, each a nonce (two 64-bit draws of its generator) and a Message
/// ID (the low half of the next draw). From the first three, `XoshiroPredictor` rebuilds a xoshiro256**
/// state and predicts the fourth's nonce and Message ID; a prediction that comes true means the attacker could
/// forge, blind and off-path, answers that the node would take for genuine. The defence is
/// `docs/deviations.md` N23: every draw of a node comes from ChaCha20.
///
/// The node may draw for something else between two INQUIREs of a burst; the attacker tries gaps of up to
/// `maximumGap` draws. A burst it cannot fit counts as attempted.
final class NoncePrediction: DatagramTamperer, ForgingAttack {
    /// Bursts each attacker sends per second.
    static let burstsPerSecondPerAttacker = 0.05
    /// FLOODs per burst: three to rebuild the state, one to check the prediction.
    static let burstSize = 4
    /// Time between the FLOODs of a burst: more than the jitter of the latency, so that the node gets them, and
    /// sends its INQUIREs, in the order sent.
    static let spacing = NodeDuration.milliseconds(25)

    /// Registered IDs of honest nodes and their publishers: whom to probe (set by the run).
    var publishers: [(node: Int, id: PNRPID)] = []
    private let attackers: [Int]
    /// Nonces and Message IDs of the INQUIREs each probed node sent each attacker since its last burst, by the
    /// FLOOD they answer (1...burstSize: the ID's offset from the victim's).
    private var seen: [Pair: [UInt64: (messageID: UInt32, nonce: [UInt8])]] = [:]
    /// The ID each probed node was probed next to.
    private var probedIDs: [Pair: PNRPID] = [:]
    /// Bursts whose four INQUIREs all came back, and those whose fourth nonce and Message ID were predicted.
    private(set) var attempts = 0, predicted = 0

    /// An attacker and the endpoint of the node it probes.
    private struct Pair: Hashable {
        var attacker: Int
        var victim: IPv6Endpoint
    }

    /// Predictors `attackers`.
    init(attackers: [Int]) { self.attackers = attackers }

    var ratePerSecond: Double { Double(attackers.count) * Self.burstsPerSecondPerAttacker }

    func forge(in cloud: InMemoryCloud, random: inout RandomSource, now: NodeInstant) -> [ForgedDatagram] {
        guard !attackers.isEmpty, !publishers.isEmpty else { return [] }
        let attacker = attackers[Int(random.next() % UInt64(attackers.count))]
        let victim = publishers[Int(random.next() % UInt64(publishers.count))]
        guard cloud.isAlive(attacker), cloud.isAlive(victim.node) else { return [] }
        let pair = Pair(attacker: attacker, victim: InMemoryCloud.endpoint(ofNode: victim.node))
        seen[pair] = [:]
        probedIDs[pair] = victim.id
        return (1...Self.burstSize).compactMap { k in
            // IDs just above the victim's: closer than any leaf-set member, so the node validates each one.
            let id = PNRPID(victim.id.w0, victim.id.w1, victim.id.w2, victim.id.w3 &+ UInt64(k))
            let flood = Flood(doNotAck: true, validateID: .zero, routeEntry: RouteEntry(id: id, atNode: attacker), alreadyFlooded: [])
            guard let bytes = try? PNRPMessage(messageID: UInt32(truncatingIfNeeded: random.next()), body: .flood(flood)).encoded() else { return nil }
            return ForgedDatagram(bytes: bytes, source: attacker, target: victim.node, delay: Self.spacing * UInt64(k - 1))
        }
    }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
        let pair = Pair(attacker: node, victim: source)
        guard seen[pair] != nil, let probed = probedIDs[pair], let message = try? PNRPMessage(decoding: datagram),
            case .inquire(let inquire) = message.body, let nonce = inquire.nonce, nonce.count == 16
        else { return }
        let k = inquire.validateID.w3 &- probed.w3
        guard (1...UInt64(Self.burstSize)).contains(k) else { return }
        seen[pair]![k] = (message.messageID, nonce)
        guard let answers = seen[pair], answers.count == Self.burstSize else { return }
        seen[pair] = nil
        probedIDs[pair] = nil
        attempts += 1
        let burst = (1...UInt64(Self.burstSize)).map { answers[$0]! }
        // INQUIRE k drew its nonce at two consecutive positions and its Message ID at the next; the node may have
        // drawn for something else in between (a timer's jitter, another request), so gaps of up to
        // `maximumGap` draws before each INQUIRE are tried. 384 equations for 256 unknowns: a wrong gap gives no
        // state, never a wrong one.
        let last = burst[3]
        for g1 in 0...Self.maximumGap {
            for g2 in 0...Self.maximumGap {
                let starts = [0, 3 + g1, 6 + g1 + g2]
                let observed = zip(starts, burst.prefix(3)).flatMap { start, o in
                    [(position: start, value: Self.word(o.nonce, 0)), (position: start + 1, value: Self.word(o.nonce, 8))]
                }
                let fourth = (0...Self.maximumGap).map { starts[2] + 3 + $0 }
                guard let next = XoshiroPredictor.predict(fourth.flatMap { [$0, $0 + 1, $0 + 2] }, from: observed) else { continue }
                for g3 in 0...Self.maximumGap {
                    let (a, b, id) = (next[3 * g3], next[3 * g3 + 1], next[3 * g3 + 2])
                    if a == Self.word(last.nonce, 0), b == Self.word(last.nonce, 8), UInt32(truncatingIfNeeded: id) == last.messageID {
                        predicted += 1
                        return
                    }
                }
            }
        }
    }

    /// Draws the node may have made between two INQUIREs of a burst, tried by the attacker.
    static let maximumGap = 2

    /// The little-endian 64-bit word at `at` in `nonce`: the generator output a nonce's 8 bytes there came from.
    static func word(_ nonce: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(nonce[at + $1]) << UInt64(8 * $1) } }

    /// The attackers' own traffic goes out as their nodes send it.
    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? { datagram }
}
