#if os(Linux)
    import Foundation

    // The lab's calls that wait (for a command, a datagram, a connection, a deadline), for a test's task: each
    // runs the blocking version through `offCooperativePool`, within the same bound.

    extension LabCommand {
        @discardableResult
        public static func run(_ executable: String, _ arguments: [String], seconds: Double = 30) async throws -> Result {
            try await offCooperativePool { try run(executable, arguments, seconds: seconds) }
        }

        @discardableResult
        public static func check(_ executable: String, _ arguments: [String], seconds: Double = 30) async throws -> Result {
            try await offCooperativePool { try check(executable, arguments, seconds: seconds) }
        }
    }

    extension NATLab {
        /// Builds the lab (see the blocking `init`) off the cooperative pool.
        public init(publicHosts: Int, sites kinds: [NATKind], delay: Duration? = nil, by mechanism: DelayMechanism? = nil, tag: String = "") async throws {
            self = try await offCooperativePool { try NATLab(publicHosts: publicHosts, sites: kinds, delay: delay, by: mechanism, tag: tag) }
        }

        @discardableResult
        public func run(in namespace: String, _ executable: String, _ arguments: [String], seconds: Double = 30) async throws -> LabCommand.Result {
            try await offCooperativePool { try run(in: namespace, executable, arguments, seconds: seconds) }
        }
    }

    extension LabUDPSocket {
        public func receive(timeout: Duration) async throws -> LabDatagram? {
            try await offCooperativePool { try self.receive(timeout: timeout) }
        }

        public func receive(until deadline: ContinuousClock.Instant) async throws -> LabDatagram? {
            try await offCooperativePool { try self.receive(until: deadline) }
        }

        public func receiveAll(timeout: Duration) async throws -> [LabDatagram] {
            try await offCooperativePool { try self.receiveAll(timeout: timeout) }
        }
    }

    extension LabTCPSocket {
        public func finishConnect(until deadline: ContinuousClock.Instant) async throws -> ConnectOutcome {
            try await offCooperativePool { self.finishConnect(until: deadline) }
        }

        public func connect(to destination: LabEndpoint, timeout: Duration) async throws -> ConnectOutcome {
            try await offCooperativePool { try self.connect(to: destination, timeout: timeout) }
        }

        public func accept(timeout: Duration) async throws -> LabTCPSocket? {
            try await offCooperativePool { try self.accept(timeout: timeout) }
        }

        public func receive(timeout: Duration) async throws -> [UInt8]? {
            try await offCooperativePool { try self.receive(timeout: timeout) }
        }
    }
#endif
