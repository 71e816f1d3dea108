import EasyConnect
import PNRP
import PeerCrypto

/// A Helper connection and a User connection wired back to back in memory, in virtual time.
struct ConnectionPair {
    var helper: EasyConnectConnection
    var user: EasyConnectConnection
    var now = Fixtures.now
    var helperEvents: [ConnectionEvent] = []
    var userEvents: [ConnectionEvent] = []
    /// Every record that crossed, for searching.
    var wire: [[UInt8]] = []

    init(
        helperPassword: EasyConnectPassword = Fixtures.password(), userPassword: EasyConnectPassword = Fixtures.password(),
        invitation: Invitation = Fixtures.invitation(), configuration: ConnectionConfiguration = ConnectionConfiguration()
    ) {
        helper = EasyConnectConnection(
            helperWith: helperPassword, invitation: invitation, identity: Fixtures.helperIdentity, configuration: configuration, randomSeed: Fixtures.seed(10), now: Fixtures.now)
        user = EasyConnectConnection(
            userWith: userPassword, invitation: invitation, identity: Fixtures.userIdentity, configuration: configuration, randomSeed: Fixtures.seed(11), now: Fixtures.now)
    }

    /// A pair authenticated by contact keys (SIGMA-I): the User expects `userExpects` from the Helper, the Helper
    /// expects `helperExpects` from the User; `helperIdentity` is who actually connects.
    init(
        contactUserExpects userExpects: Ed25519PublicKey?, helperExpects: Ed25519PublicKey?, helperIdentity: LocalIdentity = Fixtures.helperIdentity,
        invitation: Invitation = Fixtures.invitation(), configuration: ConnectionConfiguration = ConnectionConfiguration()
    ) {
        helper = EasyConnectConnection(
            helperWith: .contact(expectedKey: helperExpects), invitation: invitation, identity: helperIdentity, configuration: configuration,
            randomSeed: Fixtures.seed(10), now: Fixtures.now)
        user = EasyConnectConnection(
            userWith: .contact(expectedKey: userExpects), invitation: invitation, identity: Fixtures.userIdentity, configuration: configuration,
            randomSeed: Fixtures.seed(11), now: Fixtures.now)
    }

    /// Moves records both ways until neither side has anything to say; returns the new events.
    @discardableResult
    mutating func pump() -> (helper: [ConnectionEvent], user: [ConnectionEvent]) {
        var newHelper: [ConnectionEvent] = [], newUser: [ConnectionEvent] = []
        for _ in 0..<10_000 {
            let toUser = helper.takeOutput(), toHelper = user.takeOutput()
            let fromHelper = helper.takeEvents()
            let greeted = fromHelper.contains(.greeted)
            if greeted { try? helper.beginHandshake(now: now) }
            newHelper += fromHelper
            newUser += user.takeEvents()
            if toUser.isEmpty, toHelper.isEmpty, !greeted { break }
            wire += toUser + toHelper
            for r in toUser where !user.isClosed { user.receive(r, now: now) }
            for r in toHelper where !helper.isClosed { helper.receive(r, now: now) }
        }
        helperEvents += newHelper
        userEvents += newUser
        return (newHelper, newUser)
    }

    /// Runs both handshakes and the User's acceptance.
    mutating func connect() {
        pump()
        try! user.answerConsent(true, now: now)
        pump()
    }

    /// Advances virtual time by `seconds`, polling both sides at every deadline on the way.
    mutating func advance(seconds: Double) {
        let end = now + NodeDuration(nanoseconds: UInt64(seconds * 1e9))
        for _ in 0..<100_000 {
            let next = [helper.nextDeadline, user.nextDeadline].compactMap { $0 }.filter { $0 <= end }.min()
            guard let next else { break }
            now = max(now, next)
            helper.poll(now: now)
            user.poll(now: now)
            pump()
        }
        now = end
    }
}
