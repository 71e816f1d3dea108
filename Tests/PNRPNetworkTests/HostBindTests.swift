import PNRP
import PNRPNetwork
import Testing

/// A cloud socket is exclusive: a second node on the same address and port is refused, not silently
/// sharing the port (and its datagrams) with the first.
@Suite("Host bind")
struct HostBindTests {
    @Test("A second host on the same address and port fails with HostError.bind")
    func portInUse() async throws {
        let configuration = try TestHosts.configuration(address: "127.0.0.1", port: 41_720, seeds: [])
        let first = try await PNRPHost.start(configuration, logger: TestHosts.logger)
        do {
            let second = try await PNRPHost.start(configuration, logger: TestHosts.logger)
            Issue.record("a second host bound 127.0.0.1:41720")
            await second.shutdown()
        } catch let error as HostError {
            guard case .bind(let address, _) = error else {
                Issue.record("unexpected error \(error)")
                await first.shutdown()
                return
            }
            #expect(address == "127.0.0.1:41720")
        }
        await first.shutdown()
    }
}
