import Mustache

/// The HTML pages across packs — the diff, the history, the preview's listing — rendered with
/// the Mustache templates under `templates/html/across/` and the packs' own style sheet and
/// Content-Security-Policy: self-contained, no script, every value escaped by `{{name}}`.
public enum AcrossPages {
    /// The pages; each one takes `across-head` and `across-foot`.
    static let pages = ["diff", "history", "listing", "message"]
    static let partials = ["head", "foot"]

    static let library: MustacheLibrary = {
        do {
            return try load()
        } catch {
            preconditionFailure("the bundled templates are broken: \(error)")
        }
    }()

    /// The bundled pages with the packs' style sheet and status badge.
    static func load() throws(TemplateError) -> MustacheLibrary {
        var library = MustacheLibrary()
        var files: [(name: String, relative: String)] = [("style", "html/style.css"), ("status", "html/status.mustache"),
                                                         ("across-style", "html/across/style.css")]
        files += partials.map { ("across-" + $0, "html/across/\($0).mustache") }
        files += pages.map { ($0, "html/across/\($0).mustache") }
        for (name, relative) in files {
            var text = try TemplateSet.bundledText(relative)
            if TemplateSet.inlinePartials.contains(name), text.hasSuffix("\n") { text.removeLast() }
            do {
                library.register(try MustacheTemplate(string: text), named: name)
            } catch {
                throw .invalidTemplate(file: "templates/" + relative, message: TemplateSet.describe(error))
            }
        }
        return library
    }

    /// Renders `page` with `context`; control characters from inputs become U+FFFD.
    static func render(_ page: String, _ context: [String: Any]) -> String {
        var context = context
        context["toolVersion"] = EvidencePack.version
        guard var text = library.render(context, withTemplate: page) else {
            preconditionFailure("template \(page) is not registered")
        }
        if !text.hasSuffix("\n") { text += "\n" }
        return XMLText.sanitized(text)
    }

    /// The preview's listing of packs, from the context `evpack serve` makes of its packs.
    public static func listing(_ context: [String: Any]) -> String {
        render("listing", context)
    }

    /// A short page with a title and one message (the preview's error pages).
    public static func message(title: String, message: String, footNote: String) -> String {
        render("message", ["pageTitle": title, "message": message, "hasNav": false, "footNote": footNote])
    }

    /// A status badge: a symbol and a word, never colour alone.
    static func status(_ status: String?) -> [String: Any] {
        guard let status else { return ["cls": "muted", "sym": "–", "text": "absent"] }
        let symbols = ["ready": "✓", "next": "→", "review": "?", "blocked": "✕"]
        return ["cls": status, "sym": symbols[status] ?? "•", "text": status]
    }

    /// The diff page; `links` are the hrefs of each pack's `index.html` (nil: no link).
    public static func diff(_ diff: PackDiff, links: (old: String?, new: String?) = (nil, nil), nav: [[String: Any]] = []) -> String {
        render("diff", diffContext(diff, links: links, nav: nav))
    }

