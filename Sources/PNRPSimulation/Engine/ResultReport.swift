import Foundation
import PNRP

extension SimulationResult {
    /// The JSON summary: byte-stable for one scenario and seed (no wall-clock figures). A rate, mean or
    /// percentile of nothing (no resolution of that kind started, or none succeeded) is `null`, never 0.
    public func summaryJSON() -> String {
        let hopsP = hops.percentiles
        let latencyP = latency.percentiles
        func rate(_ r: Double?) -> JSONItem { .number(r ?? .nan) }
        /// A statistic of hop counts or latencies, null when nothing was recorded.
        func stat(_ value: Double, of count: Int) -> JSONItem { .number(count > 0 ? value : .nan) }
        /// A count this run did not measure is null.
        func optional(_ count: Int?) -> JSONItem { count.map { .integer($0) } ?? .raw("null") }
        let failureItems = failures.sorted { $0.key < $1.key }.map { ($0.key, JSONItem.integer($0.value)) }
        let hopHistogram = jsonArray(hops.buckets.map { .raw(jsonArray([.integer($0.value), .integer($0.count)])) })
        return jsonObject([
            ("scenario", .string(scenario.name)),
            ("seed", .string(String(scenario.seed))),
            ("nodes", .integer(scenario.nodes)),
            ("durationSeconds", .number(Double(scenario.duration.nanoseconds) / 1e9)),
            ("resolutionsStarted", .integer(started)),
            ("resolutionsSucceeded", .integer(succeeded)),
            ("successRate", rate(successRate)),
            ("publisherLeftDuringResolution", .integer(publisherLeft)),
            ("stayedOnlineSuccessRate", rate(stayedOnlineSuccessRate)),
            ("securedResolutionsStarted", .integer(securedStarted)),
            ("securedSuccessRate", rate(securedSuccessRate)),
            ("forgedAnswersAccepted", .integer(forgedAccepted)),
            ("misdirectedAnswersAccepted", .integer(misdirectedAccepted)),
            ("steeredLookups", .integer(steeredLookups)),
            ("replayedCPAs", .integer(replayedCPAs)),
            ("reflection", reflection.map { r in
                .raw(jsonObject([
                    ("forgedBytes", .integer(r.forgedBytes)), ("forgedDatagrams", .integer(r.forgedDatagrams)),
                    ("victimBytes", .integer(r.victimBytes)), ("victimDatagrams", .integer(r.victimDatagrams)),
                    ("amplification", .number(r.amplification ?? .nan)),
                ]))
            } ?? .raw("null")),
            ("forgedDatagrams", .integer(forgedDatagrams)),
            ("forgedBytes", .integer(forgedBytes)),
            ("attackerClaims", .integer(attackerClaims)),
            ("victimCachedAtPublisher", optional(victimCachedAtPublisher)),
            ("victimCachedAtAttacker", optional(victimCachedAtAttacker)),
            ("aloneAfterJoin", optional(aloneAfterJoin)),
            ("signaturesMade", optional(signaturesMade)),
            ("signatureChecks", optional(signatureChecks)),
            ("predictionAttempts", optional(predictionAttempts)),
            ("predictionsConfirmed", optional(predictionsConfirmed)),
            ("linkLocalResolutionsStarted", .integer(linkLocalStarted)),
            ("linkLocalSuccessRate", rate(linkLocalSuccessRate)),
            ("linkLocalMeanHops", stat(linkLocalHops.mean, of: linkLocalHops.count)),
            ("firstNameResolutionsStarted", .integer(victimStarted)),
            ("firstNameSuccessRate", rate(firstNameSuccessRate)),
            ("otherRegistrationAnswers", .integer(otherRegistration)),
            ("unanswered", .integer(unanswered)),
            ("registrationsLost", .integer(registrationsLost)),
            ("registrationsStillLost", .integer(registrationsStillLost)),
            ("unlinkedNeighboursAfterJoin", optional(unlinkedNeighboursAfterJoin)),
            ("unlinkedNeighboursAtEnd", optional(unlinkedNeighboursAtEnd)),
            ("failures", .raw(jsonObject(failureItems))),
            ("hops", .raw(jsonObject([
                ("mean", stat(hops.mean, of: hops.count)), ("p50", stat(hopsP.p50, of: hops.count)), ("p90", stat(hopsP.p90, of: hops.count)),
                ("p99", stat(hopsP.p99, of: hops.count)), ("max", stat(hopsP.max, of: hops.count)), ("histogram", .raw(hopHistogram)),
            ]))),
            ("latencyMilliseconds", .raw(jsonObject([
                ("mean", stat(latency.mean, of: latency.count)), ("p50", stat(latencyP.p50, of: latency.count)),
                ("p90", stat(latencyP.p90, of: latency.count)), ("p99", stat(latencyP.p99, of: latency.count)),
                ("p999", stat(latencyP.p999, of: latency.count)), ("max", stat(latencyP.max, of: latency.count)),
            ]))),
            ("traffic", .raw(jsonObject([
                ("datagrams", .integer(traffic.totalDatagrams)), ("bytes", .integer(traffic.totalBytes)),
                ("lost", .integer(traffic.lost)), ("blockedByNAT", .integer(traffic.blockedByNAT)),
                ("undeliverable", .integer(traffic.undeliverable)),
                ("byType", .raw(jsonObject(MessageType.allCases.map { type in
                    ("\(type)", .raw(jsonObject([
                        ("datagrams", .integer(traffic.datagrams[type])),
                        ("bytes", .integer(traffic.bytes[type])),
                    ])))
                }))),
            ]))),
            ("traceHash", .string(String(traceHash, radix: 16))),
        ])
    }

