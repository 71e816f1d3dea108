import Foundation
import PNRP
import PNRPSimulation
import NetworkLab
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Groups the metrics suites, so that `--filter Metrics` selects them all.
enum MetricsTests {}

extension MetricsTests {
    @Suite(.onComputeThread) struct NumberTextTests {
        @Test func plainDecimalWithSixSignificantDigits() {
            #expect(NumberText.decimal(1234.5678) == "1234.57")
            #expect(NumberText.decimal(0.000123456789) == "0.000123457")
            #expect(NumberText.decimal(123_456_789) == "123457000")
            #expect(NumberText.decimal(42) == "42")
            #expect(NumberText.decimal(-1.5) == "-1.5")
            #expect(NumberText.decimal(0.1 + 0.2) == "0.3")
            #expect(NumberText.decimal(9_999_996) == "10000000")
            #expect(NumberText.decimal(1e-20, significantDigits: 3) == "0.00000000000000000001")
            #expect(NumberText.decimal(1e20) == "100000000000000000000")
            #expect(NumberText.decimal(2.0 / 3, significantDigits: 3) == "0.667")
            #expect(NumberText.decimal(-0.0) == "0")
            #expect(NumberText.decimal(0) == "0")
        }

        @Test func nonFiniteValuesHaveNoText() {
            #expect(NumberText.decimal(.nan) == nil)
            #expect(NumberText.decimal(.infinity) == nil)
            #expect(NumberText.decimal(-.infinity) == nil)
        }

        @Test func fixedDecimals() {
            #expect(NumberText.fixed(12.5, decimals: 2) == "12.5")
            #expect(NumberText.fixed(3, decimals: 2) == "3")
            #expect(NumberText.fixed(1.005, decimals: 0) == "1")
            #expect(NumberText.fixed(-0.001, decimals: 2) == "0")
            #expect(NumberText.fixed(.nan, decimals: 2) == "0")
        }
    }
}

extension MetricsTests {
    @Suite(.onComputeThread) struct LatencyRecorderTests {
        @Test func percentilesOfAUniformRangeWithinHistogramPrecision() {
            // 1 ms, 2 ms … 10,000 ms: the true p-th percentile is p % of 10 s. Three significant digits put every
            // value within 0.1 % (the reported value is the upper end of its bucket).
            var recorder = LatencyRecorder()
            for ms in 1...10_000 { recorder.record(.milliseconds(UInt64(ms))) }
            let p = recorder.percentiles
            #expect(p.count == 10_000)
            for (reported, exact) in [(p.p50, 5000.0), (p.p90, 9000), (p.p99, 9900), (p.p999, 9990)] {
                #expect(reported >= exact && reported <= exact * 1.001, "\(reported) vs \(exact)")
            }
            #expect(p.max == 10_000)
            #expect(abs(recorder.mean - 5000.5) < 5000.5 * 0.001)
        }

        @Test func subMillisecondResolution() {
            var recorder = LatencyRecorder()
            recorder.record(NodeDuration(nanoseconds: 250_000))  // 250 µs
            #expect(recorder.percentiles.p50 == 0.25)
            #expect(recorder.percentiles.max == 0.25)
        }

        @Test func emptyRecorder() {
            let recorder = LatencyRecorder()
            #expect(recorder.percentiles == .empty)
            #expect(recorder.mean == 0)
            #expect(recorder.cdf(points: 10).isEmpty)
        }

        @Test func durationsBeyondAnHourCountAsAnHour() {
            var recorder = LatencyRecorder()
            recorder.record(.hours(2))
            recorder.record(.seconds(1))
            #expect(recorder.count == 2)
            #expect(recorder.clampedCount == 1)
            #expect(recorder.percentiles.max == 3_600_000)
        }

