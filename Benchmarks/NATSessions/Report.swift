#if os(Linux)
    import Foundation
    import NetworkLab

    /// The sessions of one User site.
    struct KindResult {
        var user: NATKind
        var timings: [SessionTiming] = []

        var paths: [String] { Array(Set(timings.map(\.path))).sorted() }
        var firstBytes: [Double] { timings.map(\.firstByteMilliseconds).sorted() }
        var median: Double { Report.percentile(firstBytes, 0.5) }
        var rates: [Double] { timings.compactMap(\.fileMegabytesPerSecond).sorted() }
        var relayCPU: [Double] { timings.compactMap(\.relayMicrosecondsPerMegabyte).sorted() }
    }

    /// The benchmark's figures, as text or JSON.
    struct Report {
        var delayMilliseconds: Int
        var helper: NATKind
        var mechanism: String
        var results: [KindResult]

        /// The `p` quantile of `sorted` (nearest rank).
        static func percentile(_ sorted: [Double], _ p: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
        }

        /// The median of the direct sessions (a User without NAT), when there are any.
        var directMedian: Double? { results.first { $0.user == .none && $0.paths == ["direct"] }?.median }
        /// One round trip on the delayed segment plus 50 ms.
        var target: Double { Double(2 * delayMilliseconds) + 50 }

        func extra(_ result: KindResult) -> Double? {
            guard result.user != .none, let directMedian else { return nil }
            return result.median - directMedian
        }

        var text: String {
            var lines = [
                "Time to first byte (the Helper's firstByteMilliseconds), Helper behind \(helper), \(delayMilliseconds) ms one-way delay (\(mechanism)):",
                "| User NAT | path | runs | median ms | min ms | max ms | extra vs. direct (target ≤ \(Int(target)) ms) |",
                "|---|---|---|---|---|---|---|",
            ]
            for r in results {
                let extraText = extra(r).map { String(format: "%+.1f ms %@", $0, $0 <= target ? "(met)" : "(NOT met)") } ?? "—"
                lines.append(
                    "| \(r.user) | \(r.paths.joined(separator: ", ")) | \(r.timings.count) | \(String(format: "%.1f", r.median)) | \(String(format: "%.1f", r.firstBytes.first ?? .nan)) | \(String(format: "%.1f", r.firstBytes.last ?? .nan)) | \(extraText) |"
                )
            }
            let invitation = results.flatMap(\.timings).map(\.invitationSeconds)
            let consent = results.flatMap(\.timings).map(\.consentSeconds)
            if !invitation.isEmpty {
                lines.append(
                    String(
                        format: "Around it: invitation ready %.1f–%.1f s after `invite` started; consent asked %.1f–%.1f s after `help` started (the Helper's node joins first).",
                        invitation.min()!, invitation.max()!, consent.min()!, consent.max()!))
            }
            let withFiles = results.filter { !$0.rates.isEmpty }
            if !withFiles.isEmpty {
                lines.append("File transfers (send-file to the verified file on disk), median of the runs:")
                for r in withFiles {
                    var line = "- User \(r.user) (\(r.paths.joined(separator: ", "))): \(String(format: "%.0f", Report.percentile(r.rates, 0.5))) MB/s"
                    if !r.relayCPU.isEmpty { line += String(format: ", relay CPU %.0f µs per MB", Report.percentile(r.relayCPU, 0.5)) }
                    lines.append(line)
                }
            }
            return lines.joined(separator: "\n")
        }

        var json: [String: Any] {
            [
                "delayMilliseconds": delayMilliseconds, "helperNAT": helper.rawValue, "delayMechanism": mechanism, "targetExtraMilliseconds": target,
                "userSites": results.map { r -> [String: Any] in
                    var o: [String: Any] = [
                        "userNAT": r.user.rawValue, "paths": r.paths, "firstByteMilliseconds": r.firstBytes, "medianMilliseconds": r.median,
                        "invitationSeconds": r.timings.map(\.invitationSeconds), "consentSeconds": r.timings.map(\.consentSeconds),
                    ]
                    if let e = extra(r) { o["extraMilliseconds"] = e }
                    if !r.rates.isEmpty { o["fileMegabytesPerSecond"] = r.rates }
                    if !r.relayCPU.isEmpty { o["relayMicrosecondsPerMegabyte"] = r.relayCPU }
                    return o
                },
            ]
        }
    }
#endif
