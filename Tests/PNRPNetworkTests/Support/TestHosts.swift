import Logging
import PNRPNetwork

/// Settings and logging for in-process hosts of the control and state tests.
enum TestHosts {
    /// Only problems are logged.
    static let logger: Logger = {
        var l = Logger(label: "pnrp-control-test")
        l.logLevel = .warning
        return l
    }()

    /// A global cloud on `address`:`port`, no link-local clouds, no multicast, quick timers.
    static func configuration(address: String, port: UInt16, seeds: [String]) throws -> HostConfiguration {
        var c = HostConfiguration()
        c.address = address
        c.port = port
        c.linkLocal = .none
        c.multicastDiscovery = false
        c.seeds = try seeds.map { try EndpointText($0) }
        c.node.maintenanceInterval = .seconds(1)
        c.node.retransmitInterval = .milliseconds(200)
        return c
    }
}
