import Foundation
import PNRP
import NetworkLab
import Testing
@testable import PNRPSimulation

@Suite("ScenarioFile", .onComputeThread)
struct ScenarioFileTests {
    static let scenarioDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("../../Simulations/scenarios").standardizedFileURL

    static let shippedFiles = [
        "quickstart.yaml", "scale-100k.yaml", "scale-1m.yaml", "churn-pareto.yaml", "churn-heavy.yaml", "lossy-network.yaml",
        "nat-mix.yaml", "nat-home.yaml", "adversarial-20pct.yaml", "steering-20pct.yaml", "eclipse-victim.yaml", "link-local-groups.yaml",
        "reflection.yaml", "evict.yaml", "displace.yaml", "solicit-flood.yaml", "signature-flood.yaml", "predict.yaml",
    ]

    /// Parses `text`, expecting an error.
    func failure(_ text: String) -> ScenarioError? {
        do {
            _ = try Scenario(yaml: text, file: "t.yaml")
            return nil
        } catch {
            return error
        }
    }

    // MARK: Shipped files

    @Test("every shipped scenario file parses", arguments: shippedFiles)
    func shippedFileParses(_ file: String) throws {
        let path = Self.scenarioDirectory.appendingPathComponent(file).path
        let s = try Scenario.load(path: path)
        #expect(s.name + ".yaml" == file)
        #expect(!s.description.isEmpty)
        #expect(try Scenario(yaml: s.yaml()) == s)
    }

