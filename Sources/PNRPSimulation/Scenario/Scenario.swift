import PNRP
import PNRPInMemory

/// A simulation experiment as a scenario file describes it (`Simulations/SCHEMA.md`).
public struct Scenario: Sendable, Equatable {
    /// Short name, used for output files.
    public var name: String
    /// What the scenario shows, for the reader of its report.
    public var description: String
    /// Seeds every random choice of the run.
    public var seed: UInt64
    /// Nodes in the cloud.
    public var nodes: Int
    /// How the cloud forms.
    public var join: JoinPlan
    /// Virtual time measured after the cloud formed.
    public var duration: NodeDuration
    /// Latency, loss and reachability.
    public var network: NetworkPlan
    /// Nodes leaving and coming back.
    public var churn: ChurnPlan
    /// Registrations and resolutions.
    public var workload: WorkloadPlan
    /// Misbehaving nodes.
    public var attackers: AttackPlan
    /// Output settings.
    public var report: ReportPlan
    /// Protocol choices every node makes the same way.
    public var protocolChoices: ProtocolPlan

    /// Builds a scenario.
    public init(name: String, description: String = "", seed: UInt64 = 1, nodes: Int, join: JoinPlan = JoinPlan(), duration: NodeDuration = .minutes(5), network: NetworkPlan = NetworkPlan(), churn: ChurnPlan = ChurnPlan(), workload: WorkloadPlan = WorkloadPlan(), attackers: AttackPlan = AttackPlan(), report: ReportPlan = ReportPlan(), protocolChoices: ProtocolPlan = ProtocolPlan()) {
        self.name = name
        self.description = description
        self.seed = seed
        self.nodes = nodes
        self.join = join
        self.duration = duration
        self.network = network
        self.churn = churn
        self.workload = workload
        self.attackers = attackers
        self.report = report
        self.protocolChoices = protocolChoices
    }
}

/// Node settings a scenario may change, taken as they are by every node (`NodeConfiguration`).
public struct ProtocolPlan: Sendable, Equatable {
    /// Whether leaf-set validation INQUIREs carry a fresh nonce (`NodeConfiguration.leafSetValidationNonce`).
    public var leafSetValidationNonce: Bool

    /// Defaults: those of `NodeConfiguration`.
    public init(leafSetValidationNonce: Bool = NodeConfiguration().leafSetValidationNonce) {
        self.leafSetValidationNonce = leafSetValidationNonce
    }
}

/// How nodes join: one every `interval`, each through the synchronisation conversation with a random
/// earlier node, then the cloud runs for `settle` before measuring starts.
public struct JoinPlan: Sendable, Equatable {
    /// Virtual time between two joins.
    public var interval: NodeDuration
    /// Virtual time after the last join before the measured phase.
    public var settle: NodeDuration

    /// Defaults: a join every 200 ms, 2 minutes to settle.
    public init(interval: NodeDuration = .milliseconds(200), settle: NodeDuration = .minutes(2)) {
        self.interval = interval
        self.settle = settle
    }
}

/// One-way latency of a datagram.
public enum LatencyModel: Sendable, Equatable {
    /// Every datagram takes the same time.
    case constant(NodeDuration)
    /// Uniform between the bounds.
    case uniform(min: NodeDuration, max: NodeDuration)
    /// Each node gets a random point in the unit square; latency is `base` plus `scale` times the
    /// Euclidean distance, plus a uniform jitter in 0...`jitter`.
    case coordinates(base: NodeDuration, scale: NodeDuration, jitter: NodeDuration)
}

