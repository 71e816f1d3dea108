import Foundation

/// Standalone SVG 1.1 charts, 800 × 500 pixels, that any browser shows without other software.
///
/// The output depends only on the arguments: coordinates are written with two decimals through
/// `NumberText`, so the same data always gives the same bytes.
public enum SVGPlot {
    /// Width of every chart, in pixels.
    public static let width = 800
    /// Height of every chart, in pixels.
    public static let height = 500

    /// A bar chart, one bar per bucket in the order given, labelled under the x axis (labels are thinned
    /// out when they would overlap). Bars start at 0; non-finite values are drawn as 0.
    public static func histogram(title: String, xLabel: String, yLabel: String, buckets: [(label: String, value: Double)]) -> String {
        let values = buckets.map { $0.value.isFinite ? $0.value : 0 }
        let frame = Frame(left: 80, right: Double(width - 30), top: 50, bottom: Double(height - 70))
        let yAxis = Axis(low: Swift.min(values.min() ?? 0, 0), high: Swift.max(values.max() ?? 1, 0))
        var svg = header(title: title)
        svg += grid(frame: frame, yAxis: yAxis)

        let n = buckets.count
        if n == 0 {
            svg += noData(frame: frame)
        } else {
            let slot = frame.width / Double(n)
            let gap = Swift.min(slot * 0.1, 4)
            let zeroY = frame.y(0, on: yAxis)
            let maxLabel = buckets.map { $0.label.count }.max() ?? 1
            let labelEvery = Swift.max(1, Int((Double(n) * (Double(maxLabel) * 7 + 8) / frame.width).rounded(.up)))
            let showValues = n <= 24
            svg += "<g fill=\"\(palette[0])\">\n"
            for (i, v) in values.enumerated() {
                let x = frame.left + Double(i) * slot + gap
                let y = frame.y(v, on: yAxis)
                svg += "<rect x=\"\(f(x))\" y=\"\(f(Swift.min(y, zeroY)))\" width=\"\(f(Swift.max(slot - 2 * gap, 0.5)))\" height=\"\(f(abs(zeroY - y)))\"/>\n"
            }
            svg += "</g>\n"
            svg += "<g font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">\n"
            for (i, bucket) in buckets.enumerated() {
                let cx = frame.left + (Double(i) + 0.5) * slot
                if i % labelEvery == 0 {
                    svg += "<line x1=\"\(f(cx))\" y1=\"\(f(frame.bottom))\" x2=\"\(f(cx))\" y2=\"\(f(frame.bottom + 5))\" stroke=\"#333\"/>\n"
                    svg += "<text x=\"\(f(cx))\" y=\"\(f(frame.bottom + 19))\">\(escape(bucket.label))</text>\n"
                }
                if showValues, let text = NumberText.decimal(values[i], significantDigits: 4) {
                    let top = Swift.min(frame.y(values[i], on: yAxis), zeroY)
                    svg += "<text x=\"\(f(cx))\" y=\"\(f(top - 4))\" font-size=\"10\">\(text)</text>\n"
                }
            }
            svg += "</g>\n"
        }
        svg += axes(frame: frame)
        svg += labels(frame: frame, xLabel: xLabel, yLabel: yLabel)
        return svg + "</svg>\n"
    }

