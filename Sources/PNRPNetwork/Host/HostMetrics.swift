import Metrics
import PNRP

/// The host's swift-metrics instruments: messages in and out by type, drops by reason, resolutions by
/// outcome, and per-cloud cache size and state. Whatever backend the application bootstraps receives them.
struct HostMetrics: Sendable {
    /// One set of instruments for the process: every host's counts add up under the same labels. Created
    /// when the first host starts: bootstrap `MetricsSystem` before that, as swift-metrics asks.
    static let shared = HostMetrics()

    let received: [UInt8: Counter]
    let sent: [UInt8: Counter]
    let bytesIn = Counter(label: "pnrp_bytes_received_total")
    let bytesOut = Counter(label: "pnrp_bytes_sent_total")
    let malformed = Counter(label: "pnrp_datagrams_dropped_total", dimensions: [("reason", "malformed")])
    let rateLimited = Counter(label: "pnrp_datagrams_dropped_total", dimensions: [("reason", "rate_limit")])
    let amplification = Counter(label: "pnrp_datagrams_dropped_total", dimensions: [("reason", "amplification")])
    let resolved = Counter(label: "pnrp_resolutions_total", dimensions: [("outcome", "found")])
    let resolveFailed = Counter(label: "pnrp_resolutions_total", dimensions: [("outcome", "failed")])
    let resolveLatency = Timer(label: "pnrp_resolution_duration")
    /// The stream relay (`docs/deviations.md`, X6): pairs spliced, bytes copied (both ways), hellos refused or
    /// timed out, and pairs spliced now.
    let streamRelayPairs = Counter(label: "pnrp_stream_relay_pairs_total")
    let streamRelayBytes = Counter(label: "pnrp_stream_relay_bytes_total")
    let streamRelayRefused = Counter(label: "pnrp_stream_relay_refused_total")
    let streamRelayActivePairs = Gauge(label: "pnrp_stream_relay_active_pairs")

    init() {
        var r: [UInt8: Counter] = [:]
        var s: [UInt8: Counter] = [:]
        for t in MessageType.allCases {
            let name = "\(t)".uppercased()
            r[t.rawValue] = Counter(label: "pnrp_messages_received_total", dimensions: [("type", name)])
            s[t.rawValue] = Counter(label: "pnrp_messages_sent_total", dimensions: [("type", name)])
        }
        (received, sent) = (r, s)
    }

    /// Gauges of one cloud: cached entries, names registered here, and whether it is active.
    struct CloudGauges {
        let cacheSize: Gauge
        let registeredNames: Gauge
        let active: Gauge

        init(_ cloud: CloudScope) {
            cacheSize = Gauge(label: "pnrp_cache_entries", dimensions: [("cloud", cloud.description)])
            registeredNames = Gauge(label: "pnrp_registered_names", dimensions: [("cloud", cloud.description)])
            active = Gauge(label: "pnrp_cloud_active", dimensions: [("cloud", cloud.description)])
        }
    }
}
