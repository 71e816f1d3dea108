import PNRP
import PNRPInMemory

extension RouteEntry {
    /// `id` at the PNRP endpoint of simulated node `node`: what an attacker's claim of an ID names.
    init(id: PNRPID, atNode node: Int) {
        let endpoint = InMemoryCloud.endpoint(ofNode: node)
        self.init(id: id, port: endpoint.port, address: endpoint.address)
    }
}
