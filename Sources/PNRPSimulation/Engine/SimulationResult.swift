import PNRP
import PNRPInMemory

/// What a `SimulationRun` measured.
public struct SimulationResult {
    /// The scenario run.
    public var scenario: Scenario
    /// Resolutions started in the measured phase.
    public var started = 0
    /// Resolutions that returned the name's registered ID with a verified CPA.
    public var succeeded = 0
    /// Resolutions of secured names started.
    public var securedStarted = 0
    /// Resolutions of secured names that succeeded.
    public var securedSucceeded = 0
    /// Answers for a secured name whose CPA was not signed by the name's key (must stay 0).
    public var forgedAccepted = 0
    /// Accepted answers whose CPA does not name the publisher's endpoint: a replayed or misdirected
    /// answer got through (must stay 0).
    public var misdirectedAccepted = 0
    /// LOOKUP answers the attackers rewrote to steer a resolution to a colluder.
    public var steeredLookups = 0
    /// INQUIREs asking for a CPA (final INQUIREs and leaf-set validations) that attackers answered with a
    /// recorded CPA of an ID they do not hold.
    public var replayedCPAs = 0
    /// Resolutions inside a link-local cloud (scenarios with `linkLocalGroupSize`), their successes and hops.
    public var linkLocalStarted = 0, linkLocalSucceeded = 0
    /// Hop counts of the successful link-local resolutions.
    public var linkLocalHops = CountHistogram()
    /// Link-local failures by reason.
    public var linkLocalFailures: [String: Int] = [:]
    /// Resolutions of the first registered name (the victim of an eclipse run), and their successes.
    public var victimStarted = 0, victimSucceeded = 0
    /// Answers naming another registration of the name than the one targeted.
    public var otherRegistration = 0
    /// Failures by reason.
    public var failures: [String: Int] = [:]
    /// Resolutions without any answer when the run ended.
    public var unanswered = 0
    /// Registered names, published by a node that was online, that a resolution reported as registered
    /// nowhere: the cloud had stopped routing to them (each name counted once).
    public var registrationsLost = 0
    /// Pairs of neighbouring registered IDs (among honest names whose publisher is online, in ID order around
    /// the circle) where either does not hold the other in its leaf set, when measuring started: the places
    /// where the ring had not closed yet. Nil when the run had fewer than two such names.
    public var unlinkedNeighboursAfterJoin: Int?
    /// The same count when the run ended.
    public var unlinkedNeighboursAtEnd: Int?
    /// Hop counts of successful resolutions.
    public var hops = CountHistogram()
    /// Virtual time from start to answer of successful resolutions.
    public var latency = LatencyRecorder()
    /// One row per report interval, keyed by column name.
    public var rows: [[String: Double]] = []
    /// Digest of every datagram delivered, for reproducibility checks.
    public var traceHash: UInt64 = 0
    /// Cloud-wide traffic.
    public var traffic = TrafficCounters()

    /// Creates an empty result for `scenario`.
    public init(scenario: Scenario) { self.scenario = scenario }

    /// Share of started resolutions that succeeded.
    public var successRate: Double { started == 0 ? 0 : Double(succeeded) / Double(started) }
    /// Share of started secured-name resolutions that succeeded.
    public var securedSuccessRate: Double { securedStarted == 0 ? 0 : Double(securedSucceeded) / Double(securedStarted) }

    /// Column order of the time series.
    public static var columns: [String] {
        ["time_s", "alive_nodes", "resolutions_started", "resolutions_finished", "success_rate"]
            + MessageType.allCases.map { "msgs_per_node_s_\($0)" }
            + ["bytes_per_node_s", "mean_cache_entries", "estimated_cloud_size", "true_cloud_size", "registrations_lost"]
    }
}