        @Test func cdfPointsRiseToOne() {
            var recorder = LatencyRecorder()
            var random = RandomSource(seed: 3)
            for _ in 0..<50_000 { recorder.record(DurationDistribution.exponential(mean: .milliseconds(40)).sample(using: &random)) }
            let points = recorder.cdf(points: 100)
            #expect(points.count > 50 && points.count <= 100)
            #expect(points.last?.fraction == 1)
            #expect(points.last?.value == recorder.percentiles.max)
            for (a, b) in zip(points, points.dropFirst()) {
                #expect(a.value < b.value && a.fraction <= b.fraction)
            }
            // The point nearest the median: exponential with mean 40 ms has its median at 40·ln 2 ≈ 27.7 ms.
            let middle = points.min { abs($0.fraction - 0.5) < abs($1.fraction - 0.5) }!
            #expect(abs(middle.value - 40 * log(2)) < 1.5)
        }

        @Test func mergeAddsCounts() {
            var a = LatencyRecorder(), b = LatencyRecorder()
            for ms in 1...100 { a.record(.milliseconds(UInt64(ms))) }
            for ms in 101...200 { b.record(.milliseconds(UInt64(ms))) }
            a.merge(b)
            #expect(a.count == 200)
            #expect(a.percentiles.max == 200)
            #expect(a.percentiles.p50 >= 100 && a.percentiles.p50 <= 100.1)
        }
    }
}

extension MetricsTests {
    @Suite(.onComputeThread) struct CountHistogramTests {
        @Test func exactPercentilesAndMean() {
            var h = CountHistogram()
            // 0 ×10, 1 ×20, 2 ×40, 3 ×20, 4 ×9, 12 ×1: 100 values.
            for (value, n) in [(0, 10), (1, 20), (2, 40), (3, 20), (4, 9), (12, 1)] {
                for _ in 0..<n { h.record(value) }
            }
            #expect(h.count == 100)
            #expect(h.mean == Double(0 * 10 + 1 * 20 + 2 * 40 + 3 * 20 + 4 * 9 + 12) / 100)
            #expect(h.percentiles == Percentiles(p50: 2, p90: 3, p99: 4, p999: 12, max: 12, count: 100))
            #expect(h.value(atPercentile: 30) == 1)  // exactly 30 values ≤ 1
            #expect(h.value(atPercentile: 30.5) == 2)
            #expect(h.value(atPercentile: 0) == 0)
            #expect(h.value(atPercentile: 100) == 12)
            let buckets = h.buckets
            #expect(buckets.count == 13)
            #expect(buckets.map(\.value) == Array(0...12))
            #expect(buckets[2].count == 40 && buckets[5].count == 0 && buckets[12].count == 1)
        }

        @Test func valuesOutsideTheRangeGoToTheEndBuckets() {
            var h = CountHistogram()
            h.record(100)
            h.record(-3)
            #expect(h.buckets.count == 65)
            #expect(h.buckets[64].count == 1 && h.buckets[0].count == 1)
            #expect(h.percentiles.max == 64)
        }

        @Test func emptyAndMerge() {
            var a = CountHistogram(largest: 8)
            #expect(a.percentiles == .empty && a.buckets.isEmpty && a.mean == 0)
            var b = CountHistogram()
            b.record(3)
            b.record(20)
            a.merge(b)
            #expect(a.count == 2 && a.buckets.count == 9 && a.buckets[8].count == 1 && a.mean == 5.5)
        }
    }
}

extension MetricsTests {
    @Suite(.onComputeThread) struct TimeSeriesTests {
        @Test func csvIsPlainAndStable() {
            var series = TimeSeries(columns: ["time_s", "resolutions", "p99 ms", "note, quoted \"x\""])
            series.append([0, 12, 1.0 / 3, 1e-7])
            series.append([60, 1_234_567, .nan, -.infinity])
            series.append(["time_s": 120, "p99 ms": 2.5])
            let expected = #"time_s,resolutions,p99 ms,"note, quoted ""x""""# + "\n"
                + "0,12,0.333333,0.0000001\n"
                + "60,1234570,,\n"
                + "120,,2.5,\n"
            #expect(series.csv() == expected)
            #expect(series.csv() == series.csv())
            #expect(series.column("time_s") == [0, 60, 120])
            #expect(series.column("missing") == nil)
            #expect(!series.csv().contains("nan") && !series.csv().contains("e-"))
        }

