/// A unified diff of two texts, line by line (Myers' O((N+M)·D) algorithm), bounded in size:
/// at most `maxEdits` differing lines are aligned, and at most `maxLines` diff lines are kept.
public struct UnifiedDiff: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case context, removed, added
    }

    public struct Line: Sendable, Equatable {
        public var kind: Kind
        public var text: String

        /// The line as `diff -u` prints it: ` `, `-` or `+`, then the text.
        public var unified: String {
            switch kind {
            case .context: return " " + text
            case .removed: return "-" + text
            case .added: return "+" + text
            }
        }
    }

    public struct Hunk: Sendable, Equatable {
        /// `@@ -3,7 +3,8 @@`.
        public var header: String
        public var lines: [Line]
    }

    public var hunks: [Hunk]
    /// Lines removed and added in all (also those not kept).
    public var removed: Int
    public var added: Int
    /// Diff lines left out beyond `maxLines`.
    public var omitted: Int
    /// Set when the texts differ in too many lines to align: the old text is shown removed and
    /// the new one added.
    public var note: String?

    public var isEmpty: Bool { removed == 0 && added == 0 }

    /// The diff as `diff -u` prints its body (no file header lines), with a last line saying
    /// how many lines were left out.
    public var text: String {
        var out = ""
        if let note { out += "# \(note)\n" }
        for hunk in hunks {
            out += hunk.header + "\n"
            for line in hunk.lines { out += line.unified + "\n" }
        }
        if omitted > 0 { out += "# … and \(omitted) more diff lines\n" }
        return out
    }

    /// Lines of context around each change.
    public static let context = 3
    public static let maxEdits = 2_000
    public static let maxLines = 400

    /// The diff from `old` to `new`.
    public init(old: String, new: String, maxEdits: Int = UnifiedDiff.maxEdits, maxLines: Int = UnifiedDiff.maxLines) {
        let a = Self.lines(old), b = Self.lines(new)
        var script = Self.editScript(a, b, maxEdits: maxEdits)
        note = nil
        if script == nil {
            note = "more than \(maxEdits) lines differ: the old text is shown removed and the new one added"
            script = a.map { Edit.removed($0) } + b.map { Edit.added($0) }
        }
        let edits = script ?? []
        removed = edits.reduce(0) { if case .removed = $1 { return $0 + 1 } else { return $0 } }
        added = edits.reduce(0) { if case .added = $1 { return $0 + 1 } else { return $0 } }
        (hunks, omitted) = Self.hunks(edits, maxLines: maxLines)
    }

    enum Edit: Equatable {
        case same(Substring)
        case removed(Substring)
        case added(Substring)
    }

    /// The lines of `text`; a last line without a line break is a line too.
    static func lines(_ text: String) -> [Substring] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The shortest edit script from `a` to `b`, or nil when it needs more than `maxEdits` edits.
    static func editScript(_ a: [Substring], _ b: [Substring], maxEdits: Int) -> [Edit]? {
        // Common head and tail first: packets that change in one place cost nothing more.
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        let x = Array(a[head..<(a.count - tail)]), y = Array(b[head..<(b.count - tail)])
        guard let middle = myers(x, y, maxEdits: maxEdits) else { return nil }
        return a[..<head].map { Edit.same($0) } + middle + a[(a.count - tail)...].map { Edit.same($0) }
    }

    /// Myers' greedy algorithm, keeping the frontier of every step to walk back the path.
    private static func myers(_ a: [Substring], _ b: [Substring], maxEdits: Int) -> [Edit]? {
        let n = a.count, m = b.count
        if n == 0 { return b.map { .added($0) } }
        if m == 0 { return a.map { .removed($0) } }
        let limit = min(n + m, maxEdits)
        let offset = limit + 1
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        var trace: [[Int]] = []
        var found: Int?
        search: for d in 0...limit {
            trace.append(Array(v[(offset - d)...(offset + d)]))
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m {
                    found = d
                    break search
                }
            }
        }
        guard let steps = found else { return nil }
        var edits: [Edit] = []
        var x = n, y = m
        for d in stride(from: steps, to: 0, by: -1) {
            let frontier = trace[d]
            func at(_ k: Int) -> Int { frontier[k + d] }
            let k = x - y
            let previous = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1
            let px = at(previous), py = px - previous
            while x > px, y > py {
                edits.append(.same(a[x - 1]))
                x -= 1
                y -= 1
            }
            if x == px {
                edits.append(.added(b[y - 1]))
                y -= 1
            } else {
                edits.append(.removed(a[x - 1]))
                x -= 1
            }
        }
        while x > 0, y > 0 {
            edits.append(.same(a[x - 1]))
            x -= 1
            y -= 1
        }
        return edits.reversed()
    }

    /// The edits grouped into hunks with `context` lines around each change, cut at `maxLines`.
    private static func hunks(_ edits: [Edit], maxLines: Int) -> ([Hunk], omitted: Int) {
        let changed = edits.indices.filter { if case .same = edits[$0] { return false } else { return true } }
        guard !changed.isEmpty else { return ([], 0) }
        // Ranges of edits, each a change with its context, merged when they touch.
        var ranges: [Range<Int>] = []
        for index in changed {
            let range = max(0, index - context)..<min(edits.count, index + context + 1)
            if let last = ranges.last, range.lowerBound <= last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                ranges.append(range)
            }
        }
        // Line numbers before each edit.
        var oldLine = [Int](repeating: 0, count: edits.count + 1), newLine = oldLine
        for (i, edit) in edits.enumerated() {
            let (inOld, inNew): (Bool, Bool)
            switch edit {
            case .same: (inOld, inNew) = (true, true)
            case .removed: (inOld, inNew) = (true, false)
            case .added: (inOld, inNew) = (false, true)
            }
            oldLine[i + 1] = oldLine[i] + (inOld ? 1 : 0)
            newLine[i + 1] = newLine[i] + (inNew ? 1 : 0)
        }
        var hunks: [Hunk] = []
        var kept = 0, omitted = 0
        for range in ranges {
            let oldCount = oldLine[range.upperBound] - oldLine[range.lowerBound]
            let newCount = newLine[range.upperBound] - newLine[range.lowerBound]
            let oldStart = oldCount == 0 ? oldLine[range.lowerBound] : oldLine[range.lowerBound] + 1
            let newStart = newCount == 0 ? newLine[range.lowerBound] : newLine[range.lowerBound] + 1
            var lines: [Line] = []
            for edit in edits[range] {
                guard kept < maxLines else {
                    omitted += 1
                    continue
                }
                kept += 1
                lines.append(edit.line)
            }
            if !lines.isEmpty {
                hunks.append(Hunk(header: "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@", lines: lines))
            }
        }
        return (hunks, omitted)
    }
}

extension UnifiedDiff.Edit {
    var line: UnifiedDiff.Line {
        switch self {
        case .same(let t): return .init(kind: .context, text: String(t))
        case .removed(let t): return .init(kind: .removed, text: String(t))
        case .added(let t): return .init(kind: .added, text: String(t))
        }
    }
}
