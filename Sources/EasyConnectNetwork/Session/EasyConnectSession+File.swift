import EasyConnect
import NIOCore
import NIOPosix
import PNRPNetwork
import PeerCrypto

/// Invitations by file (msra `/saveasfile` and `/openfile`): no cloud, no name service. The User writes a
/// password-protected `.MsRcIncident` file naming its listener; the Helper opens it with the file's password
/// and connects straight to the endpoints inside. The handshake is Easy Connect's, with the Easy Connect
/// password sealed in the file.
///
/// ```swift
/// // The User: write the file and wait for the Helper.
/// let user = try await EasyConnectSession.inviteByFile(options: FileInviteOptions(session: options, path: "/tmp/help.MsRcIncident"),
///                                                      filePassword: try InvitationFilePassword(typed))
/// // The Helper: open it and connect.
/// let file = try InvitationFileStore.openInvitation(at: "/tmp/help.MsRcIncident", filePassword: try InvitationFilePassword(typed))
/// let helper = try await EasyConnectSession.help(invitation: file.invitation, password: file.password, options: HelpOptions(session: options))
/// ```
extension EasyConnectSession {
    // MARK: - The User

    /// Listens on every address (or `listenAddresses`), writes an invitation file naming the listener at
    /// `options.path` (atomically, mode 0600, never over an existing file unless `options.overwrite`), and
    /// waits for a Helper until start + `options.lifetime`, exactly as an Easy Connect invitation waits.
    /// Returns once the file is written; the first event is `.invitationFile` with its path and expiry.
    public static func inviteByFile(options: FileInviteOptions, filePassword: InvitationFilePassword) async throws(EasyConnectError) -> EasyConnectSession {
        let seconds = options.lifetime.components.seconds
        guard options.lifetime.components.attoseconds == 0, seconds > 0, seconds % 60 == 0 else {
            throw .failed(SessionOutcome(.internalError, "an invitation file lives a whole number of minutes, at least one"))
        }
        guard options.lifetime <= options.maximumFileLifetime else {
            let error = InvitationFileError.lifetimeOutOfRange(minutes: UInt64(seconds / 60), maximumMinutes: FileInviteOptions.minutes(options.maximumFileLifetime))
            throw .failed(SessionOutcome(.internalError, error.description))
        }
        // An existing file is refused before anything is bound or derived.
        if !options.overwrite, access(options.path, F_OK) == 0 { throw .file(InvitationFileStoreError.exists(options.path).description) }
        let (loop, ownedGroup) = Self.eventLoop(options.session)
        do {
            return try await inviteByFile(options: options, filePassword: filePassword, loop: loop, ownedGroup: ownedGroup)
        } catch {
            release(ownedGroup)
            throw error
        }
    }

    private static func inviteByFile(
        options: FileInviteOptions, filePassword: InvitationFilePassword, loop: any EventLoop, ownedGroup: MultiThreadedEventLoopGroup?
    ) async throws(EasyConnectError) -> EasyConnectSession {
        var waiting = InviteOptions(session: options.session)
        waiting.lifetime = options.lifetime
        waiting.listenAddresses = options.listenAddresses
        waiting.port = options.port
        waiting.invitation = options.invitation
        let identity = options.session.identity
        return try await startUser(options: waiting, nameService: nil, loop: loop, ownedGroup: ownedGroup) { reach, _, system throws(EasyConnectError) in
            let endpoints = reach.endpoints
            let start = UInt64(HostClock.now().nanoseconds / 1_000_000_000)
            let file: InvitationFile
            let bytes: [UInt8]
            do {
                let invitation = Invitation(
                    id: system.bytes(Invitation.idByteCount), expiresAt: 0, userKey: identity.key.publicKey,
                    displayName: identity.displayName, computerName: identity.computerName, endpoints: endpoints)
                file = try InvitationFile(
                    invitation: invitation, password: EasyConnectPassword.generate(using: &system), startUnixSeconds: start,
                    lifetimeMinutes: FileInviteOptions.minutes(options.lifetime), maximumLifetimeMinutes: FileInviteOptions.minutes(options.maximumFileLifetime))
                bytes = try file.sealed(with: filePassword, cost: options.cost, entropy: &system)
            } catch {
                throw .failed(SessionOutcome(.internalError, "\(error)"))
            }
            let path = options.path, overwrite = options.overwrite
            // The file is written once the engine takes the listener's connections: before that, nobody must
            // learn where it listens.
            return UserStart(
                credential: .password(file.password), invitation: file.invitation, names: [],
                shown: .invitationFile(path: path, expiresAt: file.invitation.expiresAt, endpoints: endpoints.map(\.description)),
                whenListening: { () throws(EasyConnectError) in
                    do {
                        try InvitationFileStore.save(bytes, to: path, overwrite: overwrite)
                    } catch {
                        throw .file("\(error)")
                    }
                })
        }
    }

    // MARK: - The Helper

    /// Connects straight to the endpoints of an opened invitation (from `InvitationFileStore.open`) and runs
    /// the handshake with its `password` (msra `/openfile`). Returns at once; progress arrives as `.status`
    /// events, and a failure (nobody listens any more, declined …) as `.disconnected` with its outcome.
    /// Throws `.failed` with outcome `.expired` for an invitation past its expiry.
    public static func help(invitation: Invitation, password: EasyConnectPassword, options: HelpOptions) async throws(EasyConnectError) -> EasyConnectSession {
        do {
            try invitation.checkNotExpired(atUnixSeconds: UInt64(HostClock.now().nanoseconds / 1_000_000_000))
        } catch {
            throw .failed(SessionOutcome(.expired, "this invitation expired at \(UnixTimeText.iso8601(invitation.expiresAt)) (UTC): ask the person you help for a new one"))
        }
        return try await startHelper(options: options, nameService: nil) {
            .success(HelperPlan(addresses: connectAddresses(invitation.endpoints, zone: 0), credential: .password(password), invitation: invitation))
        }
    }
}
