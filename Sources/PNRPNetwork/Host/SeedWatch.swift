import PNRP

/// What became of each `--seed` of the global cloud, so that a seed that cannot help is reported rather
/// than leaving the node alone in silence: a seed of the other address family than the cloud's socket
/// (it can never be reached from it), and a seed that has sent nothing back within `patience` of the
/// first SOLICIT. Every problem is reported once; a seed that answers later is reported as answering.
struct SeedWatch {
    /// One seed's state.
    enum State: Equatable {
        /// Cannot be reached from the cloud's socket.
        case unusable(String)
        /// Asked, no answer yet.
        case waiting(since: NodeInstant)
        /// Asked, no answer within the patience: reported.
        case silent
        /// Something arrived from it.
        case answered
    }

    private(set) var seeds: [(text: String, endpoint: IPv6Endpoint, state: State)] = []
    let patience: NodeDuration

    /// Watches `seeds` of a global cloud whose socket is `local`; returns the unusable ones' messages.
    init(seeds: [EndpointText], local: IPv6Endpoint?, patience: NodeDuration, now: NodeInstant) {
        self.patience = patience
        for seed in seeds where seed.endpoint != local {
            let text = EndpointText.format(seed.endpoint)
            var state = State.waiting(since: now)
            if let local, local.address.isIPv4Mapped != seed.endpoint.address.isIPv4Mapped {
                let (seedFamily, localFamily) = seed.endpoint.address.isIPv4Mapped ? ("IPv4", "IPv6") : ("IPv6", "IPv4")
                state = .unusable(
                    "seed \(text) is an \(seedFamily) address but the global cloud's socket is \(localFamily) (\(EndpointText.format(local))): it can never be reached; give a seed of the same family, or --address of the seed's family")
            }
            self.seeds.append((text, seed.endpoint, state))
        }
    }

    /// Problems known at start: the unusable seeds.
    var unusable: [String] {
        seeds.compactMap { if case .unusable(let why) = $0.state { why } else { nil } }
    }

    /// A datagram arrived from `source`; returns a message when a seed reported silent answers at last.
    mutating func heard(from source: IPv6Endpoint) -> String? {
        guard let i = seeds.firstIndex(where: { $0.endpoint == source }) else { return nil }
        let wasSilent = seeds[i].state == .silent
        seeds[i].state = .answered
        return wasSilent ? "seed \(seeds[i].text) answers now" : nil
    }

    /// Seeds that have stayed silent for `patience` since they were first asked, reported once each.
    mutating func overdue(now: NodeInstant) -> [String] {
        var messages: [String] = []
        for i in seeds.indices {
            guard case .waiting(let since) = seeds[i].state, now - since >= patience else { continue }
            seeds[i].state = .silent
            messages.append(
                "seed \(seeds[i].text) has not answered in \(patience.nanoseconds / 1_000_000_000) s: no pnrp node seems to listen there, or UDP to it is blocked; check the address and port (a node listens on UDP 3540 unless --port says otherwise)")
        }
        return messages
    }

    /// Every current problem, for `pnrp status`: unusable seeds and silent ones.
    var problems: [String] {
        seeds.compactMap { seed in
            switch seed.state {
            case .unusable(let why): why
            case .silent: "seed \(seed.text) has not answered"
            default: nil
            }
        }
    }
}