    /// A line chart: each series is a polyline through its points in the order given, in its own colour,
    /// named in a legend to the right of the plot. Non-finite points are skipped and break the line;
    /// series of 40 points or fewer also get a dot at each point. The y axis includes 0 when no value is
    /// negative. With `logarithmicX` the x axis is logarithmic (for latencies spanning decades) and
    /// points with x ≤ 0 are skipped like non-finite ones.
    public static func lines(title: String, xLabel: String, yLabel: String, series: [(name: String, points: [(Double, Double)])], logarithmicX: Bool = false) -> String {
        func drawable(_ p: (Double, Double)) -> Bool { p.0.isFinite && p.1.isFinite && (!logarithmicX || p.0 > 0) }
        let finite = series.flatMap { $0.points.filter(drawable) }
        let legendWidth: Double = series.isEmpty ? 0 : Double(Swift.min(series.map { $0.name.count }.max() ?? 0, maxLegendChars)) * 7 + 44
        let frame = Frame(left: 80, right: Double(width - 30) - legendWidth, top: 50, bottom: Double(height - 70))
        let xs = finite.map(\.0), ys = finite.map(\.1)
        let xAxis = logarithmicX ? Axis(logarithmicLow: xs.min() ?? 1, high: xs.max() ?? 10) : Axis(low: xs.min() ?? 0, high: xs.max() ?? 1)
        let yLow = ys.min() ?? 0
        let yAxis = Axis(low: yLow >= 0 ? 0 : yLow, high: ys.max() ?? 1)

        var svg = header(title: title)
        svg += grid(frame: frame, yAxis: yAxis, xAxis: xAxis)
        if finite.isEmpty { svg += noData(frame: frame) }

        for (index, s) in series.enumerated() {
            let colour = palette[index % palette.count]
            var segments: [[(Double, Double)]] = [[]]
            for (x, y) in s.points {
                if drawable((x, y)) {
                    segments[segments.count - 1].append((frame.x(x, on: xAxis), frame.y(y, on: yAxis)))
                } else if !(segments.last?.isEmpty ?? true) {
                    segments.append([])
                }
            }
            svg += "<g stroke=\"\(colour)\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\">\n"
            for segment in segments where segment.count > 1 {
                svg += "<polyline points=\"" + segment.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>\n"
            }
            svg += "</g>\n"
            if s.points.count <= 40 {
                svg += "<g fill=\"\(colour)\">\n"
                for segment in segments { for p in segment { svg += "<circle cx=\"\(f(p.0))\" cy=\"\(f(p.1))\" r=\"3\"/>\n" } }
                svg += "</g>\n"
            }
        }
        svg += axes(frame: frame)
        svg += labels(frame: frame, xLabel: xLabel, yLabel: yLabel)

        if !series.isEmpty {
            let x = frame.right + 16
            svg += "<g font-size=\"12\" fill=\"#333\">\n"
            for (index, s) in series.enumerated() {
                let y = frame.top + 8 + Double(index) * 20
                let name = s.name.count > maxLegendChars ? String(s.name.prefix(maxLegendChars - 1)) + "…" : s.name
                svg += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 22))\" y2=\"\(f(y))\" stroke=\"\(palette[index % palette.count])\" stroke-width=\"3\"/>\n"
                svg += "<text x=\"\(f(x + 28))\" y=\"\(f(y + 4))\">\(escape(name))</text>\n"
            }
            svg += "</g>\n"
        }
        return svg + "</svg>\n"
    }

    // MARK: - Pieces

    /// Longest legend name shown whole (longer ones end in "…"); the plot narrows to leave room for it.
    private static let maxLegendChars = 40
    private static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    private static func header(title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="Helvetica, Arial, sans-serif">
        <rect x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff"/>
        <text x="\(width / 2)" y="30" font-size="18" font-weight="bold" text-anchor="middle" fill="#111">\(escape(title))</text>

        """
    }

    /// Horizontal grid lines and y tick labels; vertical ones and x tick labels when `xAxis` is given.
    private static func grid(frame: Frame, yAxis: Axis, xAxis: Axis? = nil) -> String {
        var svg = "<g font-size=\"12\" fill=\"#333\">\n"
        for tick in yAxis.ticks {
            let y = frame.y(tick, on: yAxis)
            svg += "<line x1=\"\(f(frame.left))\" y1=\"\(f(y))\" x2=\"\(f(frame.right))\" y2=\"\(f(y))\" stroke=\"#e0e0e0\"/>\n"
            svg += "<line x1=\"\(f(frame.left - 5))\" y1=\"\(f(y))\" x2=\"\(f(frame.left))\" y2=\"\(f(y))\" stroke=\"#333\"/>\n"
            svg += "<text x=\"\(f(frame.left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(yAxis.label(tick))</text>\n"
        }
        if let xAxis {
            for tick in xAxis.ticks {
                let x = frame.x(tick, on: xAxis)
                svg += "<line x1=\"\(f(x))\" y1=\"\(f(frame.top))\" x2=\"\(f(x))\" y2=\"\(f(frame.bottom))\" stroke=\"#e0e0e0\"/>\n"
                svg += "<line x1=\"\(f(x))\" y1=\"\(f(frame.bottom))\" x2=\"\(f(x))\" y2=\"\(f(frame.bottom + 5))\" stroke=\"#333\"/>\n"
                svg += "<text x=\"\(f(x))\" y=\"\(f(frame.bottom + 19))\" text-anchor=\"middle\">\(xAxis.label(tick))</text>\n"
            }
        }
        return svg + "</g>\n"
    }

    private static func axes(frame: Frame) -> String {
        "<path d=\"M\(f(frame.left)),\(f(frame.top)) V\(f(frame.bottom)) H\(f(frame.right))\" fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\"/>\n"
    }

    private static func labels(frame: Frame, xLabel: String, yLabel: String) -> String {
        let cx = (frame.left + frame.right) / 2, cy = (frame.top + frame.bottom) / 2
        return """
            <text x="\(f(cx))" y="\(f(frame.bottom + 48))" font-size="14" text-anchor="middle" fill="#111">\(escape(xLabel))</text>
            <text x="22" y="\(f(cy))" font-size="14" text-anchor="middle" fill="#111" transform="rotate(-90 22 \(f(cy)))">\(escape(yLabel))</text>

            """
    }

    private static func noData(frame: Frame) -> String {
        "<text x=\"\(f((frame.left + frame.right) / 2))\" y=\"\(f((frame.top + frame.bottom) / 2))\" font-size=\"16\" text-anchor=\"middle\" fill=\"#999\">no data</text>\n"
    }

    private static func f(_ v: Double) -> String { NumberText.fixed(v, decimals: 2) }

    /// `text` with the five XML special characters escaped, and characters XML 1.0 forbids dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The plot area in SVG coordinates (y grows downwards).
    private struct Frame {
        var left, right, top, bottom: Double
        var width: Double { right - left }
        func x(_ v: Double, on axis: Axis) -> Double { left + axis.position(v) * (right - left) }
        func y(_ v: Double, on axis: Axis) -> Double { bottom - axis.position(v) * (bottom - top) }
    }

    /// A linear axis whose ends are rounded out to a multiple of a 1, 2, 2.5 or 5 × 10ⁿ step, giving
    /// about six ticks; or a logarithmic one whose ends are rounded out to powers of ten, with a tick at
    /// each (and at 2 and 5 times each when the axis spans at most two decades).
    private struct Axis {
        var low: Double, high: Double, step: Double
        var logarithmic = false

        /// A logarithmic axis over the positive range `dataLow` … `dataHigh`.
        init(logarithmicLow dataLow: Double, high dataHigh: Double) {
            let lo = log10(dataLow).rounded(.down)
            var hi = log10(dataHigh).rounded(.up)
            if !(hi > lo) { hi = lo + 1 }
            low = pow(10, lo)
            high = pow(10, hi)
            step = 1
            logarithmic = true
        }

        /// Where `v` falls between the ends, 0 … 1.
        func position(_ v: Double) -> Double {
            logarithmic ? (log10(v) - log10(low)) / (log10(high) - log10(low)) : (v - low) / (high - low)
        }

        init(low dataLow: Double, high dataHigh: Double) {
            var lo = dataLow, hi = dataHigh
            if !(hi > lo) {  // one value (or none): a unit-wide range around it
                let pad = lo == 0 ? 1 : abs(lo) * 0.5
                lo = lo == 0 ? 0 : lo - pad
                hi = hi + pad
            }
            let rough = (hi - lo) / 6
            let magnitude = pow(10, (log10(rough)).rounded(.down))
            let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
            self.step = step
            low = (lo / step).rounded(.down) * step
            high = (hi / step).rounded(.up) * step
        }

        var ticks: [Double] {
            if logarithmic {
                let lo = Int(log10(low).rounded()), hi = Int(log10(high).rounded())
                let multiples: [Double] = hi - lo <= 2 ? [1, 2, 5] : [1]
                return (lo...hi).flatMap { e in multiples.map { $0 * pow(10, Double(e)) } }.filter { $0 <= high * (1 + 1e-9) }
            }
            let n = Int(((high - low) / step).rounded())
            return (0...Swift.max(n, 0)).map { i in
                let v = low + Double(i) * step
                return abs(v) < step * 1e-9 ? 0 : v
            }
        }

        /// A tick value in plain decimal, with a k, M or G suffix when the axis reaches 10⁴, 10⁶ or 10⁹
        /// (on a logarithmic axis, when the tick itself does).
        func label(_ v: Double) -> String {
            let top = logarithmic ? abs(v) : Swift.max(abs(low), abs(high))
            let (scale, suffix): (Double, String) = top >= 1e9 ? (1e9, "G") : top >= 1e6 ? (1e6, "M") : top >= 1e4 ? (1e3, "k") : (1, "")
            guard let text = NumberText.decimal(v / scale, significantDigits: 6) else { return "" }
            return text == "0" ? "0" : text + suffix
        }
    }
}