    static func diffContext(_ diff: PackDiff, links: (old: String?, new: String?), nav: [[String: Any]]) -> [String: Any] {
        func side(_ side: PackDiff.Side, label: String, href: String?) -> [String: Any] {
            [
                "label": label, "name": side.name, "href": href ?? false, "cls": side.isGo ? "go" : "no-go",
                "decision": PackDiff.decision(side), "asOf": side.asOf, "payloadShort": Checksum.short(side.payloadChecksum),
                "signed": side.signed,
            ]
        }
        var inputChanges: [[String: Any]] = []
        func add(_ what: String, _ changes: [PackDiff.InputChange], short: Bool) {
            for change in changes {
                let show = { (value: String?) in short ? PackDiff.short(value) : (value ?? "0") }
                inputChanges.append(["what": what, "key": change.key, "before": show(change.before), "after": show(change.after)])
            }
        }
        if let payload = diff.inputs.payload {
            inputChanges.append(["what": "payload checksum", "key": "", "before": payload.before ?? "", "after": payload.after ?? ""])
        }
        add("snapshot section", diff.inputs.snapshotSections, short: true)
        add("accepted records", diff.inputs.recordCounts, short: false)
        add("option", diff.inputs.options, short: true)
        return [
            "pageTitle": "diff \(diff.old.name) → \(diff.new.name)",
            "hasNav": !nav.isEmpty, "nav": nav,
            "sides": [side(diff.old, label: "old", href: links.old), side(diff.new, label: "new", href: links.new)],
            "unchanged": diff.isUnchanged,
            "decisionText": diff.decisionText, "decisionRegressed": diff.decisionRegressed,
            "families": diff.families.map { family in
                [
                    "id": family.id, "changed": family.changed, "before": PackDiff.fraction(family.before),
                    "after": PackDiff.fraction(family.after), "beforeDecision": family.before?.decision ?? "—",
                    "afterDecision": family.after?.decision ?? "—",
                ] as [String: Any]
            },
            "hasChecks": !diff.checks.isEmpty,
            "checks": diff.checks.map { change in
                [
                    "kind": change.kind.rawValue, "family": change.family, "check": change.check,
                    "before": status(change.before), "after": status(change.after), "owner": change.owner ?? "—", "detail": change.detail,
                ] as [String: Any]
            },
            "notReadyCount": String(diff.stillNotReady.count), "hasNotReady": !diff.stillNotReady.isEmpty,
            "notReady": diff.stillNotReady.map { check in
                [
                    "family": check.family, "check": check.check, "status": status(check.status), "owner": check.owner ?? "—",
                    "detail": check.detail,
                ] as [String: Any]
            },
            "hasInputChanges": !inputChanges.isEmpty, "inputChanges": inputChanges,
            "packets": diff.packets.map { packet in
                var lines: [[String: String]] = []
                for hunk in packet.diff?.hunks ?? [] {
                    lines.append(["cls": "hunk", "text": hunk.header])
                    lines += hunk.lines.map { ["cls": $0.kind.rawValue, "text": $0.unified] }
                }
                return [
                    "key": packet.key, "file": "data/" + packet.file, "before": packet.before ?? "absent", "after": packet.after ?? "absent",
                    "removed": String(packet.diff?.removed ?? 0), "added": String(packet.diff?.added ?? 0),
                    "note": packet.diff?.note ?? false, "lines": lines,
                    "omitted": (packet.diff?.omitted ?? 0) > 0 ? String(packet.diff!.omitted) : false,
                ] as [String: Any]
            },
            "footNote": "Both packs were checked for archive safety and BagIt validity before they were compared; evpack verify PACK replays a pack's checks.",
        ]
    }
}

// MARK: - history

extension AcrossPages {
    /// Where the history page links to: a pack's `index.html` and its diff from the previous
    /// pack of its session (nil: no link).
    public struct HistoryLinks {
        public var pack: (PackHistory.Entry) -> String?
        public var diff: (PackHistory.Entry) -> String?

        public init(pack: @escaping (PackHistory.Entry) -> String?, diff: @escaping (PackHistory.Entry) -> String? = { _ in nil }) {
            self.pack = pack
            self.diff = diff
        }
    }

    /// Sessions shown in full (the ones with the latest packs); the others get one row each.
    public static let detailedSessions = 20
    /// Packs listed one by one per session (the newest); older ones are summarised.
    public static let listedPacks = 25
    /// Sessions listed with one row each beyond the detailed ones.
    public static let listedSessions = 300
    /// Points of a trend line at most (evenly spread over the session, the last always in).
    public static let trendPoints = 60

    /// The history page: bounded in size whatever the number of packs.
    public static func history(_ history: PackHistory, links: HistoryLinks, nav: [[String: Any]] = []) -> String {
        render("history", historyContext(history, links: links, nav: nav))
    }