        @Test func significantDigitsAreConfigurable() {
            var series = TimeSeries(columns: ["x"], significantDigits: 3)
            series.append([3.14159])
            #expect(series.csv() == "x\n3.14\n")
        }
    }
}

extension MetricsTests {
    @Suite(.onComputeThread) struct JSONTextTests {
        @Test func keysInOrderAndStringsEscaped() throws {
            let text = jsonObject([
                ("zeta", 1), ("alpha", "quote \" back \\ line\n tab\t bell\u{07} é"), ("missing", .number(.nan)),
                ("ratio", .number(0.1 + 0.2)), ("ok", true), ("none", .null), ("list", .raw(jsonArray([1, 2.5, "x"]))),
            ])
            #expect(text == #"{"zeta":1,"alpha":"quote \" back \\ line\n tab\t bell\u0007 é","missing":null,"ratio":0.3,"ok":true,"none":null,"list":[1,2.5,"x"]}"#)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(parsed["alpha"] as? String == "quote \" back \\ line\n tab\t bell\u{07} é")
            #expect(parsed.count == 7)
        }

        @Test func emptyContainers() {
            #expect(jsonObject([]) == "{}")
            #expect(jsonArray([]) == "[]")
            #expect(jsonString("") == "\"\"")
        }
    }
}

/// Collects the element names and character data of an XML document.
private final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var attributes: [[String: String]] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(elementName)
        attributes.append(attributeDict)
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

private func parseXML(_ svg: String) -> (ok: Bool, collector: XMLCollector) {
    let collector = XMLCollector()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = collector
    return (parser.parse(), collector)
}

extension MetricsTests {
    @Suite(.onComputeThread) struct SVGPlotTests {
        static let bucketSample: [(label: String, value: Double)] = [
            (label: "0", value: 3), (label: "1", value: 40), (label: "2", value: 180), (label: "3", value: 420), (label: "4", value: 250),
            (label: "5", value: 80), (label: "6", value: 20), (label: "7", value: 6), (label: "8", value: 1),
        ]

        static func lineSample() -> [(name: String, points: [(Double, Double)])] {
            var recorder = LatencyRecorder(), lossy = LatencyRecorder()
            var random = RandomSource(seed: 17)
            for _ in 0..<20_000 {
                recorder.record(DurationDistribution.weibull(shape: 1.5, scale: .milliseconds(120)).sample(using: &random))
                lossy.record(DurationDistribution.pareto(shape: 2.5, scale: .milliseconds(80)).sample(using: &random))
            }
            return [
                (name: "no loss", points: recorder.cdf(points: 200).map { ($0.value, $0.fraction) }),
                (name: "5 % loss & <retries>", points: lossy.cdf(points: 200).map { ($0.value, $0.fraction) }),
                (name: "reference", points: [(0, 0), (200, 0.5), (.nan, 0.7), (600, 1)]),
            ]
        }

        @Test func histogramIsValidDeterministicSVG() throws {
            let title = "Hop counts & <resolutions>"
            let svg = SVGPlot.histogram(title: title, xLabel: "hops", yLabel: "resolutions", buckets: Self.bucketSample)
            #expect(svg == SVGPlot.histogram(title: title, xLabel: "hops", yLabel: "resolutions", buckets: Self.bucketSample))
            let (ok, xml) = parseXML(svg)
            #expect(ok)
            #expect(xml.elements.first == "svg")
            #expect(xml.attributes.first?["width"] == "800" && xml.attributes.first?["height"] == "500")
            #expect(xml.attributes.first?["version"] == "1.1")
            #expect(xml.text.contains(title) && xml.text.contains("hops") && xml.text.contains("resolutions"))
            #expect(xml.elements.filter { $0 == "rect" }.count == 1 + Self.bucketSample.count)  // background + bars
            #expect(xml.text.contains("400"))  // a y tick of the 0…500 axis
            try writeExample("histogram.svg", svg)
        }