/// The network between the nodes.
public struct NetworkPlan: Sendable, Equatable {
    /// Latency of each datagram.
    public var latency: LatencyModel
    /// Probability that a datagram is lost, 0...1.
    public var loss: Double
    /// Share of nodes behind NAT, 0...1: they receive only what their NAT lets in (`natKinds`).
    public var natFraction: Double
    /// How the NATs of those nodes behave, as relative weights of the four kinds (default: a quarter each).
    public var natKinds: NATMix
    /// Whether nodes run the NAT traversal extension (reachability checks, relays) when some are behind NAT.
    public var natTraversal: Bool
    /// Relay endpoints each reachable node offers (with `natTraversal`).
    public var relaySlots: Int
    /// Nodes sharing a link are grouped this many to a link for link-local clouds (0: none).
    public var linkLocalGroupSize: Int
    /// Whether every node endpoint sits behind the anti-abuse guard of real sockets (`SourceGuard`: a rate
    /// limit per source, no amplification towards unvalidated sources). Off by default: memory per node.
    public var sourceGuard = false

    /// Defaults: 1–20 ms uniform latency, no loss, no NAT, no link-local groups.
    public init(latency: LatencyModel = .uniform(min: .milliseconds(1), max: .milliseconds(20)), loss: Double = 0, natFraction: Double = 0, linkLocalGroupSize: Int = 0) {
        self.latency = latency
        self.loss = loss
        self.natFraction = natFraction
        self.linkLocalGroupSize = linkLocalGroupSize
        self.natKinds = NATMix()
        self.natTraversal = true
        self.relaySlots = 8
    }

    /// True when the nodes of this network run NAT traversal.
    public var runsNATTraversal: Bool { natTraversal && natFraction > 0 }
}

/// Relative weights of the NAT kinds (`NATKind`) among nodes behind NAT.
public struct NATMix: Sendable, Equatable {
    /// Weight of each kind, in `NATKind.allCases` order; not all zero.
    public var weights: [NATKind: Double]

    /// A quarter of each kind by default.
    public init(weights: [NATKind: Double] = [.fullCone: 1, .addressRestricted: 1, .portRestricted: 1, .symmetric: 1]) {
        self.weights = weights
    }

    /// The kind for a uniform draw `u` in 0..<1.
    public func pick(_ u: Double) -> NATKind {
        let total = NATKind.allCases.reduce(0) { $0 + (weights[$1] ?? 0) }
        var x = u * total
        for kind in NATKind.allCases {
            let w = weights[kind] ?? 0
            if x < w { return kind }
            x -= w
        }
        return NATKind.allCases.last { (weights[$0] ?? 0) > 0 } ?? .portRestricted
    }
}

/// A distribution of durations (sessions, downtimes).
public enum DurationDistribution: Sendable, Equatable {
    /// Always the same value.
    case constant(NodeDuration)
    /// Exponential with the given mean.
    case exponential(mean: NodeDuration)
    /// Pareto (type I) with the given shape α > 0 and scale (minimum) xₘ.
    case pareto(shape: Double, scale: NodeDuration)
    /// Weibull with the given shape k > 0 and scale λ.
    case weibull(shape: Double, scale: NodeDuration)
}

/// Churn: each node alternates sessions (online) and downtimes (offline), each drawn from its
/// distribution. A node going offline just stops (a crash: no revocation); one coming back keeps its
/// cache and rejoins.
public struct ChurnPlan: Sendable, Equatable {
    /// Session lengths; nil means no churn.
    public var session: DurationDistribution?
    /// Downtime lengths (required when `session` is set).
    public var downtime: DurationDistribution?

    /// No churn by default.
    public init(session: DurationDistribution? = nil, downtime: DurationDistribution? = nil) {
        self.session = session
        self.downtime = downtime
    }
}

/// What the applications do.
public struct WorkloadPlan: Sendable, Equatable {
    /// Resolutions started per second of virtual time in the whole cloud (Poisson arrivals), each from a
    /// random online node for a random registered name.
    public var resolutionsPerSecond: Double
    /// Share of registered names that are secured, 0...1.
    public var securedFraction: Double
    /// When set, exactly this many resolutions are due during the measured phase, at random times spread
    /// uniformly over it (a Poisson process conditioned on its count); `resolutionsPerSecond` is ignored.
    /// Each starts unless no online publisher or resolver is found (possible only under churn).
    public var resolutions: Int?

