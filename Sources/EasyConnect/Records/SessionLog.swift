/// One side's log of one Easy Connect session, as Windows Remote Assistance keeps one per session: who this
/// side was, when the session started (local time and offset from UTC), and what happened, in order.
///
/// On disk it is one XML document (`xml()`, `init(parsing:)`):
///
/// ```xml
/// <?xml version="1.0" encoding="utf-8" standalone="no"?>
/// <SESSION ROLE="user" VERSION="1" START="2025-03-14T09:26:53+01:00">
///   <INVITATION_CREATED DATE="2025-03-14" TIME="09:26:54" EVENT="…" EXPIRES="2025-03-14T09:56:54+01:00"></INVITATION_CREATED>
///   <CHAT_MESSAGE DATE="2025-03-14" TIME="09:27:40" DIRECTION="received">Hector: Hello</CHAT_MESSAGE>
/// </SESSION>
/// ```
///
/// `DATE` is ISO 8601 (`YYYY-MM-DD`), `TIME` the 24-hour local time (`HH:MM:SS`). The core neither reads
/// clocks nor files: the driver stamps records and writes the bytes.
public struct SessionLog: Sendable, Hashable {
    /// The format version written in `VERSION`, the only one read.
    public static let version = 1
    /// The root element's name.
    public static let rootName = "SESSION"
    /// The largest file read (a day of chat is far below it).
    public static let maximumBytes = 32 << 20

    /// Which side wrote the log.
    public var role: ConnectionRole
    /// When the session started, local time.
    public var start: SessionLogTime
    /// The local time's offset east of UTC at the start, in seconds.
    public var utcOffset: Int
    /// What happened, in order.
    public var records: [SessionLogRecord]

    /// A log of `role`'s session that started at `start`.
    public init(role: ConnectionRole, start: SessionLogTime, utcOffset: Int, records: [SessionLogRecord] = []) {
        (self.role, self.start, self.utcOffset, self.records) = (role, start, utcOffset, records)
    }

    /// `YYYYMMDDHHMMSS.xml` of the start (a writer adds `-2`, `-3` … before `.xml` when the name is taken).
    public var fileName: String { start.compactText + ".xml" }

    /// The `START` attribute: `2025-03-14T09:26:53+01:00`.
    public var startText: String { start.dateText + "T" + start.timeText + SessionLogTime.offsetText(utcOffset) }

    /// The other person: the name in the first record that names them (the session's, else the invitation
    /// the Helper opened, else a Helper who was turned away).
    public var peerName: String? {
        for kind in [SessionLogRecord.Kind.connectionEstablished, .invitationOpened, .incomingIPAddress, .connectionRefused] {
            if let name = records.first(where: { $0.kind == kind && $0[.name] != nil })?[.name] { return name }
        }
        return nil
    }

    /// Adds a record at the end.
    public mutating func append(_ record: SessionLogRecord) { records.append(record) }
}
