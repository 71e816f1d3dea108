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
    /// In a `reflect` run: what the attackers forged and what reached their victim.
    public var reflection: ReflectionFigures?
    /// INQUIREs asking for a CPA (final INQUIREs and leaf-set validations) that attackers answered with a
    /// recorded CPA of an ID they do not hold.
    public var replayedCPAs = 0
    /// Datagrams the attackers forged and put on the wire themselves (`solicit-flood`, `signature-flood`, the
    /// FLOODs of `displace` and `predict`), in datagrams and bytes.
    public var forgedDatagrams = 0, forgedBytes = 0
    /// LOOKUP answers rewritten to offer the victim's ID at the attacker (`evict`), or INQUIREs about the
    /// victim's ID answered with an attacker's CPA for it (`displace`).
    public var attackerClaims = 0
    /// In `evict`, `displace` and `eclipse` runs, when the run ended: honest online nodes whose cache holds the victim's
    /// ID at the victim's endpoint, and at an attacker's.
    public var victimCachedAtPublisher: Int?, victimCachedAtAttacker: Int?
    /// In `solicit-flood` runs: honest nodes that knew no other node when measuring started.
    public var aloneAfterJoin: Int?
    /// In `signature-flood` runs: Ed25519 signatures made and signature checks started by honest nodes during
    /// the measured phase (`NodeStatistics.signaturesMade`, `signatureChecks`).
    public var signaturesMade: Int?, signatureChecks: Int?
    /// In `predict` runs: bursts whose four validation INQUIREs reached the attacker, and those whose fourth
    /// nonce and Message ID the attacker predicted from the first three.
    public var predictionAttempts: Int?, predictionsConfirmed: Int?
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
    /// Resolutions whose publisher went offline (churn) after they started, answered or not: they are left out
    /// of `stayedOnlineSuccessRate`.
    public var publisherLeft = 0
    /// Those of them that succeeded all the same (the answer came before the publisher left).
    public var succeededAfterPublisherLeft = 0
    /// Resolutions without any answer when the run ended.
    public var unanswered = 0
    /// Registered names, published by a node that was online, that a resolution reported as registered
    /// nowhere: the cloud had stopped routing to them (each name counted once).
    public var registrationsLost = 0
    /// Of those, the names whose publisher is still online at the end and that no resolution found after the
    /// last one that reported them registered nowhere: the registrations the cloud had not found again. A
    /// name is resolved about once every 100 s in the churn scenarios, so a name lost in the last minutes may
    /// count here although the cloud already routes to it again.
    public var registrationsStillLost = 0
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
    /// One row per report interval, keyed by column name. Rows cover the measured phase only: a last
    /// interval cut short by the end of the phase gives a row at the end, its rates per second over its
    /// own length; resolutions that finish in the grace period after the end count in the summary only.
    public var rows: [[String: Double]] = []
    /// Digest of every datagram delivered, for reproducibility checks.
    public var traceHash: UInt64 = 0
    /// Cloud-wide traffic.
    public var traffic = TrafficCounters()

    /// Creates an empty result for `scenario`.
    public init(scenario: Scenario) { self.scenario = scenario }

    /// Share of started resolutions that succeeded; nil when none started (there is no rate to give).
    public var successRate: Double? { Self.rate(succeeded, of: started) }
    /// Share of the resolutions whose publisher stayed online while they ran that succeeded; nil when there
    /// were none. Without churn it is `successRate`.
    public var stayedOnlineSuccessRate: Double? { Self.rate(succeeded - succeededAfterPublisherLeft, of: started - publisherLeft) }
    /// Share of started secured-name resolutions that succeeded; nil when none started.
    public var securedSuccessRate: Double? { Self.rate(securedSucceeded, of: securedStarted) }
    /// Share of link-local resolutions that succeeded; nil when none started.
    public var linkLocalSuccessRate: Double? { Self.rate(linkLocalSucceeded, of: linkLocalStarted) }
    /// Share of the resolutions of the first registered name that succeeded; nil when none started.
    public var firstNameSuccessRate: Double? { Self.rate(victimSucceeded, of: victimStarted) }

    /// `part / whole`, or nil when `whole` is 0.
    static func rate(_ part: Int, of whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }

    /// The pictures of a report, in the order `plots()` returns them.
    public static let plotFileNames = ["hops.svg", "latency-cdf.svg", "success.svg", "traffic.svg"]

    /// Column order of the time series.
    public static var columns: [String] {
        ["time_s", "alive_nodes", "resolutions_started", "resolutions_finished", "success_rate"]
            + MessageType.allCases.map { "msgs_per_node_s_\($0)" }
            + ["bytes_per_node_s", "mean_cache_entries", "estimated_cloud_size", "estimates_within_1_5x", "estimates_in_likely_range", "true_cloud_size", "registrations_lost"]
    }
}

/// The figures of a reflection (`AttackBehaviour.reflect`): bytes forged with the victim's source address, and
/// bytes the cloud sent the victim because of them.
public struct ReflectionFigures: Sendable, Equatable {
    /// Forged INQUIREs, in bytes and datagrams.
    public var forgedBytes: Int, forgedDatagrams: Int
    /// What reached the victim, in bytes and datagrams.
    public var victimBytes: Int, victimDatagrams: Int
    /// Bytes that reached the victim per byte forged.
    public var amplification: Double? { forgedBytes > 0 ? Double(victimBytes) / Double(forgedBytes) : nil }
}
