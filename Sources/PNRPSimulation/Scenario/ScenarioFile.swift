import Foundation
import PNRP
import PNRPInMemory
import Yams

// Scenario files: YAML documents in the schema of `Simulations/SCHEMA.md`, read node by node so that
// every error names its line, column and key path. Unknown keys are errors. Reading goes on after a
// problem, with the default in place of the bad value, so that one pass finds every problem of a file.

extension Scenario {
    /// Reads a scenario from the YAML `text`; `file` names it in error messages. Throws the first
    /// problem in document order; `problems(yaml:file:)` lists them all.
    public init(yaml text: String, file: String = "<input>") throws(ScenarioError) {
        let (scenario, problems) = Self.read(yaml: text, file: file)
        if let first = problems.first { throw first }
        self = scenario
    }

    /// Every problem of the scenario in `text`, in document order (then the checks that relate two
    /// keys); empty when the text is a valid scenario file.
    public static func problems(yaml text: String, file: String = "<input>") -> [ScenarioError] {
        read(yaml: text, file: file).1
    }

    /// Every problem of the scenario file at `path` (one `unreadableFile` when it cannot be read).
    public static func problems(path: String) -> [ScenarioError] {
        do {
            return problems(yaml: try text(path: path), file: path)
        } catch {
            return [error]
        }
    }

    /// Reads the scenario file at `path`, throwing its first problem.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        try Scenario(yaml: try text(path: path), file: path)
    }

    /// Reads the scenario file at `path`: the scenario, or every problem it has.
    public static func loadReportingAll(path: String) -> Result<Scenario, ScenarioProblems> {
        let text: String
        do { text = try Self.text(path: path) } catch { return .failure(ScenarioProblems(problems: [error])) }
        let (scenario, problems) = read(yaml: text, file: path)
        return problems.isEmpty ? .success(scenario) : .failure(ScenarioProblems(problems: problems))
    }

    /// The text of the file at `path`.
    static func text(path: String) throws(ScenarioError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "permission denied or read error")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// The scenario in `text` (defaults in place of bad values) and its problems.
    static func read(yaml text: String, file: String) -> (Scenario, [ScenarioError]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (Scenario(name: "", nodes: 0), [ScenarioFileReader.syntaxError(error, text: text, file: file)])
        } catch {
            return (Scenario(name: "", nodes: 0), [.syntax(.init(file: file, line: 1, column: 1), problem: "\(error)")])
        }
        guard let root else {
            return (Scenario(name: "", nodes: 0), [.wrongType(.init(file: file, line: 1, column: 1), path: "",
                                                              expected: "a mapping of scenario settings (at least name and nodes)", found: "an empty document")])
        }
        let reader = ScenarioFileReader(file: file)
        let scenario = reader.scenario(root)
        return (scenario, reader.problems.list)
    }

    /// Checks this scenario against the rules a scenario file must follow (ranges, required churn
    /// downtime, `min <= max`...), as if it had been read from `yaml()`.
    public func validate() throws(ScenarioError) {
        _ = try Scenario(yaml: yaml(), file: "<scenario \(name)>")
    }

    /// The rules that relate several keys, checked on this scenario: each broken rule as the key path it
    /// is reported on, what was expected and what was found. `pnrp-sim run` uses it after its options
    /// changed `nodes` or `duration`; scenario files get the same checks with their locations.
    public func crossKeyProblems() -> [(path: String, expected: String, found: String)] {
        var out: [(path: String, expected: String, found: String)] = []
        let joinPhase = Double(join.interval.nanoseconds) * Double(Swift.max(nodes - 1, 0))
        if joinPhase > Double(ScenarioLimits.longestJoinPhase.nanoseconds) {
            let most = NodeDuration(nanoseconds: ScenarioLimits.longestJoinPhase.nanoseconds / UInt64(Swift.max(nodes - 1, 1)))
            out.append(("join.interval",
                        "a duration of at most \(DurationText.format(most)) with \(nodes) nodes (the joins may last \(DurationText.format(ScenarioLimits.longestJoinPhase)) in all)",
                        DurationText.format(join.interval)))
        }
        if workload.resolutions == nil {
            let asked = workload.resolutionsPerSecond * Double(duration.nanoseconds) / 1e9
            if asked > Double(ScenarioLimits.resolutions.upperBound) {
                let most = Double(ScenarioLimits.resolutions.upperBound) / (Double(duration.nanoseconds) / 1e9)
                out.append(("workload.resolutionsPerSecond",
                            "at most \(NumberText.decimal(most, significantDigits: 6) ?? "0") with duration \(DurationText.format(duration)) (\(ScenarioLimits.resolutions.upperBound) resolutions in all)",
                            NumberText.decimal(workload.resolutionsPerSecond, significantDigits: 6) ?? "\(workload.resolutionsPerSecond)"))
            }
        }
        if report.interval > .zero, duration.nanoseconds / report.interval.nanoseconds > UInt64(ScenarioLimits.maximumReportRows) {
            let least = NodeDuration(nanoseconds: (duration.nanoseconds + UInt64(ScenarioLimits.maximumReportRows) - 1) / UInt64(ScenarioLimits.maximumReportRows))
            out.append(("report.interval",
                        "a duration of at least \(DurationText.format(least)) with duration \(DurationText.format(duration)) (at most \(ScenarioLimits.maximumReportRows) rows)",
                        DurationText.format(report.interval)))
        }
        return out
    }
}

