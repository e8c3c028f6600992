/// The GitHub-flavoured Markdown summary of a pack for a CI job page (SPEC §10): the decision
/// first, the blocking chain, the checks that are not ready with their owners, every family's
/// N/M and decision, the record counts, the payload checksum and the pack's archive name.
///
/// It lays out an `EvidenceReport` and computes no figure of its own. Every value from the
/// inputs is escaped (Markdown punctuation, HTML, `|` in tables, line breaks) and cut to
/// `valueLimit` characters; lists stop at `listLimit` rows with "… and N more", so the summary
/// stays far under `maxBytes` whatever the number of records or checks (and is cut at a line
/// boundary if a hostile pack still got there).
public enum MarkdownSummary {
    /// The most bytes a summary has (GitHub drops a step summary over 1 MiB).
    public static let maxBytes = 1 << 20
    /// The most rows of a list (not-ready checks, families, chain steps).
    public static let listLimit = 50
    /// The most characters of one value (a detail, an owner, a session).
    public static let valueLimit = 300

    /// The summary of `report`; `packName` is the archive's file name (or the folder's).
    public static func render(_ report: EvidenceReport, packName: String) -> String {
        var lines: [String] = []
        let production = report.production
        if production.isGo {
            lines.append("## ✅ Production GO")
        } else {
            lines.append("## ❌ Production NO-GO" + (production.blocking.map { " — " + code($0) } ?? ""))
        }
        lines.append("")
        lines.append("Session \(code(report.snapshot.session)) · as-of \(code(report.options.asOf)) · "
            + "\(report.families.filter(\.complete).count)/\(report.families.count) families complete")

        if let chain = report.blockingChain {
            lines.append("")
            lines.append("**Blocking chain:** " + cut(chain.families, separator: " → ") { id in
                let family = report.family(id)
                return [code(id.rawValue), family?.count, family?.decision.map(code)].compactMap { $0 }.joined(separator: " ")
            })
        }

        let open = report.openChecks
        lines.append("")
        lines.append("### Not ready (\(open.count))")
        lines.append("")
        if open.isEmpty {
            lines.append("Every check is ready.")
        } else {
            lines.append("| Family | Check | Status | Owner | Detail |")
            lines.append("|---|---|---|---|---|")
            for item in open.prefix(listLimit) {
                let check = item.check
                lines.append(row([code(item.family.rawValue), code(check.id), check.status.rawValue,
                                  check.owner.map(text) ?? "—", text(check.detail)]))
            }
            if open.count > listLimit { lines.append(""); lines.append("… and \(open.count - listLimit) more") }
        }

        lines.append("")
        lines.append("### Families")
        lines.append("")
        lines.append("| Family | Ready | Decision |")
        lines.append("|---|---|---|")
        for family in report.families.prefix(listLimit) {
            lines.append(row([code(family.id.rawValue), family.count, family.decision.map(code) ?? "—"]))
        }
        if report.families.count > listLimit { lines.append(""); lines.append("… and \(report.families.count - listLimit) more") }

        if let operations = report.operations {
            let counts = operations.counts
            lines.append("")
            lines.append("### Records")
            lines.append("")
            lines.append("\(counts.totalAccepted) accepted ("
                + RecordKind.allCases.map { "\($0.rawValue) \(counts.accepted[$0] ?? 0)" }.joined(separator: ", ")
                + "); \(counts.rejected) rejected, \(counts.duplicatesSkipped) duplicates skipped, \(counts.expired) expired; "
                + "\(operations.stuckRuns.total) stuck runs, \(operations.failedRuns.total) failed runs, "
                + "\(operations.deployFindings.total) deploy policy findings, window \(code(operations.window)).")
        }

        lines.append("")
        lines.append("### Pack")
        lines.append("")
        lines.append("- Archive: \(code(packName))")
        lines.append("- Payload checksum: \(code(report.snapshot.payloadChecksumShort)) (\(code(report.snapshot.payloadChecksum)))")
        lines.append("- Tool: evpack \(code(report.toolVersion))")
        return bounded(lines)
    }

    // MARK: - layout

    /// The lines joined, each ending in a newline, cut at a line boundary below `maxBytes`.
    static func bounded(_ lines: [String]) -> String {
        var out = ""
        var bytes = 0
        let notice = "\n… cut at \(maxBytes) bytes\n"
        for line in lines {
            let size = line.utf8.count + 1
            if bytes + size + notice.utf8.count > maxBytes { return out + notice }
            out += line + "\n"
            bytes += size
        }
        return out
    }

    /// A table row: cells are already escaped, so `|` in a value cannot open a column.
    static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    /// The first `listLimit` items laid out and joined, then "… and N more".
    static func cut<Items: Collection>(_ items: Items, separator: String, _ layout: (Items.Element) -> String) -> String {
        var parts = items.prefix(listLimit).map(layout)
        if items.count > listLimit { parts.append("… and \(items.count - listLimit) more") }
        return parts.joined(separator: separator)
    }

    /// An identifier from our vocabulary (family, check, decision) as inline code, or as
    /// escaped text when it holds anything else (a pack can be hostile).
    static func code(_ value: String) -> String {
        let plain = !value.isEmpty && value.count <= valueLimit && value.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-.:/".unicodeScalars.contains($0)
        }
        return plain ? "`" + value + "`" : text(value)
    }

    /// A value as Markdown text that shows exactly its characters: the ASCII punctuation that
    /// Markdown, tables, math (`$`), emoji (`:`) or mentions (`@`) read is backslash-escaped,
    /// `&`, `<` and `>` become entities (GitHub renders inline HTML), line breaks and other
    /// control characters become spaces (a value never starts a line, so `-`, `+` and `1.`
    /// cannot open a block)
    /// (characters XML cannot hold become U+FFFD, as in evidence.xml), and the value is cut
    /// to `valueLimit` characters.
    static func text(_ value: String) -> String {
        var out = ""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == valueLimit {
                out += "…"
                break
            }
            count += 1
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\t", "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": out += " "
            case "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "!", "|", "~", "@", ":", "$":
                out += "\\"
                out.unicodeScalars.append(scalar)
            default:
                if !XMLText.isAllowed(scalar) {
                    out += "\u{FFFD}"
                } else if scalar.properties.generalCategory == .control {
                    out += " "
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