    static func historyContext(_ history: PackHistory, links: HistoryLinks, nav: [[String: Any]]) -> [String: Any] {
        let detailed = history.sessions.prefix(detailedSessions)
        let rest = history.sessions.dropFirst(detailedSessions)
        let allAsOf = history.sessions.flatMap { [$0.entries.first?.asOf, $0.entries.last?.asOf] }.compactMap { $0 }.sorted()
        let sessions: [[String: Any]] = detailed.map { session in
            let entries = session.entries
            let shown = entries.suffix(listedPacks).reversed()
            let older = entries.dropLast(listedPacks)
            var context: [String: Any] = [
                "name": clip(session.name), "count": plural(entries.count, "pack"),
                "trends": trends(entries),
                "packs": shown.map { entry in packRow(entry, links: links) },
                "older": false,
            ]
            if let first = older.first, let last = older.last {
                let go = older.count { $0.isGo }
                let regressions = older.count { $0.change?.regressed == true }
                context["older"] = [
                    "count": plural(older.count, "older pack"), "from": first.asOf, "to": last.asOf,
                    "go": String(go), "noGo": String(older.count - go), "regressions": plural(regressions, "regression"),
                ]
            }
            return context
        }
        let otherRows: [[String: Any]] = rest.prefix(listedSessions).map { session in
            let last = session.entries.last!
            return [
                "name": clip(session.name), "count": String(session.entries.count), "from": session.entries.first!.asOf, "to": last.asOf,
                "decision": decisionBadge(last), "href": links.pack(last) ?? false, "lastName": clip(last.name),
            ]
        }
        let hiddenSessions = max(0, rest.count - listedSessions)
        return [
            "pageTitle": "history", "hasNav": !nav.isEmpty, "nav": nav,
            "folder": history.folder,
            "empty": history.sessions.isEmpty,
            "summary": "\(plural(history.packCount, "pack")) in \(plural(history.sessions.count, "session"))"
                + (allAsOf.isEmpty ? "" : ", as of \(allAsOf.first!) to \(allAsOf.last!)"),
            "sessions": sessions,
            "hasOtherSessions": !otherRows.isEmpty, "otherSessions": otherRows,
            "otherCount": plural(rest.count, "more session"),
            "hiddenSessions": hiddenSessions > 0 ? plural(hiddenSessions, "more session") : false,
            "hasUnreadable": !history.unreadable.isEmpty,
            "unreadableCount": plural(history.unreadable.count, "name"),
            "unreadable": history.unreadable.prefix(50).map { ["key": clip($0.key), "reason": clip($0.reason)] },
            "moreUnreadable": history.unreadable.count > 50 ? String(history.unreadable.count - 50) : false,
            "footNote": "Each pack was checked for archive safety and BagIt validity before it was read; evpack verify PACK replays a pack's checks.",
        ]
    }

    static func packRow(_ entry: PackHistory.Entry, links: HistoryLinks) -> [String: Any] {
        let record = entry.pack.report
        let ready = record.families.reduce(0) { $0 + $1.ready }, total = record.families.reduce(0) { $0 + $1.total }
        var change: Any = false
        if let c = entry.change {
            change = [
                "summary": clip(c.summary), "regressed": c.regressed, "unchanged": c.unchanged, "href": links.diff(entry) ?? false,
            ] as [String: Any]
        }
        return [
            "asOf": clip(entry.asOf), "name": clip(entry.name), "href": links.pack(entry) ?? false,
            "stored": entry.keys.count > 1 ? "folder and archive" : entry.pack.kind,
            "signed": entry.pack.signed, "decision": decisionBadge(entry),
            "checks": "\(ready)/\(total)", "payloadShort": Checksum.short(record.snapshot.payloadChecksum),
            "change": change, "disagreement": entry.disagreement.map { clip($0) } ?? false,
        ]
    }

    static func decisionBadge(_ entry: PackHistory.Entry) -> [String: Any] {
        let production = entry.pack.report.production
        return [
            "cls": entry.isGo ? "go" : "no-go", "sym": entry.isGo ? "✓" : "✕",
            "text": clip(production.blocking.map { "\(production.decision) \($0)" } ?? production.decision),
        ]
    }

    /// One small trend per family of the session's latest pack: its N/M over the packs.
    static func trends(_ entries: [PackHistory.Entry]) -> [[String: Any]] {
        guard let latest = entries.last else { return [] }
        let picked = SVGTrend.sample(entries.indices, count: trendPoints).map { entries[$0] }
        return latest.pack.report.families.map { family in
            let values: [(ready: Int, total: Int)?] = picked.map { entry in
                entry.pack.report.family(family.id).map { ($0.ready, $0.total) }
            }
            let first = values.compactMap { $0 }.first
            let trend = SVGTrend(values: values.map { $0.map { $0.total == 0 ? 1 : Double($0.ready) / Double($0.total) } })
            return [
                "family": family.id.rawValue, "now": "\(family.ready)/\(family.total)",
                "points": trend.points, "width": String(SVGTrend.width), "height": String(SVGTrend.height),
                "title": "\(family.id.rawValue): \(first.map { "\($0.ready)/\($0.total)" } ?? "–") → \(family.ready)/\(family.total) over \(plural(entries.count, "pack"))",
            ]
        }
    }

    /// Text from a pack cut to `limit` characters, so no pack can make the page large.
    static func clip(_ text: String, limit: Int = 300) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

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