    /// Defaults: 10 resolutions per second, half the names secured.
    public init(resolutionsPerSecond: Double = 10, securedFraction: Double = 0.5, resolutions: Int? = nil) {
        self.resolutionsPerSecond = resolutionsPerSecond
        self.securedFraction = securedFraction
        self.resolutions = resolutions
    }
}

/// What attacking nodes do.
public enum AttackBehaviour: String, Sendable, Equatable, CaseIterable {
    /// Drop every datagram they receive.
    case drop
    /// Register forged copies of other nodes' secured names (signed with their own key).
    case forge
    /// Answer every LOOKUP with a route entry claiming the exact target at another attacker
    /// (`SteeringAttackers`).
    case steer
    /// Steer like `steer`, claiming the real ID of a registration of the target's name whose CPA the
    /// colluders recorded, and answer INQUIREs about IDs the attacker does not hold with that CPA (a replay).
    case stale
    /// Surround one victim (the first node): up to `EclipseAttack.maximumColluders` attackers register
    /// unsecured names whose IDs they chose, by trying classifiers, to lie next to the victim's, so that
    /// they fill its neighbours' leaf sets; all attackers then steer like `steer`. Half the
    /// resolutions target the victim.
    case eclipse
    /// Forge INQUIREs asking publishers for their CPA, with the source address of a victim outside the cloud
    /// (`ReflectionAttack`): a reflection whose amplification `network.sourceGuard` bounds. The attackers'
    /// nodes are otherwise honest.
    case reflect
    /// Eviction by lying (`EvictionLiars`): every LOOKUP an attacker answers offers the first registered
    /// name's ID at the attacker's own endpoint, which the attacker then says it does not hold. Half the
    /// resolutions target that name.
    case evict
    /// ID displacement (`IDDisplacement`): the first registered name is unsecured; the attackers FLOOD its
    /// nearest neighbours with its ID at their own endpoints and answer INQUIREs about it with CPAs signed
    /// with their own keys. Half the resolutions target that name.
    case displace
    /// Join flooding (`SolicitFlood`): nodes join through the first `SolicitFlood.seedCount` nodes, and each
    /// attacker sends them 20 SOLICITs a second with fresh nonces from spoofed sources, from the first join on.
    case solicitFlood = "solicit-flood"
    /// CPU by spoofed datagrams (`SignatureFlood`): each attacker sends the publishers of the first two names
    /// 500 datagrams a second from spoofed sources, INQUIREs with nonces and FLOODs carrying a revocation for
    /// an ID the receiver does not cache; the report counts the honest nodes' signatures and signature checks.
    /// Half the resolutions target the first name.
    case signatureFlood = "signature-flood"
    /// Predicting nonces (`NoncePrediction`): each attacker, every 20 s, makes one publisher validate four
    /// FLOODed IDs next to its own and tries to predict the fourth INQUIRE's nonce and Message ID from the first
    /// three. Shows something only with `protocol.leafSetValidationNonce` (otherwise those INQUIREs carry no
    /// nonce).
    case predict

    /// Whether half the resolutions target the first registered name (the victim).
    public var targetsFirstName: Bool { [.eclipse, .evict, .displace, .signatureFlood].contains(self) }
}

/// Misbehaving nodes.
public struct AttackPlan: Sendable, Equatable {
    /// Share of nodes that attack, 0...1.
    public var fraction: Double
    /// What they do.
    public var behaviour: AttackBehaviour

    /// No attackers by default.
    public init(fraction: Double = 0, behaviour: AttackBehaviour = .drop) {
        self.fraction = fraction
        self.behaviour = behaviour
    }
}

/// Output settings.
public struct ReportPlan: Sendable, Equatable {
    /// Time between two rows of the time series.
    public var interval: NodeDuration

    /// Default: one row a minute.
    public init(interval: NodeDuration = .minutes(1)) { self.interval = interval }
}
