import Foundation
import PNRP
import Yams

// Scenario files: YAML documents in the schema of `Simulations/SCHEMA.md`, read node by node so that
// every error names its line, column and key path. Unknown keys are errors.

extension Scenario {
    /// Reads a scenario from the YAML `text`; `file` names it in error messages.
    public init(yaml text: String, file: String = "<input>") throws(ScenarioError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ScenarioFileReader.syntaxError(error, text: text, file: file)
        } catch {
            throw .syntax(.init(file: file, line: 1, column: 1), problem: "\(error)")
        }
        guard let root else {
            throw .wrongType(.init(file: file, line: 1, column: 1), path: "",
                             expected: "a mapping of scenario settings (at least name and nodes)", found: "an empty document")
        }
        self = try ScenarioFileReader(file: file).scenario(root)
    }

    /// Reads the scenario file at `path`.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
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
        return try Scenario(yaml: text, file: path)
    }

    /// Checks this scenario against the rules a scenario file must follow (ranges, required churn
    /// downtime, `min <= max`...), as if it had been read from `yaml()`.
    public func validate() throws(ScenarioError) {
        _ = try Scenario(yaml: yaml(), file: "<scenario \(name)>")
    }
}

// MARK: - Reading

/// Reads the node tree of one scenario file.
struct ScenarioFileReader {
    let file: String

    static let rootKeys = ["name", "description", "seed", "nodes", "duration", "join", "network", "churn", "workload", "attackers", "report", "protocol"]
    static let protocolKeys = ["leafSetValidationNonce"]
    static let joinKeys = ["interval", "settle"]
    static let networkKeys = ["latency", "loss", "nat", "linkLocalGroupSize"]
    static let latencyModels = ["constant", "uniform", "coordinates"]
    static let churnModels = ["none", "alternating"]
    static let distributionModels = ["constant", "exponential", "pareto", "weibull"]
    static let workloadKeys = ["resolutionsPerSecond", "resolutions", "securedFraction"]
    static let attackerKeys = ["fraction", "behaviour"]
    static let reportKeys = ["interval"]
    static let maximumNodes = 1_000_000

