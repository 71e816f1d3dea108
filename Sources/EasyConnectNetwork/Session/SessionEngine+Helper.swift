import EasyConnect
import NIOCore
import NIOPosix
import PNRP
import PNRPNetwork
import PeerCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a Helper's engine needs to open connections to the User's endpoints.
struct HelperSetup {
    var credential: SessionCredential
    var invitation: Invitation
    var identity: LocalIdentity
    var configuration: ConnectionConfiguration
    var seeds: SystemEntropy
    /// Offering help (msra `/offerRA`): the connections expect an offer listener's greeting, and
    /// `invitation` is unknown until it arrives.
    var offer = false

    init(credential: SessionCredential, invitation: Invitation, identity: LocalIdentity, configuration: ConnectionConfiguration, seeds: SystemEntropy) {
        (self.credential, self.invitation, self.identity, self.configuration, self.seeds) = (credential, invitation, identity, configuration, seeds)
    }
}

extension SessionEngine {
    /// Connects to every address at once (happy eyeballs); the first whose listener greets with our
    /// invitation's tag wins and runs the handshake, the others are closed before any PAKE message.
    /// With `traversal`, the ways through the User's NAT start after its stagger (`startTraversal`).
    func startRace(_ addresses: [SocketAddress], setup: HelperSetup, traversal plan: HelperTraversal? = nil, connectTimeout: TimeAmount) {
        loop.preconditionInEventLoop()
        helperSetup = setup
        raceStartedAt = .now()
        if let plan {
            // Counted as racing until it starts, so that direct attempts failing fast do not end the race.
            racing += 1
            loop.scheduleTask(in: plan.stagger) { [self] in
                racing -= 1
                startTraversal(plan, setup: setup)
            }
        }
        guard !addresses.isEmpty || plan != nil else {
            finish(SessionOutcome(.connectionLost, "the invitation lists no address this computer can reach"))
            return
        }
        racing += addresses.count
        for (n, address) in addresses.enumerated() {
            let id = ConnectionID(UInt64(n + 1))
            let engine = self
            ClientBootstrap(group: loop)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelOption(.recvAllocator, value: SessionListener.receiveAllocator)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SessionChannelHandler(engine: engine, id: id))
                    }
                }
                .connect(to: address)
                .whenComplete { [self] result in
                    racing -= 1
                    // A success is reported before the channel becomes active: its candidate does not exist
                    // yet, and the race goes on through it (it ends when that candidate closes).
                    if case .failure(let error) = result {
                        if (error as? IOError)?.errnoCode == ECONNREFUSED {
                            raceRefusals += 1
                            raceErrors.append("\(describe(address)) refused the connection")
                        } else if case ChannelError.connectTimeout = error {
                            raceErrors.append("\(describe(address)) did not answer within \(connectTimeout.nanoseconds / 1_000_000_000) s")
                        } else {
                            raceErrors.append("\(describe(address)): \(error)")
                        }
                        checkRaceLost()
                    }
                }
        }
    }

    /// `address` as people read endpoints (`192.0.2.7:5000`, `[2001:db8::1]:5000`).
    func describe(_ address: SocketAddress) -> String {
        IPv6Endpoint(address).map { EndpointText.format($0) } ?? "\(address)"
    }

    /// A connection attempt succeeded: it gets its own handshake state, waiting for the greeting.
    func helperCandidateConnected(_ id: ConnectionID) {
        guard user == nil, let setup = helperSetup else { return }
        relayJoinEnded(id, spliced: true)
        guard winner == nil else {
            channels[id]?.close(promise: nil)
            return
        }
        var seeds = setup.seeds
        if setup.offer, case .contact(let expected) = setup.credential {
            candidates[id] = EasyConnectConnection(
                offeringWith: expected, identity: setup.identity, configuration: setup.configuration, randomSeed: seeds.bytes(32), now: now)
        } else {
            candidates[id] = EasyConnectConnection(
                helperWith: setup.credential, invitation: setup.invitation, identity: setup.identity, configuration: setup.configuration,
                randomSeed: seeds.bytes(32), now: now)
        }
        reschedule()
    }

    /// Moves a Helper connection's output and events to the socket and the person.
    func processHelper(_ id: ConnectionID) {
        guard candidates[id] != nil else { return }
        let output = candidates[id]!.takeOutput()
        let events = candidates[id]!.takeEvents()
        write(output, to: id)
        var began = false
        for event in events {
            if event == .greeted {
                guard winner == nil else {
                    closeAfterWrites(id)
                    candidates[id] = nil
                    continue
                }
                winner = id
                firstByteAfter = raceStartedAt.map { .now() - $0 }
                began = (try? candidates[id]?.beginHandshake(now: now)) != nil
                for other in candidates.keys.sorted() where other != id {
                    candidates[other] = nil
                    channels[other]?.close(promise: nil)
                }
                traversal.heldBack = [:]
                closePunchListener()
                // The rest of this batch (a refusal that came with the greeting, say) belongs to the winner.
                continue
            }
            if id == winner {
                handleSessionEvent(event)
            } else if case .closed(let reason) = event {
                raceErrors.append("\(remotes[id] ?? "?"): \(reason)")
                if case .refusedByUs(let r) = reason, r.code == .keyMismatch { raceVerdict = SessionOutcome(reason) }
            }
        }
        if began, candidates[id]?.isClosed == false {
            // The Helper's hello is waiting in the connection's output.
            processHelper(id)
            return
        }
        if candidates[id]?.isClosed == true {
            closeAfterWrites(id)
            if id != winner {
                candidates[id] = nil
                releaseHeldBackIfNoPunch()
                checkRaceLost()
            }
        }
        reschedule()
    }

    /// Ends the attempt when every address failed before one greeted.
    func checkRaceLost() {
        guard user == nil, winner == nil, racing == 0, candidates.isEmpty, !ended else { return }
        if let raceVerdict {
            finish(raceVerdict)
            return
        }
        if raceRefusals > 0, raceRefusals == raceErrors.count {
            // Every address answered that nothing listens there: the User's program is reachable but no
            // longer waits with this invitation.
            finish(
                SessionOutcome(
                    .refused,
                    "the invitation is no longer waiting for a helper (\(raceErrors.joined(separator: "; "))): the person accepted another helper, withdrew or cancelled it, or closed the program; ask for a new invitation"
                ))
            return
        }
        finish(SessionOutcome(.connectionLost, "could not reach the person's computer at any of the addresses in the invitation (\(raceErrors.joined(separator: "; ")))"))
    }
}
