/// What `status` reports about a running `pnrp node`.
public struct DaemonStatus: Sendable, Hashable, Codable {
    /// Traffic counters of the whole host.
    public struct Traffic: Sendable, Hashable, Codable {
        /// Datagrams and bytes through the sockets, SSDP included.
        public var datagramsIn: Int, datagramsOut: Int, bytesIn: Int, bytesOut: Int
        /// Datagrams dropped for exceeding a source's rate.
        public var rateLimited: Int
        /// Replies dropped by the anti-amplification guard.
        public var amplificationDropped: Int
        /// Socket errors seen.
        public var socketErrors: Int
        /// Datagrams that failed to decode, all clouds together.
        public var malformed: Int
        /// Retransmissions, all clouds together.
        public var retransmissions: Int
        /// Requests that got no answer after their last retransmission, all clouds together.
        public var timeouts: Int
        /// CPAs that failed validation, all clouds together.
        public var cpaRejected: Int

        /// Builds the value.
        public init(
            datagramsIn: Int, datagramsOut: Int, bytesIn: Int, bytesOut: Int, rateLimited: Int, amplificationDropped: Int, socketErrors: Int,
            malformed: Int, retransmissions: Int, timeouts: Int, cpaRejected: Int
        ) {
            (self.datagramsIn, self.datagramsOut, self.bytesIn, self.bytesOut) = (datagramsIn, datagramsOut, bytesIn, bytesOut)
            (self.rateLimited, self.amplificationDropped, self.socketErrors) = (rateLimited, amplificationDropped, socketErrors)
            (self.malformed, self.retransmissions, self.timeouts, self.cpaRejected) = (malformed, retransmissions, timeouts, cpaRejected)
        }
    }

    /// The daemon's process id.
    public var pid: Int32
    /// The state directory it uses.
    public var stateDirectory: String
    /// The authority of its secured names (SHA-1 of its public key, 40 hex digits).
    public var authority: String
    /// Seconds since it started.
    public var uptimeSeconds: Double
    /// Names registered through the control socket.
    public var registrations: [String]
    /// The open clouds.
    public var clouds: [CloudStatus]
    /// Traffic counters.
    public var traffic: Traffic
    /// Seeds of the global cloud that cannot help (other address family, or no answer), one sentence
    /// each; absent from older nodes' answers, and when every seed answered.
    public var seedProblems: [String]?
    /// The stream relay (`docs/deviations.md`, X6): its TCP endpoint, live tokens, waiting connections, pairs
    /// spliced now and since start, bytes relayed; absent when the node runs none.
    public var streamRelay: StreamRelayCounters?

    /// Builds the value.
    public init(
        pid: Int32, stateDirectory: String, authority: String, uptimeSeconds: Double, registrations: [String], clouds: [CloudStatus], traffic: Traffic,
        seedProblems: [String]? = nil, streamRelay: StreamRelayCounters? = nil
    ) {
        (self.pid, self.stateDirectory, self.authority, self.uptimeSeconds) = (pid, stateDirectory, authority, uptimeSeconds)
        (self.registrations, self.clouds, self.traffic, self.seedProblems) = (registrations, clouds, traffic, seedProblems)
        self.streamRelay = streamRelay
    }
}