/// Every problem found in a scenario file.
public struct ScenarioProblems: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problems, in document order.
    public var problems: [ScenarioError]

    /// One diagnostic a line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// The problems found so far in one file (shared by the copies of the reader).
final class ScenarioProblemList {
    var list: [ScenarioError] = []
}

// MARK: - Reading

/// Reads the node tree of one scenario file, recording every problem and going on with defaults.
struct ScenarioFileReader {
    let file: String
    let problems = ScenarioProblemList()

    static let rootKeys = ["name", "description", "seed", "nodes", "duration", "join", "network", "churn", "workload", "attackers", "report", "protocol"]
    static let protocolKeys = ["leafSetValidationNonce"]
    static let joinKeys = ["interval", "settle"]
    static let networkKeys = ["latency", "loss", "nat", "natKinds", "natTraversal", "relaySlots", "linkLocalGroupSize", "sourceGuard"]
    static let latencyModels = ["constant", "uniform", "coordinates"]
    static let churnModels = ["none", "alternating"]
    static let distributionModels = ["constant", "exponential", "pareto", "weibull"]
    static let workloadKeys = ["resolutionsPerSecond", "resolutions", "securedFraction"]
    static let attackerKeys = ["fraction", "behaviour"]
    static let reportKeys = ["interval"]
    static let maximumNodes = ScenarioLimits.nodes.upperBound

