import EasyConnect
import PNRP

/// A User's invitation and one Helper connection wired back to back in memory, in virtual time: the
/// sans-IO cores exactly as the network driver runs them, without sockets.
struct VirtualSession {
    var user: UserInvitation
    var helper: EasyConnectConnection
    let id = ConnectionID(1)
    var now: NodeInstant
    var userEvents: [UserInvitationEvent] = []
    var helperEvents: [ConnectionEvent] = []
    var userClosed = false
    var helperClosed = false
    /// Every record that crossed, for searching.
    var wire: [[UInt8]] = []

    init(user: UserInvitation, helper: EasyConnectConnection, now: NodeInstant) {
        (self.user, self.helper, self.now) = (user, helper, now)
        self.user.accept(id, now: now)
    }

    /// Moves records both ways until both sides are quiet.
    mutating func pump() {
        for _ in 0..<100_000 {
            var moved = false
            for effect in user.takeEffects() {
                switch effect {
                case .send(_, let records):
                    wire += records
                    for r in records where !helper.isClosed { helper.receive(r, now: now) }
                    moved = true
                case .close:
                    if !userClosed {
                        userClosed = true
                        helper.transportClosed(now: now)
                        moved = true
                    }
                case .event(let e): userEvents.append(e)
                case .revokeNames, .stopListening: break
                }
            }
            let events = helper.takeEvents()
            helperEvents += events
            if events.contains(.greeted) {
                try? helper.beginHandshake(now: now)
                moved = true
            }
            let out = helper.takeOutput()
            if !out.isEmpty {
                wire += out
                if !userClosed { for r in out { user.receive(id, r, now: now) } }
                moved = true
            }
            if helper.isClosed, !helperClosed {
                helperClosed = true
                user.transportClosed(id, now: now)
                moved = true
            }
            if !moved { return }
        }
    }

    /// Advances virtual time by `duration`, running every timer on the way.
    mutating func advance(_ duration: NodeDuration) {
        let end = now + duration
        for _ in 0..<100_000 {
            guard let next = [user.nextDeadline, helper.nextDeadline].compactMap({ $0 }).filter({ $0 <= end }).min() else { break }
            now = max(now, next)
            user.poll(now: now)
            helper.poll(now: now)
            pump()
        }
        now = end
    }

    /// Runs the handshake and the User's consent.
    mutating func connect() throws {
        pump()
        guard let prompted = user.promptedConnection else { throw TestFailure("no consent question: \(userEvents) / \(helperEvents)") }
        try user.answerConsent(prompted, accept: true, now: now)
        pump()
    }

    /// Session events the User's side reported.
    var userSessionEvents: [ConnectionEvent] {
        userEvents.compactMap { if case .session(_, let e) = $0 { e } else { nil } }
    }
}