    func location(_ node: Node) -> ScenarioError.Location {
        let mark = node.mark
        return .init(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func scenario(_ root: Node) throws(ScenarioError) -> Scenario {
        let top = try section(root, path: "", namedAt: location(root))
        try top.check(allowed: Self.rootKeys)
        var s = Scenario(name: try name(top.required("name")), nodes: 0)
        if let node = top["description"] { s.description = try text(node, path: "description") }
        if let node = top["seed"] { s.seed = try seed(node) }
        s.nodes = try integer(top.required("nodes"), path: "nodes", in: 2...Self.maximumNodes,
                              expected: "a whole number from 2 to \(Self.maximumNodes)")
        if let node = top["duration"] { s.duration = try duration(node, path: "duration", positive: true) }
        if let entry = top.entry("join") { s.join = try join(entry) }
        if let entry = top.entry("network") { s.network = try network(entry) }
        if let entry = top.entry("churn") { s.churn = try churn(entry) }
        if let entry = top.entry("workload") { s.workload = try workload(entry) }
        if let entry = top.entry("attackers") { s.attackers = try attackers(entry) }
        if let entry = top.entry("report") {
            let r = try section(entry)
            try r.check(allowed: Self.reportKeys)
            if let node = r["interval"] { s.report.interval = try duration(node, path: r.path("interval"), positive: true) }
        }
        if let entry = top.entry("protocol") {
            let p = try section(entry)
            try p.check(allowed: Self.protocolKeys)
            if let node = p["leafSetValidationNonce"] {
                s.protocolChoices.leafSetValidationNonce = try boolean(node, path: p.path("leafSetValidationNonce"))
            }
        }
        return s
    }

    func join(_ entry: Section.Entry) throws(ScenarioError) -> JoinPlan {
        let j = try section(entry)
        try j.check(allowed: Self.joinKeys)
        var plan = JoinPlan()
        if let node = j["interval"] { plan.interval = try duration(node, path: j.path("interval"), positive: false) }
        if let node = j["settle"] { plan.settle = try duration(node, path: j.path("settle"), positive: false) }
        return plan
    }

    func network(_ entry: Section.Entry) throws(ScenarioError) -> NetworkPlan {
        let n = try section(entry)
        try n.check(allowed: Self.networkKeys)
        var plan = NetworkPlan()
        if let latency = n.entry("latency") { plan.latency = try self.latency(latency) }
        if let node = n["loss"] {
            plan.loss = try number(node, path: n.path("loss"), expected: "a number from 0 up to (not including) 1") { $0 >= 0 && $0 < 1 }
        }
        if let node = n["nat"] {
            plan.natFraction = try number(node, path: n.path("nat"), expected: "a number from 0 to 1") { $0 >= 0 && $0 <= 1 }
        }
        if let node = n["linkLocalGroupSize"] {
            let size = try integer(node, path: n.path("linkLocalGroupSize"), in: 0...Self.maximumNodes,
                                   expected: "0 (no groups) or a whole number from 2 to \(Self.maximumNodes)")
            guard size != 1 else {
                throw .outOfRange(location(node), path: n.path("linkLocalGroupSize"),
                                  expected: "0 (no groups) or a whole number from 2 to \(Self.maximumNodes)", found: "1")
            }
            plan.linkLocalGroupSize = size
        }
        return plan
    }

    func latency(_ entry: Section.Entry) throws(ScenarioError) -> LatencyModel {
        let l = try section(entry)
        let model = try choice(l.required("model"), path: l.path("model"), allowed: Self.latencyModels)
        switch model {
        case "constant":
            try l.check(allowed: ["model", "value"])
            return .constant(try duration(l.required("value"), path: l.path("value"), positive: false))
        case "uniform":
            try l.check(allowed: ["model", "min", "max"])
            let minNode = try l.required("min"), maxNode = try l.required("max")
            let low = try duration(minNode, path: l.path("min"), positive: false)
            let high = try duration(maxNode, path: l.path("max"), positive: false)
            guard low <= high else {
                throw .outOfRange(location(maxNode), path: l.path("max"),
                                  expected: "a duration no shorter than min (\(minNode.scalar?.string ?? ""))", found: maxNode.scalar?.string ?? "")
            }
            return .uniform(min: low, max: high)
        default:
            try l.check(allowed: ["model", "base", "scale", "jitter"])
            let base = try duration(l.required("base"), path: l.path("base"), positive: false)
            let scale = try duration(l.required("scale"), path: l.path("scale"), positive: false)
            let jitter = try duration(l.required("jitter"), path: l.path("jitter"), positive: false)
            return .coordinates(base: base, scale: scale, jitter: jitter)
        }
    }

    func churn(_ entry: Section.Entry) throws(ScenarioError) -> ChurnPlan {
        let c = try section(entry)
        let model: String
        if let node = c["model"] {
            model = try choice(node, path: c.path("model"), allowed: Self.churnModels)
        } else {
            model = c.entry("session") == nil && c.entry("downtime") == nil ? "none" : "alternating"
        }
        if model == "none" {
            try c.check(allowed: ["model"])
            return ChurnPlan()
        }
        try c.check(allowed: ["model", "session", "downtime"])
        guard let session = c.entry("session") else { throw .missingKey(c.namedAt, path: c.path("session")) }
        guard let downtime = c.entry("downtime") else { throw .missingKey(c.namedAt, path: c.path("downtime")) }
        return ChurnPlan(session: try distribution(session), downtime: try distribution(downtime))
    }

    func distribution(_ entry: Section.Entry) throws(ScenarioError) -> DurationDistribution {
        let d = try section(entry)
        let model = try choice(d.required("model"), path: d.path("model"), allowed: Self.distributionModels)
        switch model {
        case "constant":
            try d.check(allowed: ["model", "value"])
            return .constant(try duration(d.required("value"), path: d.path("value"), positive: true))
        case "exponential":
            try d.check(allowed: ["model", "mean"])
            return .exponential(mean: try duration(d.required("mean"), path: d.path("mean"), positive: true))
        default:
            try d.check(allowed: ["model", "shape", "scale"])
            let shape = try number(d.required("shape"), path: d.path("shape"), expected: "a number greater than 0") { $0 > 0 }
            let scale = try duration(d.required("scale"), path: d.path("scale"), positive: true)
            return model == "pareto" ? .pareto(shape: shape, scale: scale) : .weibull(shape: shape, scale: scale)
        }
    }

    func workload(_ entry: Section.Entry) throws(ScenarioError) -> WorkloadPlan {
        let w = try section(entry)
        try w.check(allowed: Self.workloadKeys)
        var plan = WorkloadPlan()
        if let node = w["resolutionsPerSecond"] {
            plan.resolutionsPerSecond = try number(node, path: w.path("resolutionsPerSecond"), expected: "a number of at least 0") { $0 >= 0 }
        }
        if let node = w["securedFraction"] {
            plan.securedFraction = try number(node, path: w.path("securedFraction"), expected: "a number from 0 to 1") { $0 >= 0 && $0 <= 1 }
        }
        if let node = w["resolutions"] {
            plan.resolutions = try integer(node, path: w.path("resolutions"), in: 0...100_000_000, expected: "a whole number of resolutions from 0 to 100,000,000")
        }
        return plan
    }

    func attackers(_ entry: Section.Entry) throws(ScenarioError) -> AttackPlan {
        let a = try section(entry)
        try a.check(allowed: Self.attackerKeys)
        var plan = AttackPlan()
        if let node = a["fraction"] {
            plan.fraction = try number(node, path: a.path("fraction"), expected: "a number from 0 up to (not including) 1") { $0 >= 0 && $0 < 1 }
        }
        if let node = a["behaviour"] {
            let allowed = AttackBehaviour.allCases.map(\.rawValue)
            plan.behaviour = AttackBehaviour(rawValue: try choice(node, path: a.path("behaviour"), allowed: allowed)) ?? .drop
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

        /// Fails on the first key (in document order) that is not in `allowed`.
        func check(allowed: [String]) throws(ScenarioError) {
            for entry in entries where !allowed.contains(entry.name) {
                throw .unknownKey(reader.location(entry.key), path: path(entry.name), allowed: allowed,
                                  suggestion: ScenarioKeySuggestion.closest(to: entry.name, in: allowed))
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

    func duration(_ node: Node, path: String, positive: Bool) throws(ScenarioError) -> NodeDuration {
        guard case .scalar(let s) = node, !Self.isNull(node), let value = DurationText.parse(s.string) else {
            if case .scalar = node { throw .badDuration(location(node), path: path, found: found(node)) }
            throw .wrongType(location(node), path: path, expected: "a duration such as 250ms, 15s, 10m or 2h", found: found(node))
        }
        guard !positive || value > .zero else {
            throw .outOfRange(location(node), path: path, expected: "a duration greater than 0", found: s.string)
        }
        return value
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
        add(1, "linkLocalGroupSize", "\(network.linkLocalGroupSize)")
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