        @Test func linesAreValidDeterministicSVG() throws {
            let svg = SVGPlot.lines(title: "Resolution latency CDF", xLabel: "latency (ms)", yLabel: "fraction resolved", series: Self.lineSample())
            #expect(svg == SVGPlot.lines(title: "Resolution latency CDF", xLabel: "latency (ms)", yLabel: "fraction resolved", series: Self.lineSample()))
            let (ok, xml) = parseXML(svg)
            #expect(ok)
            #expect(xml.text.contains("Resolution latency CDF"))
            #expect(xml.text.contains("5 % loss & <retries>") && xml.text.contains("no loss"))
            #expect(xml.text.contains("0.4") && xml.text.contains("4000"))
            #expect(!svg.contains("nan") && !svg.contains("inf"))
            // Two CDF polylines plus the reference split in two by its NaN point (the single point after the
            // gap is drawn as a dot only).
            #expect(xml.elements.filter { $0 == "polyline" }.count == 3)
            try writeExample("lines.svg", svg)

            let logarithmic = SVGPlot.lines(title: "Resolution latency CDF", xLabel: "latency (ms)", yLabel: "fraction resolved", series: Self.lineSample(), logarithmicX: true)
            #expect(parseXML(logarithmic).ok)
            #expect(logarithmic.contains(">10<") && logarithmic.contains(">100<") && logarithmic.contains(">1000<"))
            #expect(logarithmic != svg)
            try writeExample("lines-log.svg", logarithmic)
        }

        @Test func emptyAndDegenerateInputsStillGiveValidSVG() {
            let cases = [
                SVGPlot.histogram(title: "empty", xLabel: "x", yLabel: "y", buckets: []),
                SVGPlot.histogram(title: "zeros", xLabel: "x", yLabel: "y", buckets: [(label: "a", value: 0), (label: "b", value: .nan)]),
                SVGPlot.lines(title: "empty", xLabel: "x", yLabel: "y", series: []),
                SVGPlot.lines(title: "one point", xLabel: "x", yLabel: "y", series: [(name: "s", points: [(5, 5)])]),
                SVGPlot.lines(title: "no finite point", xLabel: "x", yLabel: "y", series: [(name: "s", points: [(.nan, 1), (1, .infinity)])]),
                SVGPlot.lines(title: "big numbers", xLabel: "x", yLabel: "y", series: [(name: "s", points: [(0, 0), (3e9, 2e5)])]),
            ]
            for svg in cases {
                #expect(parseXML(svg).ok)
                #expect(!svg.contains("nan") && !svg.contains("inf"))
            }
            #expect(cases[0].contains("no data") && cases[2].contains("no data") && cases[4].contains("no data"))
            #expect(cases[5].contains(">3G<") && cases[5].contains(">200k<"))
        }

        @Test func manyBucketsThinOutTheirLabels() {
            let buckets = (0..<200).map { (label: "bucket \($0)", value: Double($0 % 17)) }
            let svg = SVGPlot.histogram(title: "many", xLabel: "x", yLabel: "y", buckets: buckets)
            let (ok, xml) = parseXML(svg)
            #expect(ok)
            let labels = xml.text.components(separatedBy: "bucket ").count - 1
            #expect(labels > 5 && labels < 20)
        }

        /// Writes `svg` to the directory named by `PNRP_SIM_PLOT_DIR`, when set, for looking at.
        private func writeExample(_ name: String, _ svg: String) throws {
            guard let dir = ProcessInfo.processInfo.environment["PNRP_SIM_PLOT_DIR"] else { return }
            try svg.write(to: URL(fileURLWithPath: dir).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }
}
