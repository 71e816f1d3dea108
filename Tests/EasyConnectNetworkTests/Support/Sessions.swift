import EasyConnect
import Foundation
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// Settings and identities of the sessions of these tests.
enum Sessions {
    /// Cheap Argon2id (8 MiB, 1 pass) so that each derivation takes milliseconds in a debug build; the
    /// command uses `RendezvousParameters.standard` (64 MiB, 2 passes). Both sides must agree.
    static let cheapRendezvous = RendezvousParameters(argon2: Argon2id.Parameters(passes: 1, memoryBytes: 8 << 20))

    static func identity(_ name: String) -> LocalIdentity {
        LocalIdentity(key: Ed25519PrivateKey(), displayName: name, computerName: name.lowercased() + "-pc")
    }

    static func session(_ name: String, downloads: String, connection: ConnectionConfiguration = ConnectionConfiguration()) -> SessionOptions {
        var s = SessionOptions(identity: identity(name), downloadDirectory: downloads)
        s.rendezvous = cheapRendezvous
        s.connection = connection
        return s
    }

    /// The User's options: listening on `address` only, with `lifetime`.
    static func invite(downloads: String, address: String = "127.0.0.2", lifetime: Duration = .seconds(300), connection: ConnectionConfiguration = ConnectionConfiguration()) -> InviteOptions {
        var o = InviteOptions(session: session("Ursula", downloads: downloads, connection: connection))
        o.listenAddresses = [address]
        o.lifetime = lifetime
        o.invitation.connection = connection
        return o
    }

    static func help(downloads: String, name: String = "Hector", connection: ConnectionConfiguration = ConnectionConfiguration()) -> HelpOptions {
        var o = HelpOptions(session: session(name, downloads: downloads, connection: connection))
        o.resolveTimeout = .seconds(5)
        o.connectTimeout = .seconds(3)
        return o
    }

    /// The same password with its last character changed: the same rendezvous, a wrong PAKE input.
    static func wrongTail(_ grouped: String, variant: Int = 0) throws -> EasyConnectPassword {
        var chars = Array(grouped.filter { $0 != " " })
        let alphabet = EasyConnectPassword.alphabet
        let i = alphabet.firstIndex(of: chars[11])!
        chars[11] = alphabet[(i + 1 + variant) % alphabet.count]
        return try EasyConnectPassword(parsing: String(chars))
    }

    /// The same password with its first character changed: another rendezvous.
    static func wrongHead(_ grouped: String) throws -> EasyConnectPassword {
        var chars = Array(grouped.filter { $0 != " " })
        let alphabet = EasyConnectPassword.alphabet
        chars[0] = alphabet[(alphabet.firstIndex(of: chars[0])! + 1) % alphabet.count]
        return try EasyConnectPassword(parsing: String(chars))
    }
}

/// Everything a session reports, kept in order as it arrives.
final class EventRecorder: Sendable {
    let session: EasyConnectSession
    private let state = Locked<(events: [EasyConnectEvent], finished: Bool)>(([], false))

    init(_ session: EasyConnectSession) {
        self.session = session
        let state = self.state
        Task {
            for await e in session.events { state.withLock { $0.events.append(e) } }
            state.withLock { $0.finished = true }
        }
    }

    var events: [EasyConnectEvent] { state.current.events }
    var finished: Bool { state.current.finished }

    /// The first event matching `match` (waiting at most `seconds`), nil after that.
    func wait<T>(_ seconds: Double = 10, for match: @escaping (EasyConnectEvent) -> T?) async -> T? {
        var found: T?
        _ = await eventually(seconds) {
            found = events.lazy.compactMap(match).first
            return found != nil
        }
        return found
    }

    /// The `n`-th (1-based) event matching `match`.
    func wait<T>(_ seconds: Double = 10, nth n: Int, for match: @escaping (EasyConnectEvent) -> T?) async -> T? {
        var found: T?
        _ = await eventually(seconds) {
            let all = events.compactMap(match)
            found = all.count >= n ? all[n - 1] : nil
            return found != nil
        }
        return found
    }

    /// How the session ended, once it has (at most `seconds`).
    func outcome(_ seconds: Double = 10) async -> SessionOutcome? {
        await wait(seconds) { if case .disconnected(let o) = $0 { o } else { nil } }
    }

    /// The events reduced to what a test compares: kinds and the values that matter, progress dropped.
    var summary: [String] { events.compactMap(Self.summarize) }

    static func summarize(_ e: EasyConnectEvent) -> String? {
        switch e {
        case .nameService: "nameService"
        case .invitation: "invitation"
        case .contactInvitation(let contact, _, _, _, _): "contactInvitation(\(contact))"
        case .helperRefused(let p, _): "helperRefused(\(p.displayName))"
        case .offerListening: "offerListening"
        case .invitationFile: "invitationFile"
        case .status(let s): "status(\(s.rawValue))"
        case .attemptFailed(let r): "attemptFailed(\(r))"
        case .consentRequest(_, let p): "consentRequest(\(p.displayName))"
        case .consentCancelled: "consentCancelled"
        case .connected(let p, _, _, _): "connected(\(p.displayName))"
        case .chat(let t): "chat(\(t))"
        case .fileOffer(_, let name, let safe, let bytes): "fileOffer(\(name),\(safe),\(bytes))"
        case .fileProgress: nil
        case .fileReceived(_, let path, let bytes, _): "fileReceived(\((path as NSString).lastPathComponent),\(bytes))"
        case .fileSent(_, let name, let bytes, _): "fileSent(\(name),\(bytes))"
        case .fileDeclined: "fileDeclined"
        case .fileFailed(_, let d, _): "fileFailed(\(d.rawValue))"
        case .controlRequested: "controlRequested"
        case .controlGranted: "controlGranted"
        case .controlDenied: "controlDenied"
        case .controlEnded(let r): "controlEnded(\(r))"
        case .paused: "paused"
        case .resumed: "resumed"
        case .terminalFrame: nil
        case .terminalInput(let bytes): "terminalInput(\(String(decoding: bytes, as: UTF8.self)))"
        case .terminalInputIgnored(let n): "terminalInputIgnored(\(n))"
        case .terminalWindow(let size): "terminalWindow(\(size))"
        case .terminalClosed(let reason): "terminalClosed(\(reason))"
        case .disconnected(let o): "disconnected(\(o.kind.rawValue))"
        }
    }
}

extension EasyConnectEvent {
    var password: String? { if case .invitation(let p, _, _) = self { p } else { nil } }
    var consentID: ConnectionID? { if case .consentRequest(let id, _) = self { id } else { nil } }
    var fileOfferID: UInt32? { if case .fileOffer(let id, _, _, _) = self { id } else { nil } }
    var isConnected: Bool { if case .connected = self { true } else { false } }
}