    @Test func noUnlistedScenarioFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.scenarioDirectory.path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files) == Set(Self.shippedFiles))
    }

    @Test func shippedFilesSayWhatTheyDescribe() throws {
        func load(_ name: String) throws -> Scenario { try Scenario.load(path: Self.scenarioDirectory.appendingPathComponent(name).path) }
        #expect(try load("quickstart.yaml").nodes == 1000)
        #expect(try load("scale-100k.yaml").nodes == 100_000)
        #expect(try load("scale-1m.yaml").nodes == 1_000_000)
        // The must-reach runs: as many resolutions as nodes.
        #expect(try load("scale-100k.yaml").workload.resolutions == 100_000)
        #expect(try load("scale-1m.yaml").workload.resolutions == 1_000_000)
        #expect(try load("lossy-network.yaml").network.loss == 0.05)
        #expect(try load("nat-mix.yaml").network.natFraction == 0.3)
        #expect(try load("link-local-groups.yaml").network.linkLocalGroupSize >= 2)
        let adversarial = try load("adversarial-20pct.yaml")
        #expect(adversarial.attackers == AttackPlan(fraction: 0.2, behaviour: .forge))
        #expect(try load("steering-20pct.yaml").attackers == AttackPlan(fraction: 0.2, behaviour: .stale))
        #expect(try load("reflection.yaml").attackers == AttackPlan(fraction: 0.02, behaviour: .reflect))
        #expect(try load("reflection.yaml").network.sourceGuard)
        let churn = try load("churn-pareto.yaml").churn
        guard case .pareto(let shape, let scale)? = churn.session else {
            Issue.record("churn-pareto has no Pareto sessions")
            return
        }
        let medianMinutes = Double(scale.nanoseconds) * pow(2, 1 / shape) / 60e9
        #expect((2...6).contains(medianMinutes))
        #expect(churn.downtime != nil)
        for name in Self.shippedFiles {
            let s = try load(name)
            #expect((10...100).contains(s.workload.resolutionsPerSecond), "\(name)")
        }
    }

    @Test func schemaExamplesParse() throws {
        let schema = Self.scenarioDirectory.deletingLastPathComponent().appendingPathComponent("SCHEMA.md")
        let text = try String(contentsOf: schema, encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 3)
        var parsed = 0
        for block in blocks {
            for fragment in block.components(separatedBy: "---\n") {
                let document = fragment.contains("name:") ? fragment : "name: fragment\nnodes: 10\n" + fragment
                _ = try Scenario(yaml: document, file: "SCHEMA.md")
                parsed += 1
            }
        }
        #expect(parsed >= 5)
    }

    // MARK: Values and defaults

    @Test func minimalFileTakesDefaults() throws {
        let s = try Scenario(yaml: "name: tiny\nnodes: 2\n")
        #expect(s == Scenario(name: "tiny", nodes: 2))
        #expect(s.seed == 1 && s.duration == .minutes(5) && s.join == JoinPlan() && s.network == NetworkPlan())
        #expect(s.churn.session == nil && s.report.interval == .minutes(1))
    }

    @Test func everyKeyIsRead() throws {
        let text = """
            name: full.test_1
            description: "all: the keys"
            seed: 18446744073709551615
            nodes: 1_000
            duration: 90s
            join: {interval: 0ms, settle: 1.5s}
            network:
              latency: {model: coordinates, base: 2ms, scale: 80ms, jitter: 250ms}
              loss: 0.01
              nat: 1
              linkLocalGroupSize: 2
            churn:
              model: alternating
              session: {model: weibull, shape: 0.6, scale: 20m}
              downtime: {model: constant, value: 2h}
            workload: {resolutionsPerSecond: 0, securedFraction: 1e-1}
            attackers: {fraction: 0.5, behaviour: drop}
            report: {interval: 250ms}
            """
        let s = try Scenario(yaml: text)
        let expected = Scenario(
            name: "full.test_1", description: "all: the keys", seed: .max, nodes: 1000,
            join: JoinPlan(interval: .zero, settle: .milliseconds(1500)), duration: .seconds(90),
            network: NetworkPlan(latency: .coordinates(base: .milliseconds(2), scale: .milliseconds(80), jitter: .milliseconds(250)),
                                 loss: 0.01, natFraction: 1, linkLocalGroupSize: 2),
            churn: ChurnPlan(session: .weibull(shape: 0.6, scale: .minutes(20)), downtime: .constant(.hours(2))),
            workload: WorkloadPlan(resolutionsPerSecond: 0, securedFraction: 0.1),
            attackers: AttackPlan(fraction: 0.5, behaviour: .drop), report: ReportPlan(interval: .milliseconds(250)))
        #expect(s == expected)
    }

    @Test func churnModelNoneAndEmptySections() throws {
        let s = try Scenario(yaml: "name: a\nnodes: 10\nchurn:\n  model: none\nnetwork:\nworkload: {}\n")
        #expect(s.churn == ChurnPlan() && s.network == NetworkPlan() && s.workload == WorkloadPlan())
        let t = try Scenario(yaml: "name: a\nnodes: 10\nchurn:\n  session: {model: exponential, mean: 10m}\n  downtime: {model: pareto, shape: 2, scale: 30s}\n")
        #expect(t.churn == ChurnPlan(session: .exponential(mean: .minutes(10)), downtime: .pareto(shape: 2, scale: .seconds(30))))
    }

    // MARK: Round trip

    @Test func roundTrip() throws {
        let samples: [Scenario] = [
            Scenario(name: "plain", nodes: 2),
            Scenario(name: "-odd.name_", description: "quotes \" and \\ and: colons\nnew line\ttab é 🚀 \u{2028} # not a comment",
                     seed: 0, nodes: 1_000_000, join: JoinPlan(interval: NodeDuration(nanoseconds: 1500), settle: .zero),
                     duration: NodeDuration(nanoseconds: 123_456_789_012),
                     network: NetworkPlan(latency: .constant(.milliseconds(7)), loss: 0.999, natFraction: 0.123456789, linkLocalGroupSize: 1_000_000),
                     churn: ChurnPlan(session: .pareto(shape: 1.5, scale: .minutes(2)), downtime: .weibull(shape: 1e-5, scale: .hours(30))),
                     workload: WorkloadPlan(resolutionsPerSecond: 12.75, securedFraction: 1),
                     attackers: AttackPlan(fraction: 0.2, behaviour: .forge), report: ReportPlan(interval: .seconds(61)),
                     protocolChoices: ProtocolPlan(leafSetValidationNonce: true)),
            Scenario(name: "counted", nodes: 4, workload: WorkloadPlan(resolutionsPerSecond: 10, securedFraction: 0.25, resolutions: 5000)),
            Scenario(name: "null", description: "yes", seed: 42, nodes: 3,
                     network: NetworkPlan(latency: .coordinates(base: .zero, scale: .seconds(1), jitter: .milliseconds(3))),
                     churn: ChurnPlan(session: .constant(.seconds(5)), downtime: .exponential(mean: .milliseconds(10)))),
        ]
        for s in samples {
            let text = s.yaml()
            #expect(try Scenario(yaml: text) == s, "\(text)")
            #expect(throws: Never.self) { try s.validate() }
        }
    }

    @Test func yamlWritesEveryKey() {
        let text = Scenario(name: "q", nodes: 10).yaml()
        for key in ["name:", "seed:", "nodes:", "duration:", "interval:", "settle:", "latency:", "model: uniform", "min: 1ms", "max: 20ms",
                    "loss: 0", "nat: 0", "linkLocalGroupSize: 0", "model: none", "resolutionsPerSecond: 10", "securedFraction: 0.5",
                    "fraction: 0", "behaviour: drop", "interval: 1m"] {
            #expect(text.contains(key), "\(key)")
        }
    }

    @Test func resolutionCountIsAWholeNumber() {
        let e = failure("name: q\nnodes: 10\nworkload:\n  resolutions: -3\n")
        #expect(e?.description.contains("workload.resolutions") == true, "\(String(describing: e))")
        #expect(failure("name: q\nnodes: 10\nworkload:\n  resolutions: 2.5\n") != nil)
        #expect(failure("name: q\nnodes: 10\nworkload:\n  resolutions: 1_000\n") == nil)
    }

    @Test func validateRejectsInvalidScenarios() {
        var s = Scenario(name: "v", nodes: 1)
        #expect(throws: ScenarioError.self) { try s.validate() }
        s.nodes = 5
        s.churn = ChurnPlan(session: .exponential(mean: .minutes(1)))
        #expect(throws: ScenarioError.self) { try s.validate() }
    }

    // MARK: Errors

    @Test func errorMessageFormat() {
        let text = "name: quickstart\nnodes: 1000\nnetwork:\n  loss: half\n"
        let e = failure(text)
        #expect(e == .wrongType(.init(file: "t.yaml", line: 4, column: 9), path: "network.loss",
                                expected: "a number from 0 up to (not including) 1", found: "\"half\""))
        #expect(e?.description == "t.yaml:4:9: network.loss: expected a number from 0 up to (not including) 1, found \"half\"")
        #expect(e?.location == .init(file: "t.yaml", line: 4, column: 9))
        #expect(e?.keyPath == "network.loss")
    }

    @Test func unknownKeyWithSuggestion() {
        let text = """
            name: a
            nodes: 10
            network:
              latncy:
                model: constant
                value: 1ms
            """
        let e = failure(text)
        guard case .unknownKey(let at, let path, let allowed, let suggestion)? = e else {
            Issue.record("expected unknownKey, got \(String(describing: e))")
            return
        }
        #expect(at.line == 4 && at.column == 3)
        #expect(path == "network.latncy")
        #expect(allowed == ["latency", "loss", "nat", "natKinds", "natTraversal", "relaySlots", "linkLocalGroupSize", "sourceGuard"])
        #expect(suggestion == "latency")
        #expect(e?.description == "t.yaml:4:3: network.latncy: unknown key \"latncy\"; did you mean \"latency\"? (allowed here: latency, loss, nat, natKinds, natTraversal, relaySlots, linkLocalGroupSize, sourceGuard)")
    }

    @Test func unknownKeyWithoutSuggestionAndAtTheTop() {
        guard case .unknownKey(let at, let path, let allowed, let suggestion)? = failure("name: a\nnodes: 3\nfoo: 1\n") else {
            Issue.record("expected unknownKey")
            return
        }
        #expect(at == .init(file: "t.yaml", line: 3, column: 1))
        #expect(path == "foo" && suggestion == nil && allowed.contains("workload"))
        // Keys that belong to another latency model are unknown too.
        guard case .unknownKey(let at2, let path2, let allowed2, _)? =
            failure("name: a\nnodes: 3\nnetwork:\n  latency: {model: uniform, min: 1ms, value: 3ms}\n") else {
            Issue.record("expected unknownKey")
            return
        }
        #expect(at2.line == 4 && at2.column == 39 && path2 == "network.latency.value" && allowed2 == ["model", "min", "max"])
    }

    @Test func suggestions() {
        #expect(ScenarioKeySuggestion.closest(to: "node", in: ScenarioFileReader.rootKeys) == "nodes")
        #expect(ScenarioKeySuggestion.closest(to: "Seed", in: ScenarioFileReader.rootKeys) == "seed")
        #expect(ScenarioKeySuggestion.closest(to: "attacker", in: ScenarioFileReader.rootKeys) == "attackers")
        #expect(ScenarioKeySuggestion.closest(to: "linklocalgroupsize", in: ScenarioFileReader.networkKeys) == "linkLocalGroupSize")
        #expect(ScenarioKeySuggestion.closest(to: "natFraction", in: ScenarioFileReader.networkKeys) == "nat")
        #expect(ScenarioKeySuggestion.closest(to: "behavior", in: ScenarioFileReader.attackerKeys) == "behaviour")
        #expect(ScenarioKeySuggestion.closest(to: "xyz", in: ScenarioFileReader.rootKeys) == nil)
        #expect(ScenarioKeySuggestion.closest(to: "colour", in: ScenarioFileReader.rootKeys) == nil)
        #expect(ScenarioKeySuggestion.distance(Array("kitten"), Array("sitting")) == 3)
    }

    @Test func missingKeys() {
        #expect(failure("nodes: 10\n") == .missingKey(.init(file: "t.yaml", line: 1, column: 1), path: "name"))
        #expect(failure("# header\nname: a\n") == .missingKey(.init(file: "t.yaml", line: 2, column: 1), path: "nodes"))
        // Missing in a nested section: reported where the section is named.
        let e = failure("name: a\nnodes: 10\nnetwork:\n  latency:\n    model: uniform\n    min: 1ms\n")
        #expect(e == .missingKey(.init(file: "t.yaml", line: 4, column: 3), path: "network.latency.max"))
        #expect(e?.description == "t.yaml:4:3: network.latency.max: missing required key \"max\" in network.latency")
        #expect(failure("name: a\nnodes: 10\nnetwork:\n  latency: {min: 1ms}\n")
                == .missingKey(.init(file: "t.yaml", line: 4, column: 3), path: "network.latency.model"))
        #expect(failure("name: a\nnodes: 10\nchurn:\n  session: {model: exponential, mean: 1m}\n")
                == .missingKey(.init(file: "t.yaml", line: 3, column: 1), path: "churn.downtime"))
        #expect(failure("name: a\nnodes: 10\nchurn:\n  model: alternating\n")
                == .missingKey(.init(file: "t.yaml", line: 3, column: 1), path: "churn.session"))
        #expect(failure("name: a\nnodes: 10\nchurn:\n  session: {model: weibull, scale: 1m}\n  downtime: {model: constant, value: 1m}\n")
                == .missingKey(.init(file: "t.yaml", line: 4, column: 3), path: "churn.session.shape"))
    }

    @Test func wrongTypes() {
        #expect(failure("name: a\nnodes: many\n")
                == .wrongType(.init(file: "t.yaml", line: 2, column: 8), path: "nodes", expected: "a whole number from 2 to 1000000", found: "\"many\""))
        #expect(failure("name: a\nnodes: 10.5\n")?.keyPath == "nodes")
        // A quoted number is text in YAML.
        let quoted = failure("name: a\nnodes: 10\nworkload:\n  securedFraction: \"0.5\"\n")
        #expect(quoted == .wrongType(.init(file: "t.yaml", line: 4, column: 20), path: "workload.securedFraction",
                                     expected: "a number from 0 to 1", found: "\"0.5\""))
        #expect(failure("name: a\nnodes: 10\nnetwork: [1, 2]\n")
                == .wrongType(.init(file: "t.yaml", line: 3, column: 10), path: "network", expected: "a mapping", found: "a list"))
        #expect(failure("name: a\nnodes: 10\nseed: {x: 1}\n")
                == .wrongType(.init(file: "t.yaml", line: 3, column: 7), path: "seed", expected: "a whole number from 0 to 18446744073709551615", found: "a mapping"))
        #expect(failure("- name\n- nodes\n")
                == .wrongType(.init(file: "t.yaml", line: 1, column: 1), path: "", expected: "a mapping of scenario settings", found: "a list"))
        #expect(failure("")?.keyPath == "")
        #expect(failure("# only a comment\n") == .wrongType(.init(file: "t.yaml", line: 1, column: 1), path: "",
                                                          expected: "a mapping of scenario settings (at least name and nodes)", found: "an empty document"))
        #expect(failure("name: a\nnodes: 10\nduration: [1m]\n")
                == .wrongType(.init(file: "t.yaml", line: 3, column: 11), path: "duration", expected: "a duration such as 250ms, 15s, 10m or 2h", found: "a list"))
        #expect(failure("name: a\nnodes: 10\nattackers:\n  fraction: .nan\n")?.keyPath == "attackers.fraction")
    }

    @Test func valuesOutOfRange() {
        #expect(failure("name: a\nnodes: 1\n")
                == .outOfRange(.init(file: "t.yaml", line: 2, column: 8), path: "nodes", expected: "a whole number from 2 to 1000000", found: "1"))
        #expect(failure("name: a\nnodes: 1_000_001\n")?.keyPath == "nodes")
        #expect(failure("name: a\nnodes: 99999999999999999999999\n")?.keyPath == "nodes")
        #expect(failure("name: a\nnodes: 10\nseed: -1\n")
                == .outOfRange(.init(file: "t.yaml", line: 3, column: 7), path: "seed", expected: "a whole number from 0 to 18446744073709551615", found: "-1"))
        #expect(failure("name: a\nnodes: 10\nseed: 18446744073709551616\n")?.keyPath == "seed")
        let loss = failure("name: a\nnodes: 10\nnetwork:\n  loss: 1\n")
        #expect(loss == .outOfRange(.init(file: "t.yaml", line: 4, column: 9), path: "network.loss",
                                    expected: "a number from 0 up to (not including) 1", found: "1"))
        #expect(loss?.description == "t.yaml:4:9: network.loss: expected a number from 0 up to (not including) 1, found 1")
        #expect(failure("name: a\nnodes: 10\nnetwork:\n  nat: 1.5\n")?.keyPath == "network.nat")
        #expect(failure("name: a\nnodes: 10\nnetwork:\n  linkLocalGroupSize: 1\n")
                == .outOfRange(.init(file: "t.yaml", line: 4, column: 23), path: "network.linkLocalGroupSize",
                               expected: "0 (no groups) or a whole number from 2 to 1000000", found: "1"))
        #expect(failure("name: a\nnodes: 10\nworkload:\n  resolutionsPerSecond: -3\n")?.keyPath == "workload.resolutionsPerSecond")
        #expect(failure("name: a\nnodes: 10\nattackers:\n  fraction: 1.0\n")?.keyPath == "attackers.fraction")
        #expect(failure("name: a\nnodes: 10\nduration: 0s\n")
                == .outOfRange(.init(file: "t.yaml", line: 3, column: 11), path: "duration", expected: "a duration from 1ms to 168h", found: "0s"))
        #expect(failure("name: a\nnodes: 10\nreport: {interval: 0ms}\n")?.keyPath == "report.interval")
        #expect(failure("name: a\nnodes: 10\nchurn:\n  session: {model: pareto, shape: 0, scale: 1m}\n  downtime: {model: constant, value: 1m}\n")
                == .outOfRange(.init(file: "t.yaml", line: 4, column: 35), path: "churn.session.shape", expected: "a number from 0.00001 to 1000", found: "0"))
        // uniform latency: min <= max, reported on max.
        let bounds = failure("name: a\nnodes: 10\nnetwork:\n  latency:\n    model: uniform\n    min: 30ms\n    max: 20ms\n")
        #expect(bounds == .outOfRange(.init(file: "t.yaml", line: 7, column: 10), path: "network.latency.max",
                                      expected: "a duration no shorter than min (30ms)", found: "20ms"))
    }

    @Test func badDurations() {
        let e = failure("name: a\nnodes: 10\njoin:\n  interval: 200 millis\n")
        #expect(e == .badDuration(.init(file: "t.yaml", line: 4, column: 13), path: "join.interval", found: "\"200 millis\""))
        #expect(e?.description == "t.yaml:4:13: join.interval: expected a duration, a number and a unit ms, s, m or h (250ms, 15s, 10m, 2h), found \"200 millis\"")
        #expect(failure("name: a\nnodes: 10\nduration: 10\n") == .badDuration(.init(file: "t.yaml", line: 3, column: 11), path: "duration", found: "10"))
        #expect(failure("name: a\nnodes: 10\nduration: -5m\n")?.keyPath == "duration")
        #expect(failure("name: a\nnodes: 10\nduration:\n") == .badDuration(.init(file: "t.yaml", line: 3, column: 10), path: "duration", found: "nothing"))
        #expect(failure("name: a\nnodes: 10\nchurn:\n  session: {model: exponential, mean: 10d}\n  downtime: {model: constant, value: 1m}\n")?.keyPath
                == "churn.session.mean")
    }

    @Test func durationTexts() throws {
        #expect(DurationText.parse("250ms") == .milliseconds(250))
        #expect(DurationText.parse("15s") == .seconds(15))
        #expect(DurationText.parse("10m") == .minutes(10))
        #expect(DurationText.parse("2h") == .hours(2))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("10") == nil)
        #expect(DurationText.parse("10 minutes") == nil)
        let s = try Scenario(yaml: "name: a\nnodes: 10\nduration: 1.5h\njoin: {interval: \"0.5ms\", settle: 0s}\nreport: {interval: 90s}\n")
        #expect(s.duration == .minutes(90) && s.join.interval == NodeDuration(nanoseconds: 500_000) && s.join.settle == .zero)
        #expect(s.report.interval == .seconds(90))
        for d in [NodeDuration.zero, .milliseconds(200), .seconds(90), .minutes(5), .hours(48), NodeDuration(nanoseconds: 1), NodeDuration(nanoseconds: 123_456_789)] {
            #expect(DurationText.parse(DurationText.format(d)) == d)
            #expect(DurationText.parse(DurationText.format(d)) == d)
        }
        #expect(DurationText.format(.milliseconds(200)) == "200ms")
        #expect(DurationText.format(.seconds(90)) == "90s")
        #expect(DurationText.format(.minutes(120)) == "2h")
        #expect(DurationText.format(NodeDuration(nanoseconds: 1500)) == "0.0015ms")
        #expect(DurationText.format(NodeDuration(nanoseconds: 123_456_789)) == "123.456789ms")
    }

    @Test func protocolChoices() throws {
        #expect(try Scenario(yaml: "name: a\nnodes: 10\n").protocolChoices.leafSetValidationNonce == false)
        #expect(try Scenario(yaml: "name: a\nnodes: 10\nprotocol:\n  leafSetValidationNonce: true\n").protocolChoices.leafSetValidationNonce)
        #expect(try Scenario(yaml: "name: a\nnodes: 10\nprotocol: {leafSetValidationNonce: False}\n").protocolChoices.leafSetValidationNonce == false)
        #expect(failure("name: a\nnodes: 10\nprotocol: {leafSetValidationNonce: yes}\n")
                == .badEnumValue(.init(file: "t.yaml", line: 3, column: 36), path: "protocol.leafSetValidationNonce", allowed: ["true", "false"], found: "\"yes\""))
        #expect(failure("name: a\nnodes: 10\nprotocol: {leafSetValidationNonce: \"true\"}\n")?.keyPath == "protocol.leafSetValidationNonce")
        guard case .unknownKey(_, "protocol.nonce", _, _)? = failure("name: a\nnodes: 10\nprotocol: {nonce: true}\n") else {
            Issue.record("expected unknownKey for protocol.nonce")
            return
        }
    }

    @Test func badEnumValues() {
        let e = failure("name: a\nnodes: 10\nnetwork:\n  latency:\n    model: gaussian\n")
        #expect(e == .badEnumValue(.init(file: "t.yaml", line: 5, column: 12), path: "network.latency.model",
                                   allowed: ["constant", "uniform", "coordinates"], found: "\"gaussian\""))
        #expect(e?.description == "t.yaml:5:12: network.latency.model: expected one of constant, uniform, coordinates, found \"gaussian\"")
        #expect(failure("name: a\nnodes: 10\nattackers: {behaviour: lie}\n")
                == .badEnumValue(.init(file: "t.yaml", line: 3, column: 24), path: "attackers.behaviour", allowed: ["drop", "forge", "steer", "stale", "eclipse", "reflect", "evict", "displace", "solicit-flood", "signature-flood", "predict"], found: "\"lie\""))
        #expect(failure("name: a\nnodes: 10\nchurn: {model: sometimes}\n")?.keyPath == "churn.model")
        #expect(failure("name: a\nnodes: 10\nchurn:\n  session: {model: lognormal, mean: 1m}\n  downtime: {model: constant, value: 1m}\n")
                == .badEnumValue(.init(file: "t.yaml", line: 4, column: 20), path: "churn.session.model",
                                 allowed: ["constant", "exponential", "pareto", "weibull"], found: "\"lognormal\""))
        // With churn switched off, session is not expected.
        guard case .unknownKey(let at, "churn.session", ["model"], _)? =
            failure("name: a\nnodes: 10\nchurn:\n  model: none\n  session: {model: constant, value: 1m}\n") else {
            Issue.record("expected unknownKey for churn.session")
            return
        }
        #expect(at.line == 5)
    }

    @Test func invalidNames() {
        #expect(failure("name: my scenario\nnodes: 10\n")
                == .invalidValue(.init(file: "t.yaml", line: 1, column: 7), path: "name",
                                 expected: "a name made of letters, digits, '.', '_' and '-'", found: "\"my scenario\""))
        #expect(failure("name:\nnodes: 10\n")?.keyPath == "name")
        #expect(failure("name: [a]\nnodes: 10\n")?.keyPath == "name")
    }

    @Test func syntaxErrors() {
        let e = failure("name: a\nnodes: 10\nnetwork:\n  loss: 0.1\n   nat: 0.2\n")
        guard case .syntax(let at, let problem)? = e else {
            Issue.record("expected a syntax error, got \(String(describing: e))")
            return
        }
        #expect(at.file == "t.yaml" && at.line == 5)
        #expect(problem.contains("mapping values are not allowed"))
        #expect(e?.description.hasPrefix("t.yaml:5:") == true)
        #expect(e?.keyPath == nil)

        guard case .syntax(let at2, _)? = failure("name: a\nnodes: [1, 2\nseed: 3\n") else {
            Issue.record("expected a syntax error")
            return
        }
        #expect(at2.line >= 2)
        guard case .syntax(let at3, let dup)? = failure("name: a\nnodes: 10\nseed: 1\nseed: 2\n") else {
            Issue.record("expected a duplicate-key error")
            return
        }
        #expect(at3.line == 4 && at3.column == 1 && dup == "key \"seed\" appears more than once in the same mapping (first at line 3)")
        guard case .syntax(let at6, _)? = failure("name: a\nnodes: 10\nnetwork:\n  loss: 0\n  nat: 0\n  loss: 0.1\n") else {
            Issue.record("expected a duplicate-key error")
            return
        }
        #expect(at6.line == 6 && at6.column == 3)
        guard case .syntax(let at4, _)? = failure("name: a\nnodes: 10\n---\nname: b\n") else {
            Issue.record("expected an error for two documents")
            return
        }
        #expect(at4.line == 3)
        #expect(failure("name: a\nnodes: 10\n---\nname: b\n")?.description
                == "t.yaml:3:1: YAML syntax error: a scenario file holds a single YAML document, found a second one")
        guard case .syntax(let at5, _)? = failure("name: a\n\tnodes: 10\n") else {
            Issue.record("expected an error for a tab")
            return
        }
        #expect(at5.line == 2)
    }

    @Test func unreadableFiles() throws {
        let missing = "/nonexistent/dir/none.yaml"
        #expect(throws: ScenarioError.unreadableFile(path: missing, reason: "no such file")) { try Scenario.load(path: missing) }
        let dir = NSTemporaryDirectory()
        #expect(throws: ScenarioError.unreadableFile(path: dir, reason: "it is a directory")) { try Scenario.load(path: dir) }
        let binary = (dir as NSString).appendingPathComponent("scenario-\(UUID().uuidString).yaml")
        try Data([0xFF, 0xFE, 0x00, 0xC3]).write(to: URL(fileURLWithPath: binary))
        defer { try? FileManager.default.removeItem(atPath: binary) }
        #expect(throws: ScenarioError.unreadableFile(path: binary, reason: "not UTF-8 text")) { try Scenario.load(path: binary) }
        #expect(ScenarioError.unreadableFile(path: missing, reason: "no such file").description == "\(missing): cannot read scenario file: no such file")
    }

    @Test func loadNamesTheFileInErrors() throws {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("bad-\(UUID().uuidString).yaml")
        try "name: a\nnodes: 10\nnetwork:\n  loss: half\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ScenarioError.wrongType(.init(file: path, line: 4, column: 9), path: "network.loss",
                                                expected: "a number from 0 up to (not including) 1", found: "\"half\"")) {
            try Scenario.load(path: path)
        }
    }
}