    func location(_ node: Node) -> ScenarioError.Location {
        let mark = node.mark
        return .init(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// Runs `body`; a problem it throws is recorded and nil returned.
    func attempt<T>(_ body: () throws(ScenarioError) -> T) -> T? {
        do {
            return try body()
        } catch {
            problems.list.append(error)
            return nil
        }
    }

    func scenario(_ root: Node) -> Scenario {
        var s = Scenario(name: "", nodes: 0)
        guard let top = attempt({ () throws(ScenarioError) in try section(root, path: "", namedAt: location(root)) }) else { return s }
        top.check(allowed: Self.rootKeys)
        if let name = attempt({ () throws(ScenarioError) in try name(top.required("name")) }) { s.name = name }
        if let node = top["description"], let d = attempt({ () throws(ScenarioError) in try text(node, path: "description") }) { s.description = d }
        if let node = top["seed"], let seed = attempt({ () throws(ScenarioError) in try seed(node) }) { s.seed = seed }
        let nodes = attempt { () throws(ScenarioError) in
            try integer(top.required("nodes"), path: "nodes", in: ScenarioLimits.nodes, expected: ScenarioLimits.words(ScenarioLimits.nodes))
        }
        if let nodes { s.nodes = nodes }
        var durationRead = true
        if let node = top["duration"] {
            if let d = attempt({ () throws(ScenarioError) in try duration(node, path: "duration", in: ScenarioLimits.duration) }) { s.duration = d } else { durationRead = false }
        }
        var joinRead = true, workloadRead = true, reportRead = true
        if let entry = top.entry("join") { (s.join, joinRead) = join(entry) }
        if let entry = top.entry("network") { s.network = network(entry) }
        if let entry = top.entry("churn") { s.churn = churn(entry) }
        if let entry = top.entry("workload") { (s.workload, workloadRead) = workload(entry) }
        if let entry = top.entry("attackers") { s.attackers = attackers(entry) }
        if let entry = top.entry("report"), let r = attempt({ () throws(ScenarioError) in try section(entry) }) {
            r.check(allowed: Self.reportKeys)
            if let node = r["interval"] {
                if let d = attempt({ () throws(ScenarioError) in try duration(node, path: r.path("interval"), in: ScenarioLimits.reportInterval) }) {
                    s.report.interval = d
                } else {
                    reportRead = false
                }
            }
        }
        if let entry = top.entry("protocol"), let p = attempt({ () throws(ScenarioError) in try section(entry) }) {
            p.check(allowed: Self.protocolKeys)
            if let node = p["leafSetValidationNonce"],
               let b = attempt({ () throws(ScenarioError) in try boolean(node, path: p.path("leafSetValidationNonce")) }) {
                s.protocolChoices.leafSetValidationNonce = b
            }
        }
        // Rules relating several keys, checked only when every key they relate was read.
        let read: [String: Bool] = [
            "join.interval": nodes != nil && joinRead,
            "workload.resolutionsPerSecond": durationRead && workloadRead,
            "report.interval": durationRead && reportRead,
        ]
        for problem in s.crossKeyProblems() where read[problem.path] == true {
            problems.list.append(.outOfRange(crossKeyLocation(top, path: problem.path), path: problem.path, expected: problem.expected, found: problem.found))
        }
        return s
    }

    /// Where a rule relating several keys is reported: at the value of `path`, else at its section's
    /// name, else at the top of the file.
    func crossKeyLocation(_ top: Section, path: String) -> ScenarioError.Location {
        let parts = path.split(separator: ".").map(String.init)
        guard let sectionKey = parts.first, let entry = top.entry(sectionKey) else { return top.namedAt }
        if case .mapping(let mapping) = entry.value, parts.count > 1 {
            for (key, value) in mapping where key.scalar?.string == parts[1] { return location(value) }
        }
        return location(entry.key)
    }

    /// The join plan, and whether it was read without a problem.
    func join(_ entry: Section.Entry) -> (JoinPlan, Bool) {
        var plan = JoinPlan()
        guard let j = attempt({ () throws(ScenarioError) in try section(entry) }) else { return (plan, false) }
        j.check(allowed: Self.joinKeys)
        var ok = true
        if let node = j["interval"] {
            if let d = attempt({ () throws(ScenarioError) in try duration(node, path: j.path("interval"), in: ScenarioLimits.joinInterval) }) { plan.interval = d } else { ok = false }
        }
        if let node = j["settle"], let d = attempt({ () throws(ScenarioError) in try duration(node, path: j.path("settle"), in: ScenarioLimits.settle) }) {
            plan.settle = d
        }
        return (plan, ok)
    }

    func network(_ entry: Section.Entry) -> NetworkPlan {
        var plan = NetworkPlan()
        guard let n = attempt({ () throws(ScenarioError) in try section(entry) }) else { return plan }
        n.check(allowed: Self.networkKeys)
        if let latency = n.entry("latency"), let l = self.latency(latency) { plan.latency = l }
        if let node = n["loss"], let loss = attempt({ () throws(ScenarioError) in
            try number(node, path: n.path("loss"), expected: "a number from 0 up to (not including) 1") { $0 >= 0 && $0 < 1 }
        }) {
            plan.loss = loss
        }
        if let node = n["nat"], let nat = attempt({ () throws(ScenarioError) in
            try number(node, path: n.path("nat"), expected: "a number from 0 to 1") { $0 >= 0 && $0 <= 1 }
        }) {
            plan.natFraction = nat
        }
        if let entry = n.entry("natKinds"), let kinds = attempt({ () throws(ScenarioError) in try section(entry) }) {
            kinds.check(allowed: NATKind.allCases.map(\.rawValue))
            var weights: [NATKind: Double] = [:]
            for kind in NATKind.allCases {
                guard let node = kinds[kind.rawValue] else { continue }
                if let w = attempt({ () throws(ScenarioError) in
                    try number(node, path: kinds.path(kind.rawValue), expected: "a weight from 0 to 1000") { $0 >= 0 && $0 <= 1000 }
                }) {
                    weights[kind] = w
                }
            }
            if weights.values.reduce(0, +) > 0 {
                plan.natKinds = NATMix(weights: weights)
            } else if !kinds.entries.isEmpty {
                problems.list.append(.outOfRange(location(entry.key), path: entry.path, expected: "at least one kind with a weight above 0", found: "none"))
            }
        }
        if let node = n["natTraversal"], let b = attempt({ () throws(ScenarioError) in try boolean(node, path: n.path("natTraversal")) }) {
            plan.natTraversal = b
        }
        if let node = n["sourceGuard"], let b = attempt({ () throws(ScenarioError) in try boolean(node, path: n.path("sourceGuard")) }) {
            plan.sourceGuard = b
        }
        if let node = n["relaySlots"], let slots = attempt({ () throws(ScenarioError) in
            try integer(node, path: n.path("relaySlots"), in: 0...NodeConfiguration.maximumRelayEndpoints, expected: "a whole number from 0 to \(NodeConfiguration.maximumRelayEndpoints)")
        }) {
            plan.relaySlots = slots
        }
        if let node = n["linkLocalGroupSize"] {
            let expected = "0 (no groups) or a whole number from 2 to \(ScenarioLimits.linkLocalGroupSize.upperBound)"
            let size = attempt { () throws(ScenarioError) in
                let size = try integer(node, path: n.path("linkLocalGroupSize"), in: 0...ScenarioLimits.linkLocalGroupSize.upperBound, expected: expected)
                guard size != 1 else { throw .outOfRange(location(node), path: n.path("linkLocalGroupSize"), expected: expected, found: "1") }
                return size
            }
            if let size { plan.linkLocalGroupSize = size }
        }
        return plan
    }

    /// The latency model; nil (after recording the problems) when it could not be read.
    func latency(_ entry: Section.Entry) -> LatencyModel? {
        guard let l = attempt({ () throws(ScenarioError) in try section(entry) }) else { return nil }
        guard let model = attempt({ () throws(ScenarioError) in try choice(l.required("model"), path: l.path("model"), allowed: Self.latencyModels) }) else {
            // Without a model the other keys cannot be judged; report only the model.
            return nil
        }
        let range = ScenarioLimits.latency
        func value(_ key: String) -> NodeDuration? {
            attempt { () throws(ScenarioError) in try duration(l.required(key), path: l.path(key), in: range) }
        }
        switch model {
        case "constant":
            l.check(allowed: ["model", "value"])
            return value("value").map { .constant($0) }
        case "uniform":
            l.check(allowed: ["model", "min", "max"])
            let low = value("min"), high = value("max")
            guard let low, let high else { return nil }
            if low > high, let maxNode = l["max"] {
                problems.list.append(.outOfRange(location(maxNode), path: l.path("max"),
                                                 expected: "a duration no shorter than min (\(l["min"]?.scalar?.string ?? ""))", found: maxNode.scalar?.string ?? ""))
                return nil
            }
            return .uniform(min: low, max: high)
        default:
            l.check(allowed: ["model", "base", "scale", "jitter"])
            let base = value("base"), scale = value("scale"), jitter = value("jitter")
            guard let base, let scale, let jitter else { return nil }
            return .coordinates(base: base, scale: scale, jitter: jitter)
        }
    }

    func churn(_ entry: Section.Entry) -> ChurnPlan {
        guard let c = attempt({ () throws(ScenarioError) in try section(entry) }) else { return ChurnPlan() }
        let model: String
        if let node = c["model"] {
            guard let m = attempt({ () throws(ScenarioError) in try choice(node, path: c.path("model"), allowed: Self.churnModels) }) else { return ChurnPlan() }
            model = m
        } else {
            model = c.entry("session") == nil && c.entry("downtime") == nil ? "none" : "alternating"
        }
        if model == "none" {
            c.check(allowed: ["model"])
            return ChurnPlan()
        }
        c.check(allowed: ["model", "session", "downtime"])
        var session: DurationDistribution?, downtime: DurationDistribution?
        if let entry = c.entry("session") { session = distribution(entry) } else { problems.list.append(.missingKey(c.namedAt, path: c.path("session"))) }
        if let entry = c.entry("downtime") { downtime = distribution(entry) } else { problems.list.append(.missingKey(c.namedAt, path: c.path("downtime"))) }
        guard let session, let downtime else { return ChurnPlan() }
        return ChurnPlan(session: session, downtime: downtime)
    }

    /// A distribution of churn durations; nil (after recording the problems) when it could not be read.
    func distribution(_ entry: Section.Entry) -> DurationDistribution? {
        guard let d = attempt({ () throws(ScenarioError) in try section(entry) }) else { return nil }
        guard let model = attempt({ () throws(ScenarioError) in try choice(d.required("model"), path: d.path("model"), allowed: Self.distributionModels) }) else {
            return nil
        }
        func value(_ key: String) -> NodeDuration? {
            attempt { () throws(ScenarioError) in try duration(d.required(key), path: d.path(key), in: ScenarioLimits.churnDuration) }
        }
        switch model {
        case "constant":
            d.check(allowed: ["model", "value"])
            return value("value").map { .constant($0) }
        case "exponential":
            d.check(allowed: ["model", "mean"])
            return value("mean").map { .exponential(mean: $0) }
        default:
            d.check(allowed: ["model", "shape", "scale"])
            let shape = attempt { () throws(ScenarioError) in
                try number(d.required("shape"), path: d.path("shape"), expected: ScenarioLimits.words(ScenarioLimits.shape)) { ScenarioLimits.shape.contains($0) }
            }
            let scale = value("scale")
            guard let shape, let scale else { return nil }
            return model == "pareto" ? .pareto(shape: shape, scale: scale) : .weibull(shape: shape, scale: scale)
        }
    }

    /// The workload, and whether it was read without a problem.
    func workload(_ entry: Section.Entry) -> (WorkloadPlan, Bool) {
        var plan = WorkloadPlan()
        guard let w = attempt({ () throws(ScenarioError) in try section(entry) }) else { return (plan, false) }
        w.check(allowed: Self.workloadKeys)
        var ok = true
        if let node = w["resolutionsPerSecond"] {
            let range = ScenarioLimits.resolutionsPerSecond
            if let rate = attempt({ () throws(ScenarioError) in
                try number(node, path: w.path("resolutionsPerSecond"), expected: ScenarioLimits.words(range)) { range.contains($0) }
            }) {
                plan.resolutionsPerSecond = rate
            } else {
                ok = false
            }
        }
        if let node = w["securedFraction"], let fraction = attempt({ () throws(ScenarioError) in
            try number(node, path: w.path("securedFraction"), expected: "a number from 0 to 1") { $0 >= 0 && $0 <= 1 }
        }) {
            plan.securedFraction = fraction
        }
        if let node = w["resolutions"] {
            if let count = attempt({ () throws(ScenarioError) in
                try integer(node, path: w.path("resolutions"), in: ScenarioLimits.resolutions, expected: "a whole number of resolutions from 0 to 100,000,000")
            }) {
                plan.resolutions = count
            } else {
                ok = false
            }
        }
        return (plan, ok)
    }

    func attackers(_ entry: Section.Entry) -> AttackPlan {
        var plan = AttackPlan()
        guard let a = attempt({ () throws(ScenarioError) in try section(entry) }) else { return plan }
        a.check(allowed: Self.attackerKeys)
        if let node = a["fraction"], let fraction = attempt({ () throws(ScenarioError) in
            try number(node, path: a.path("fraction"), expected: "a number from 0 up to (not including) 1") { $0 >= 0 && $0 < 1 }
        }) {
            plan.fraction = fraction
        }
        if let node = a["behaviour"] {
            let allowed = AttackBehaviour.allCases.map(\.rawValue)
            if let word = attempt({ () throws(ScenarioError) in try choice(node, path: a.path("behaviour"), allowed: allowed) }) {
                plan.behaviour = AttackBehaviour(rawValue: word) ?? .drop
            }
        }
        return plan
    }

    // MARK: Sections

    /// One mapping of the file, with its keys in document order.
    struct Section {
        /// A key and its value.
        struct Entry {
            let path: String
            let key: Node
            let value: Node
        }

        let reader: ScenarioFileReader
        /// Key path of the mapping ("" for the document).
        let prefix: String
        /// Where the mapping is named (its key), for missing keys.
        let namedAt: ScenarioError.Location
        let entries: [(name: String, key: Node, value: Node)]

        func path(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

        subscript(key: String) -> Node? { entries.first { $0.name == key }?.value }

        func entry(_ key: String) -> Entry? {
            entries.first { $0.name == key }.map { Entry(path: path(key), key: $0.key, value: $0.value) }
        }

        func required(_ key: String) throws(ScenarioError) -> Node {
            guard let node = self[key] else { throw .missingKey(namedAt, path: path(key)) }
            return node
        }

        /// Records every key (in document order) that is not in `allowed`.
        func check(allowed: [String]) {
            for entry in entries where !allowed.contains(entry.name) {
                reader.problems.list.append(.unknownKey(reader.location(entry.key), path: path(entry.name), allowed: allowed,
                                                        suggestion: ScenarioKeySuggestion.closest(to: entry.name, in: allowed)))
            }
        }
    }

    func section(_ entry: Section.Entry) throws(ScenarioError) -> Section {
        try section(entry.value, path: entry.path, namedAt: location(entry.key))
    }

    func section(_ node: Node, path: String, namedAt: ScenarioError.Location) throws(ScenarioError) -> Section {
        switch node {
        case .mapping(let mapping):
            var entries: [(name: String, key: Node, value: Node)] = []
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    throw .wrongType(location(key), path: path, expected: "a key name", found: found(key))
                }
                entries.append((scalar.string, key, value))
            }
            return Section(reader: self, prefix: path, namedAt: namedAt, entries: entries)
        case .scalar where Self.isNull(node):
            // `network:` with nothing after it: all defaults.
            return Section(reader: self, prefix: path, namedAt: namedAt, entries: [])
        default:
            throw .wrongType(location(node), path: path, expected: path.isEmpty ? "a mapping of scenario settings" : "a mapping", found: found(node))
        }
    }

    // MARK: Values

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// How an offending value is shown: numbers bare, text quoted, other nodes by kind.
    func found(_ node: Node) -> String {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if Self.isNull(node) { return "nothing" }
                if ScenarioNumberText.double(s.string) != nil { return s.string }
            }
            var text = s.string
            if text.count > 60 { text = String(text.prefix(57)) + "..." }
            return Self.quote(text)
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Any scalar, as text.
    func text(_ node: Node, path: String) throws(ScenarioError) -> String {
        guard case .scalar(let s) = node else { throw .wrongType(location(node), path: path, expected: "text", found: found(node)) }
        return Self.isNull(node) ? "" : s.string
    }

    func name(_ node: Node) throws(ScenarioError) -> String {
        let expected = "a name made of letters, digits, '.', '_' and '-'"
        guard case .scalar(let s) = node else { throw .wrongType(location(node), path: "name", expected: expected, found: found(node)) }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".unicodeScalars)
        guard !s.string.isEmpty, !Self.isNull(node) || s.style != .plain, s.string.unicodeScalars.allSatisfy(allowed.contains) else {
            throw .invalidValue(location(node), path: "name", expected: expected, found: found(node))
        }
        return s.string
    }

    /// `true` or `false`, unquoted.
    func boolean(_ node: Node, path: String) throws(ScenarioError) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else {
            throw .wrongType(location(node), path: path, expected: "true or false", found: found(node))
        }
        switch s.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw .badEnumValue(location(node), path: path, allowed: ["true", "false"], found: found(node))
        }
    }

    /// A plain number for which `valid` holds.
    func number(_ node: Node, path: String, expected: String, valid: (Double) -> Bool) throws(ScenarioError) -> Double {
        guard case .scalar(let s) = node, s.style == .plain, let value = ScenarioNumberText.double(s.string) else {
            throw .wrongType(location(node), path: path, expected: expected, found: found(node))
        }
        guard valid(value) else { throw .outOfRange(location(node), path: path, expected: expected, found: s.string) }
        return value
    }

    /// A plain whole number in `range`.
    func integer(_ node: Node, path: String, in range: ClosedRange<Int>, expected: String) throws(ScenarioError) -> Int {
        guard case .scalar(let s) = node, s.style == .plain, let digits = ScenarioNumberText.integer(s.string) else {
            throw .wrongType(location(node), path: path, expected: expected, found: found(node))
        }
        guard !digits.negative || digits.magnitude.allSatisfy({ $0 == "0" }), let value = Int(digits.magnitude), range.contains(value) else {
            throw .outOfRange(location(node), path: path, expected: expected, found: s.string)
        }
        return value
    }

    func seed(_ node: Node) throws(ScenarioError) -> UInt64 {
        let expected = "a whole number from 0 to \(UInt64.max)"
        guard case .scalar(let s) = node, s.style == .plain, let digits = ScenarioNumberText.integer(s.string) else {
            throw .wrongType(location(node), path: "seed", expected: expected, found: found(node))
        }
        guard !digits.negative || digits.magnitude.allSatisfy({ $0 == "0" }), let value = UInt64(digits.magnitude) else {
            throw .outOfRange(location(node), path: "seed", expected: expected, found: s.string)
        }
        return value
    }

    /// A duration in `range`; one too long to hold at all is out of range too, not "no duration".
    func duration(_ node: Node, path: String, in range: ClosedRange<NodeDuration>) throws(ScenarioError) -> NodeDuration {
        guard case .scalar(let s) = node, !Self.isNull(node) else {
            if case .scalar = node { throw .badDuration(location(node), path: path, found: found(node)) }
            throw .wrongType(location(node), path: path, expected: "a duration such as 250ms, 15s, 10m or 2h", found: found(node))
        }
        switch DurationText.read(s.string) {
        case .notADuration:
            throw .badDuration(location(node), path: path, found: found(node))
        case .tooLong:
            throw .outOfRange(location(node), path: path, expected: ScenarioLimits.words(range), found: s.string)
        case .value(let value):
            guard range.contains(value) else { throw .outOfRange(location(node), path: path, expected: ScenarioLimits.words(range), found: s.string) }
            return value
        }
    }

    /// One of the words in `allowed`.
    func choice(_ node: Node, path: String, allowed: [String]) throws(ScenarioError) -> String {
        guard case .scalar(let s) = node else {
            throw .wrongType(location(node), path: path, expected: "one of " + allowed.joined(separator: ", "), found: found(node))
        }
        guard allowed.contains(s.string) else {
            throw .badEnumValue(location(node), path: path, allowed: allowed, found: found(node))
        }
        return s.string
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16, uppercase: true)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: Syntax errors

    static func syntaxError(_ error: YamlError, text: String, file: String) -> ScenarioError {
        func at(_ mark: Mark) -> ScenarioError.Location { .init(file: file, line: mark.line, column: mark.column) }
        func problem(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case .composer(_, let problem, let mark, _) where problem.hasPrefix("but found another document"):
            return .syntax(at(mark), problem: "a scenario file holds a single YAML document, found a second one")
        case .scanner(let context, let text, let mark, _), .parser(let context, let text, let mark, _),
             .composer(let context, let text, let mark, _):
            return .syntax(at(mark), problem: problem(text, context))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            let first = context.mark
            // Point at the repetition when it is a block key in the same column further down.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if let key = duplicates.first, first.line < lines.count {
                for (index, line) in lines.enumerated().dropFirst(first.line)
                where line.unicodeScalars.count >= first.column
                    && String(line.unicodeScalars.dropFirst(first.column - 1)).hasPrefix(key + ":")
                    && line.unicodeScalars.prefix(first.column - 1).allSatisfy({ $0 == " " }) {
                    return .syntax(.init(file: file, line: index + 1, column: first.column),
                                   problem: "key \(keys) appears more than once in the same mapping (first at line \(first.line))")
                }
            }
            return .syntax(at(first), problem: "key \(keys) appears more than once in the same mapping")
        case .reader(let problem, let offset, _, _):
            var line = 1, column = 1
            if let offset {
                for character in text.prefix(offset) {
                    if character.isNewline { line += 1; column = 1 } else { column += character.unicodeScalars.count }
                }
            }
            return .syntax(.init(file: file, line: line, column: column), problem: problem)
        default:
            return .syntax(.init(file: file, line: 1, column: 1), problem: "\(error)")
        }
    }
}

