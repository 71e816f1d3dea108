import Foundation
import PNRPNetwork
import Testing

/// How `pnrp clouds` words a cloud's size: the names counted when the node's leaf sets hold the whole cloud, an
/// estimate with the range where the truth lies nine times in ten otherwise, nothing without an estimate.
@Suite("pnrp clouds: the size as one node can know it")
struct CloudStatusTextTests {
    /// A status as the node's control socket sends it.
    static func status(_ size: Double?, _ low: Double?, _ high: Double?, registrations: Int = 1) -> CloudStatus {
        func field(_ key: String, _ value: Double?) -> String {
            guard let value else { return "" }
            return value.isNaN ? #","\#(key)":"nan""# : #","\#(key)":\#(value)"#
        }
        let json = #"{"name":"Global_","endpoint":"127.0.0.1:3540","state":"active","cachedEntries":3,"registrations":\#(registrations)"#
            + field("estimatedSize", size) + field("estimatedSizeLow", low) + field("estimatedSizeHigh", high) + "}"
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try! decoder.decode(CloudStatus.self, from: Data(json.utf8))
    }

    @Test("a count, an estimate with its range, an estimate from an older node, and no estimate")
    func wording() {
        // A count of names; the nodes are inferred from it (a node may register several names).
        #expect(Self.status(4, 4, 4).sizeDescription == "~4 nodes (4 names counted)")
        #expect(Self.status(3, 3, 3, registrations: 2).sizeDescription == "~3 nodes (6 names counted)")
        #expect(Self.status(1_003.4, 640.2, 1_749.6).sizeDescription == "~1,003 nodes (likely 640-1,750)")
        #expect(Self.status(1_234_567, 745_000, 2_160_000).sizeDescription == "~1,234,567 nodes (likely 745,000-2,160,000)")
        // A node that reports no range (an older version): the estimate alone, still marked as one.
        #expect(Self.status(17.2, nil, nil).sizeDescription == "~17 nodes")
        #expect(Self.status(nil, nil, nil).sizeDescription == nil)
        // Nonsense from a damaged answer is not printed as a size.
        #expect(Self.status(.nan, 1, 2).sizeDescription == nil)
        #expect(Self.status(10, 20, 5).sizeDescription == "~10 nodes")
    }
}