    /// The time series, one row per report interval.
    public var timeSeries: TimeSeries {
        var series = TimeSeries(columns: Self.columns)
        for row in rows { series.append(row) }
        return series
    }

    /// The report's pictures as (file name, SVG text): hop histogram, latency CDF, success and traffic
    /// over time.
    public func plots() -> [(String, String)] {
        let series = timeSeries
        let time = series.column("time_s") ?? []
        func points(_ column: String) -> [(Double, Double)] {
            zip(time, series.column(column) ?? []).filter { $0.1.isFinite }.map { ($0.0, $0.1) }
        }
        let hopBuckets = hops.buckets.map { (label: String($0.value), value: Double($0.count)) }
        let cdf = latency.cdf(points: 200).map { ($0.value, $0.fraction) }
        let traffic = ["bytes_per_node_s"].map { (name: "bytes per node per second", points: points($0)) }
        let names = Self.plotFileNames
        return [
            (names[0], SVGPlot.histogram(title: "Hops per successful resolution (\(scenario.name))", xLabel: "hops", yLabel: "resolutions", buckets: hopBuckets)),
            (names[1], SVGPlot.lines(title: "Resolution latency CDF (\(scenario.name))", xLabel: "latency (ms)", yLabel: "fraction of resolutions", series: [(name: "resolutions", points: cdf)])),
            (names[2], SVGPlot.lines(title: "Resolution success over time (\(scenario.name))", xLabel: "time (s)", yLabel: "success rate", series: [(name: "success rate", points: points("success_rate"))])),
            (names[3], SVGPlot.lines(title: "Traffic over time (\(scenario.name))", xLabel: "time (s)", yLabel: "bytes per node per second", series: traffic)),
        ]
    }

    /// Writes summary.json, timeseries.csv and (with `plots`) the SVG pictures into `directory`, each
    /// atomically (temporary file, then rename).
    public func write(to directory: String, plots withPlots: Bool) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files = [("summary.json", summaryJSON() + "\n"), ("timeseries.csv", timeSeries.csv())]
        if withPlots { files += plots() }
        for (name, text) in files {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
        }
    }
}