// MARK: - Numbers and key suggestions

/// The number forms of scenario files: decimal, with optional `_` separators and exponent.
enum ScenarioNumberText {
    static func double(_ text: String) -> Double? {
        let t = text.replacingOccurrences(of: "_", with: "")
        guard t.contains(where: \.isNumber), t.allSatisfy({ "0123456789+-.eE".contains($0) }),
              let value = Double(t), value.isFinite else { return nil }
        return value
    }

    /// Sign and decimal digits of a whole number, or nil when `text` is not one.
    static func integer(_ text: String) -> (negative: Bool, magnitude: String)? {
        var t = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if let first = t.first, first == "-" || first == "+" {
            negative = first == "-"
            t = t.dropFirst()
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (negative, String(t))
    }
}

/// Finds the allowed key a mistyped key was most likely meant to be.
enum ScenarioKeySuggestion {
    static func closest(to key: String, in allowed: [String]) -> String? {
        let k = Array(key.lowercased())
        var best: (key: String, distance: Int)?
        for candidate in allowed {
            let d = distance(k, Array(candidate.lowercased()))
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        if let best, best.distance <= max(1, min(3, best.key.count / 3)) { return best.key }
        // `natFraction` for `nat`, `latencyModel` for `latency`: one is a prefix of the other.
        let lower = key.lowercased()
        return allowed.first { c in
            let cl = c.lowercased()
            return min(cl.count, lower.count) >= 3 && (lower.hasPrefix(cl) || cl.hasPrefix(lower))
        }
    }

    /// Levenshtein distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

// MARK: - Writing

extension Scenario {
    /// This scenario as a scenario file, in the schema `init(yaml:)` reads, with every key written
    /// out (so the file documents all settings). For any scenario that passes `validate()`,
    /// `Scenario(yaml: s.yaml()) == s`.
    public func yaml() -> String {
        var lines: [String] = []
        func add(_ indent: Int, _ key: String, _ value: String? = nil) {
            let pad = String(repeating: " ", count: indent * 2)
            lines.append(value.map { "\(pad)\(key): \($0)" } ?? "\(pad)\(key):")
        }
        func d(_ x: NodeDuration) -> String { DurationText.format(x) }
        func n(_ x: Double) -> String {
            if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
            return "\(x)"
        }
        func distribution(_ key: String, _ dist: DurationDistribution) {
            add(1, key)
            switch dist {
            case .constant(let v): add(2, "model", "constant"); add(2, "value", d(v))
            case .exponential(let mean): add(2, "model", "exponential"); add(2, "mean", d(mean))
            case .pareto(let shape, let scale): add(2, "model", "pareto"); add(2, "shape", n(shape)); add(2, "scale", d(scale))
            case .weibull(let shape, let scale): add(2, "model", "weibull"); add(2, "shape", n(shape)); add(2, "scale", d(scale))
            }
        }

        let plainName = name.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && !["null", "Null", "NULL"].contains(name)
        add(0, "name", plainName ? name : ScenarioFileReader.quote(name))
        if !description.isEmpty { add(0, "description", ScenarioFileReader.quote(description)) }
        add(0, "seed", "\(seed)")
        add(0, "nodes", "\(nodes)")
        add(0, "duration", d(duration))
        add(0, "join")
        add(1, "interval", d(join.interval))
        add(1, "settle", d(join.settle))
        add(0, "network")
        add(1, "latency")
        switch network.latency {
        case .constant(let v):
            add(2, "model", "constant"); add(2, "value", d(v))
        case .uniform(let low, let high):
            add(2, "model", "uniform"); add(2, "min", d(low)); add(2, "max", d(high))
        case .coordinates(let base, let scale, let jitter):
            add(2, "model", "coordinates"); add(2, "base", d(base)); add(2, "scale", d(scale)); add(2, "jitter", d(jitter))
        }
        add(1, "loss", n(network.loss))
        add(1, "nat", n(network.natFraction))
        add(1, "natKinds")
        for kind in NATKind.allCases { add(2, kind.rawValue, n(network.natKinds.weights[kind] ?? 0)) }
        add(1, "natTraversal", network.natTraversal ? "true" : "false")
        add(1, "relaySlots", "\(network.relaySlots)")
        add(1, "linkLocalGroupSize", "\(network.linkLocalGroupSize)")
        add(1, "sourceGuard", network.sourceGuard ? "true" : "false")
        add(0, "churn")
        if let session = churn.session {
            add(1, "model", "alternating")
            distribution("session", session)
            if let downtime = churn.downtime { distribution("downtime", downtime) }
        } else {
            add(1, "model", "none")
        }
        add(0, "workload")
        if let count = workload.resolutions {
            add(1, "resolutions", "\(count)")
        } else {
            add(1, "resolutionsPerSecond", n(workload.resolutionsPerSecond))
        }
        add(1, "securedFraction", n(workload.securedFraction))
        add(0, "attackers")
        add(1, "fraction", n(attackers.fraction))
        add(1, "behaviour", attackers.behaviour.rawValue)
        add(0, "report")
        add(1, "interval", d(report.interval))
        add(0, "protocol")
        add(1, "leafSetValidationNonce", protocolChoices.leafSetValidationNonce ? "true" : "false")
        return lines.joined(separator: "\n") + "\n"
    }
}
