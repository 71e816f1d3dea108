import Foundation
import PNRP

/// The settings file of `pnrp node --config FILE`: one `key = value` per line, `#` starts a comment,
/// blank lines are ignored, a repeatable key may appear several times. Options given on the command line
/// override the file (a `--seed` on the command line replaces the file's seeds).
///
/// ```
/// # /etc/pnrp/node.conf
/// address = 192.0.2.10
/// port = 3540
/// seed = 192.0.2.1:3540
/// seed = [2001:db8::1]:3540
/// state-dir = /var/lib/pnrp
/// link-local = no            # yes (default) or no
/// interface = eth0           # repeatable: only these interfaces get a link-local cloud
/// multicast = yes            # SSDP discovery, yes (default) or no
/// log-level = info           # trace, debug, info, notice, warning, error, critical
/// cache-save-interval = 300  # seconds between saves of cache.json
/// metrics = 127.0.0.1:9464   # Prometheus metrics at http://127.0.0.1:9464/metrics
/// ```
public struct DaemonConfigFile: Sendable, Hashable {
    /// Every key the file may contain.
    public static let keys = [
        "address", "port", "seed", "state-dir", "link-local", "interface", "multicast", "log-level", "cache-save-interval", "metrics", "nat-traversal",
        "relay-slots", "stream-relay-port",
    ]
    /// Levels `log-level` accepts.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `address`: the global cloud's IPv4 or IPv6 address.
    public var address: String?
    /// `port`: the UDP port of every cloud.
    public var port: UInt16?
    /// `seed` lines, already checked to parse as endpoints.
    public var seeds: [String] = []
    /// `state-dir`.
    public var stateDirectory: String?
    /// `link-local`: whether to open link-local clouds.
    public var linkLocal: Bool?
    /// `interface` lines.
    public var interfaces: [String] = []
    /// `multicast`: SSDP discovery.
    public var multicast: Bool?
    /// `log-level`.
    public var logLevel: String?
    /// `cache-save-interval` in seconds.
    public var cacheSaveIntervalSeconds: Int?
    /// Where Prometheus metrics are served, `ADDRESS:PORT` (checked to be one).
    public var metrics: String?
    /// `nat-traversal`: reachability checks and relays (`HostConfiguration.natTraversal`).
    public var natTraversal: Bool?
    /// `relay-slots`: nodes relayed for at most, 0 ... 256.
    public var relaySlots: Int?
    /// `stream-relay-port`: TCP port of the stream relay (`HostConfiguration.streamRelayPort`), 1 ... 65535.
    public var streamRelayPort: UInt16?

    /// No settings.
    public init() {}

    /// Reads the file at `path`.
    public static func load(path: String) throws(DaemonConfigError) -> DaemonConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        guard let text = String(data: data, encoding: .utf8) else { throw .line(path, 0, "the file is not UTF-8 text") }
        return try DaemonConfigFile(text: text, path: path)
    }

    /// Parses `text`; `path` names the file in errors.
    public init(text: String, path: String = "config") throws(DaemonConfigError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let content = line.trimmingCharacters(in: .whitespaces)
            if content.isEmpty { continue }
            guard let equals = content.firstIndex(of: "=") else {
                throw .line(path, number, "expected `key = value`, found '\(content)'")
            }
            let key = content[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = content[content.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw .line(path, number, "`\(key)` has no value") }
            switch key {
            case "address":
                guard EndpointText.parseAddress(value) != nil else { throw .line(path, number, "'\(value)' is not a numeric IPv4 or IPv6 address") }
                address = value
            case "port":
                guard let p = UInt16(value), p > 0 else { throw .line(path, number, "port must be 1-65535, not '\(value)'") }
                port = p
            case "seed":
                do {
                    _ = try EndpointText(value)
                } catch {
                    throw .line(path, number, error.description)
                }
                seeds.append(value)
            case "state-dir": stateDirectory = value
            case "link-local": linkLocal = try Self.flag(value, key: key, path: path, number: number)
            case "interface": interfaces.append(value)
            case "multicast": multicast = try Self.flag(value, key: key, path: path, number: number)
            case "log-level":
                guard Self.logLevels.contains(value.lowercased()) else {
                    throw .line(path, number, "log-level must be one of \(Self.logLevels.joined(separator: ", "))")
                }
                logLevel = value.lowercased()
            case "cache-save-interval":
                guard let s = Int(value), s >= 1 else { throw .line(path, number, "cache-save-interval must be a whole number of seconds, at least 1") }
                cacheSaveIntervalSeconds = s
            case "metrics":
                let endpoint: EndpointText
                do { endpoint = try EndpointText(value, defaultPort: 0) } catch { throw .line(path, number, "metrics: \(error.description)") }
                guard endpoint.endpoint.port != 0 else { throw .line(path, number, "metrics needs a port: ADDRESS:PORT, such as 127.0.0.1:9464 or [::1]:9464") }
                metrics = value
            case "nat-traversal": natTraversal = try Self.flag(value, key: key, path: path, number: number)
            case "relay-slots":
                guard let n = Int(value), (0...NodeConfiguration.maximumRelayEndpoints).contains(n) else {
                    throw .line(path, number, "relay-slots must be a whole number from 0 to \(NodeConfiguration.maximumRelayEndpoints)")
                }
                relaySlots = n
            case "stream-relay-port":
                guard let n = UInt16(value), n > 0 else { throw .line(path, number, "stream-relay-port must be a TCP port number from 1 to 65535") }
                streamRelayPort = n
            default:
                throw .line(path, number, "unknown key '\(key)'; known keys: \(Self.keys.joined(separator: ", "))")
            }
        }
    }

    private static func flag(_ value: String, key: String, path: String, number: Int) throws(DaemonConfigError) -> Bool {
        switch value.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw .line(path, number, "`\(key)` must be yes or no, not '\(value)'")
        }
    }
}

/// Why a `pnrp node --config` file was refused.
public enum DaemonConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(String)
    /// Line `number` of the file is wrong, and how.
    case line(String, Int, String)

    /// One sentence saying what is wrong and what to do.
    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the config file \(path)"
        case .line(let path, let number, let why): "\(path):\(number): \(why)"
        }
    }
}
