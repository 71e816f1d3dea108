import EasyConnect

/// Settings of the User's side with an invitation file (`easy-connect invite --file`, msra `/saveasfile`).
public struct FileInviteOptions: Sendable {
    /// Shared settings.
    public var session: SessionOptions
    /// Where the file goes, extension included (`InvitationFile.pathWithExtension`).
    public var path: String
    /// How long the invitation waits for a Helper, in whole minutes: 6 hours by default, as Windows Remote
    /// Assistance's default policy.
    public var lifetime = Duration.seconds(Int64(InvitationFile.defaultLifetimeMinutes) * 60)
    /// The longest `lifetime` allowed (a setting may lower or raise it; Easy Connect invitations have their
    /// own, `InviteOptions.maximumLifetime`).
    public var maximumFileLifetime = FileInviteOptions.defaultMaximumFileLifetime
    /// Replace an existing file at `path` (otherwise it is refused).
    public var overwrite = false
    /// Addresses to listen on and write into the file; empty: every address of the machine.
    public var listenAddresses: [String] = []
    /// TCP port of the listener; 0 picks a free one.
    public var port: UInt16 = 0
    /// Attempts and handshake limits.
    public var invitation = UserInvitationConfiguration()
    /// Argon2id cost of the file key.
    public var cost = InvitationFileCost.standard

    /// The default maximum lifetime of a file invitation: 6 hours.
    public static let defaultMaximumFileLifetime = Duration.seconds(Int64(InvitationFile.defaultMaximumLifetimeMinutes) * 60)

    /// Settings with defaults, writing `path`.
    public init(session: SessionOptions, path: String) {
        self.session = session
        self.path = path
    }

    /// Whole minutes of `duration` (rounded down, at most `UInt32.max`).
    static func minutes(_ duration: Duration) -> UInt32 {
        UInt32(clamping: max(0, duration.components.seconds) / 60)
    }
}
