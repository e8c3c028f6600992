/// The history page (`evpack history`, the preview's `/history`): its context for
/// templates/html/across/history.mustache, bounded in size whatever the number of packs.
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
