import EasyConnect
import Foundation
import PNRP
import PNRPNetwork

/// Finds and opens the invitation `password` names, as a Helper does (its current epoch only).
func findInvitation(_ password: EasyConnectPassword, in service: any PeerNameService) async throws -> Invitation {
    let parameters = Sessions.cheapRendezvous
    let rendezvous = try Rendezvous.derive(from: password, epoch: parameters.epoch(atUnixSeconds: UInt64(Date().timeIntervalSince1970)), parameters: parameters)
    let record = try await service.resolve(rendezvous.name, within: .seconds(5))
    guard let sealed = record.extendedPayload else { throw TestFailure("the invitation's record has no payload") }
    return try SealedInvitation.open(sealed, for: rendezvous)
}

extension SessionEndpoint {
    /// The dotted IPv4 address of an IPv4-mapped endpoint.
    var ipv4Text: String { String(description.split(separator: ":")[0]) }
}

/// A Helper written by hand: the sans-IO connection over a raw socket, so that a test can do what the
/// session driver never does (offer a file named `../../etc/x`, stop half-way through a file, vanish).
/// Drive it from one thread at a time (`onThread`).
final class ScriptedHelper: @unchecked Sendable {
    var connection: EasyConnectConnection
    let raw: RawConnection
    private(set) var events: [ConnectionEvent] = []

    init(password: EasyConnectPassword, invitation: Invitation, identity: LocalIdentity, configuration: ConnectionConfiguration = ConnectionConfiguration()) throws {
        let endpoint = invitation.endpoints[0]
        raw = try RawConnection(host: endpoint.ipv4Text, port: endpoint.port)
        var seed = [UInt8](repeating: 0, count: 32)
        for i in seed.indices { seed[i] = UInt8.random(in: 0...255) }
        connection = EasyConnectConnection(
            helperWith: password, invitation: invitation, identity: identity, configuration: configuration, randomSeed: seed, now: HostClock.now())
    }

    /// Writes what the connection has to say.
    func flush() {
        let output = connection.takeOutput()
        for record in output { raw.write(record) }
    }

    /// Moves bytes both ways until `condition` holds on the events so far (true), or the connection ends
    /// or `seconds` pass (false, unless the condition holds then).
    @discardableResult
    func run(seconds: Double, until condition: ([ConnectionEvent]) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            flush()
            let new = connection.takeEvents()
            events += new
            if new.contains(.greeted) {
                try? connection.beginHandshake(now: HostClock.now())
                continue
            }
            if condition(events) { return true }
            if connection.isClosed { return false }
            guard let bytes = raw.read() else {
                connection.transportClosed(now: HostClock.now())
                continue
            }
            if !bytes.isEmpty { connection.receive(bytes, now: HostClock.now()) }
            connection.poll(now: HostClock.now())
        }
        events += connection.takeEvents()
        return condition(events)
    }

    /// Runs until connected (the User must accept meanwhile).
    func connect(seconds: Double = 15) -> Bool {
        run(seconds: seconds) { $0.contains { if case .connected = $0 { true } else { false } } }
    }
}
