/// A small inline SVG line over values from 0 to 1 (a family's share of ready checks), drawn
/// from numbers only: the template places the points.
struct SVGTrend {
    static let width = 120
    static let height = 24

    /// One value per point; nil where the family is missing (the line skips it).
    var values: [Double?]

    /// `x,y x,y …` in the 120×24 view box, y growing down (1 at the top).
    var points: String {
        let n = values.count
        let step = n > 1 ? Double(Self.width - 4) / Double(n - 1) : 0
        var out: [String] = []
        for (i, value) in values.enumerated() {
            guard let value else { continue }
            let x = 2 + step * Double(i), y = 2 + (1 - min(1, max(0, value))) * Double(Self.height - 4)
            out.append("\(format(x)),\(format(y))")
        }
        if out.count == 1 { out.append("\(Self.width - 2),\(out[0].split(separator: ",")[1])") }
        return out.joined(separator: " ")
    }

    private func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }

    /// At most `count` indices of `range`, evenly spread, first and last included.
    static func sample(_ range: Range<Int>, count: Int) -> [Int] {
        guard range.count > count, count > 1 else { return Array(range) }
        return (0..<count).map { range.lowerBound + Int((Double($0) * Double(range.count - 1) / Double(count - 1)).rounded()) }
    }
}
