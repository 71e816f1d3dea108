import Foundation
import PNRP

extension SimulationResult {
    /// The JSON summary: byte-stable for one scenario and seed (no wall-clock figures).
    public func summaryJSON() -> String {
        let hopsP = hops.percentiles
        let latencyP = latency.percentiles
        let failureItems = failures.sorted { $0.key < $1.key }.map { ($0.key, JSONItem.integer($0.value)) }
        let hopHistogram = jsonArray(hops.buckets.map { .raw(jsonArray([.integer($0.value), .integer($0.count)])) })
        return jsonObject([
            ("scenario", .string(scenario.name)),
            ("seed", .string(String(scenario.seed))),
            ("nodes", .integer(scenario.nodes)),
            ("durationSeconds", .number(Double(scenario.duration.nanoseconds) / 1e9)),
            ("resolutionsStarted", .integer(started)),
            ("resolutionsSucceeded", .integer(succeeded)),
            ("successRate", .number(successRate)),
            ("securedResolutionsStarted", .integer(securedStarted)),
            ("securedSuccessRate", .number(securedSuccessRate)),
            ("forgedAnswersAccepted", .integer(forgedAccepted)),
            ("misdirectedAnswersAccepted", .integer(misdirectedAccepted)),
            ("steeredLookups", .integer(steeredLookups)),
            ("replayedCPAs", .integer(replayedCPAs)),
            ("linkLocalResolutionsStarted", .integer(linkLocalStarted)),
            ("linkLocalSuccessRate", .number(linkLocalStarted == 0 ? 0 : Double(linkLocalSucceeded) / Double(linkLocalStarted))),
            ("linkLocalMeanHops", .number(linkLocalHops.mean)),
            ("firstNameResolutionsStarted", .integer(victimStarted)),
            ("firstNameSuccessRate", .number(victimStarted == 0 ? 0 : Double(victimSucceeded) / Double(victimStarted))),
            ("otherRegistrationAnswers", .integer(otherRegistration)),
            ("unanswered", .integer(unanswered)),
            ("registrationsLost", .integer(registrationsLost)),
            ("unlinkedNeighboursAfterJoin", unlinkedNeighboursAfterJoin.map { .integer($0) } ?? .raw("null")),
            ("unlinkedNeighboursAtEnd", unlinkedNeighboursAtEnd.map { .integer($0) } ?? .raw("null")),
            ("failures", .raw(jsonObject(failureItems))),
            ("hops", .raw(jsonObject([
                ("mean", .number(hops.mean)), ("p50", .number(hopsP.p50)), ("p90", .number(hopsP.p90)),
                ("p99", .number(hopsP.p99)), ("max", .number(hopsP.max)), ("histogram", .raw(hopHistogram)),
            ]))),
            ("latencyMilliseconds", .raw(jsonObject([
                ("mean", .number(latency.mean)), ("p50", .number(latencyP.p50)), ("p90", .number(latencyP.p90)),
                ("p99", .number(latencyP.p99)), ("p999", .number(latencyP.p999)), ("max", .number(latencyP.max)),
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
        return [
            ("hops.svg", SVGPlot.histogram(title: "Hops per successful resolution (\(scenario.name))", xLabel: "hops", yLabel: "resolutions", buckets: hopBuckets)),
            ("latency-cdf.svg", SVGPlot.lines(title: "Resolution latency CDF (\(scenario.name))", xLabel: "latency (ms)", yLabel: "fraction of resolutions", series: [(name: "resolutions", points: cdf)])),
            ("success.svg", SVGPlot.lines(title: "Resolution success over time (\(scenario.name))", xLabel: "time (s)", yLabel: "success rate", series: [(name: "success rate", points: points("success_rate"))])),
            ("traffic.svg", SVGPlot.lines(title: "Traffic over time (\(scenario.name))", xLabel: "time (s)", yLabel: "bytes per node per second", series: traffic)),
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
