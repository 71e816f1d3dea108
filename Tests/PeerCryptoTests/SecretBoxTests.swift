import PeerCrypto
import NetworkLab
import Testing

@Suite(.onComputeThread) struct SecretBoxTests {
    @Test func holdsACopy() {
        var source: [UInt8] = [1, 2, 3, 4]
        let box = SecretBox(copying: source)
        ConstantTime.wipe(&source)
        #expect(box.count == 4)
        #expect(box.withBytes { Array($0) } == [1, 2, 3, 4])
        let empty = SecretBox(copying: [UInt8]())
        #expect(empty.count == 0)
        #expect(empty.withBytes { $0.count } == 0)
    }
}
