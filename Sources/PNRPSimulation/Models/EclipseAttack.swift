import PNRP

/// How eclipse attackers pick their names: an unsecured name's P2P ID is a hash of its classifier
/// ([MS-PNRP] 3.1.4.4.1), so an attacker tries classifiers until the ID lands right next to the
/// victim's — closer than the victim's honest neighbours are likely to be — and registers that name.
enum EclipseAttack {
    /// Attackers that surround the victim; the others only steer.
    static let maximumColluders = 16
    /// Most classifiers an attacker tries before taking the closest found.
    static let maximumTries = 200_000

    /// An unsecured name whose P2P ID lies within 1/(8·`cloudSize`) of the ring from `victim`
    /// (or the closest found in `maximumTries`).
    static func nameNear(_ victim: P2PID, attacker: Int, cloudSize: Int) -> PeerName {
        let goal = UInt64.max / UInt64(Swift.max(8, 8 * cloudSize))
        var best: (distance: UInt64, name: PeerName)?
        for attempt in 0..<maximumTries {
            let name = try! PeerName(authority: .unsecured, classifier: "eclipse-\(attacker)-\(attempt)")  // valid by construction
            let d = name.p2pID.high &- victim.high
            let distance = Swift.min(d, 0 &- d)
            if distance != 0, best.map({ distance < $0.distance }) ?? true { best = (distance, name) }
            if let best, best.distance <= goal { return best.name }
        }
        return best!.name  // maximumTries > 0: at least one name was tried
    }
}
