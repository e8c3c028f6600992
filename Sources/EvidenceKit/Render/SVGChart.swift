/// The geometry of a small inline SVG bar chart, computed here so the template only places
/// numbers (and escapes labels): no script, no external request.
struct SVGChart {
    enum Orientation { case vertical, horizontal }

    var id: String
    var title: String
    var description: String
    var orientation: Orientation
    var counts: [OperationsSummary.Count]

    /// At most this many bars carry their value as text; every bar has a `<title>`.
    static let maxValueLabels = 12

    var context: [String: Any] {
        let maximum = max(1, counts.map(\.value).max() ?? 0)
        var bars: [[String: Any]] = []
        let n = counts.count
        let width = 600
        var height = 220
        var axis: (x1: Double, x2: Double, y: Double) = (10, 590, 190)
        switch orientation {
        case .vertical:
            let slot = 580.0 / Double(max(n, 1))
            let barWidth = max(2, slot * 0.7)
            let labelEvery = n <= 12 ? 1 : (n + 9) / 10
            for (i, count) in counts.enumerated() {
                let h = 170.0 * Double(count.value) / Double(maximum)
                let x = 10 + Double(i) * slot + (slot - barWidth) / 2
                let y = 190 - h
                bars.append(bar(count, x: x, y: y, w: barWidth, h: h,
                                value: (x + barWidth / 2, y - 4, "middle"), label: (x + barWidth / 2, 206, "middle"),
                                showLabel: i % labelEvery == 0 || i == n - 1, showValue: n <= Self.maxValueLabels))
            }
        case .horizontal:
            height = 16 + 26 * max(n, 1)
            axis = (140, 140, 0)
            for (i, count) in counts.enumerated() {
                let w = 380.0 * Double(count.value) / Double(maximum)
                let y = 8 + Double(i) * 26
                bars.append(bar(count, x: 140, y: y, w: w, h: 18,
                                value: (140 + w + 4, y + 13, "start"), label: (134, y + 13, "end"),
                                showLabel: true, showValue: true))
            }
            axis.y = Double(height - 4)
        }
        var result: [String: Any] = [
            "id": id, "title": title, "description": description, "width": String(width), "height": String(height),
            "bars": bars, "rows": counts.map { ["label": $0.label, "value": String($0.value)] }, "hasRows": !counts.isEmpty,
        ]
        if orientation == .horizontal {
            result["axisX1"] = number(axis.x1)
            result["axisX2"] = number(axis.x1)
            result["axisY"] = "4"
            result["axisY2"] = number(axis.y)
        } else {
            result["axisX1"] = number(axis.x1)
            result["axisX2"] = number(axis.x2)
            result["axisY"] = number(axis.y)
            result["axisY2"] = number(axis.y)
        }
        return result
    }

    private func bar(_ count: OperationsSummary.Count, x: Double, y: Double, w: Double, h: Double,
                     value: (Double, Double, String), label: (Double, Double, String), showLabel: Bool, showValue: Bool) -> [String: Any] {
        [
            "x": number(x), "y": number(y), "w": number(w), "h": number(h),
            "valueX": number(value.0), "valueY": number(value.1), "valueAnchor": value.2,
            "labelX": number(label.0), "labelY": number(label.1), "labelAnchor": label.2,
            "label": count.label, "value": String(count.value),
            "valueText": showValue ? String(count.value) : "",
            "shortLabel": showLabel ? shortLabel(count.label) : "",
        ]
    }

    /// `2026-11-20` → `11-20` on a day axis; other labels as they are, cut to 18 characters.
    private func shortLabel(_ label: String) -> String {
        if orientation == .vertical, label.count == 10, label.dropFirst(4).first == "-" { return String(label.dropFirst(5)) }
        return label.count > 18 ? String(label.prefix(17)) + "…" : label
    }

    /// A coordinate with at most one decimal, the same bytes on every machine.
    private func number(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }
}
