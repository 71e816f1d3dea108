import Foundation

/// Turns control messages into lines of JSON and back. Every failure to read a line becomes a
/// `ControlError` of kind `badInput` naming the problem; nothing here traps on bad input.
public enum ControlCodec {
    struct Header: Decodable {
        var version: Int?
        var op: String?
    }

    /// The JSON line of `value` (no newline inside: JSON escapes control characters in strings), ending
    /// with a newline.
    public static func line(_ value: some Encodable) throws(ControlError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value)) + [0x0A]
        } catch {
            throw ControlError(.internal, "cannot encode the message: \(error)")
        }
    }

    /// Reads a request line (without its newline).
    public static func request(_ bytes: some Collection<UInt8>) throws(ControlError) -> ControlRequest {
        let data = Data(bytes)
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw ControlError(.badInput, "the request is not a JSON object; send one line like {\"version\":1,\"op\":\"status\"}")
        }
        guard let version = header.version else { throw ControlError(.badInput, "the request has no \"version\"; this node speaks version \(ControlProtocol.version)") }
        guard version == ControlProtocol.version else {
            throw ControlError(.badInput, "request version \(version) is not supported; this node speaks version \(ControlProtocol.version)")
        }
        guard let op = header.op else {
            throw ControlError(.badInput, "the request has no \"op\"; expected one of \(ControlRequest.operations.joined(separator: ", "))")
        }
        do {
            return try JSONDecoder().decode(ControlRequest.self, from: data)
        } catch let error as DecodingError {
            throw ControlError(.badInput, "bad '\(op)' request: \(describe(error))")
        } catch {
            throw ControlError(.badInput, "bad '\(op)' request: \(error)")
        }
    }

    /// Reads a response line (without its newline).
    public static func response(_ bytes: some Collection<UInt8>) throws(ControlError) -> ControlResponse {
        let data = Data(bytes)
        do {
            let header = try JSONDecoder().decode(Header.self, from: data)
            if let v = header.version, v != ControlProtocol.version {
                throw ControlError(.internal, "the node speaks control protocol version \(v), this command version \(ControlProtocol.version); use the pnrp binary that started the node")
            }
            return try JSONDecoder().decode(ControlResponse.self, from: data)
        } catch let error as ControlError {
            throw error
        } catch let error as DecodingError {
            throw ControlError(.internal, "unreadable answer from the node: \(describe(error))")
        } catch {
            throw ControlError(.internal, "unreadable answer from the node: \(error)")
        }
    }

    /// One short sentence for a decoding error: what is wrong, and where.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" in \(path(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) should be \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) should be \(type), not null"
        case .dataCorrupted(let context):
            return context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
