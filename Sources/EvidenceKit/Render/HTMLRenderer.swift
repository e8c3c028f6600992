import Mustache

/// One rendered page of the pack.
public struct HTMLPage: Sendable, Equatable {
    /// The file name under `data/`: `index.html`, `dry_run.html`.
    public var fileName: String
    public var text: String

    public init(fileName: String, text: String) {
        self.fileName = fileName
        self.text = text
    }
}

/// Renders the reviewer pages of a pack from a template set: `index.html`, one page per
/// family, and `operations.html` when the records were read. The figures come from the
/// `EvidenceReport`; the snapshot gives only what the pages add for people (actors' names,
/// the tenant's name, recorded transcripts).
///
/// Every value reaches the templates as a string and is HTML-escaped by `{{name}}`; lists
/// from the records are cut to `listLimit` rows, so a page's size does not grow with the
/// number of records.
public struct HTMLRenderer: Sendable {
    public var templates: TemplateSet
    /// The most rows a list of the operations page shows ("showing N of M").
    public static let listLimit = 50

    public init(templates: TemplateSet) {
        self.templates = templates
    }

    var labels: LabelCatalogue { templates.labels }

    /// Every page, index first, then the families in display order.
    public func pages(_ evaluation: Evaluation) -> [HTMLPage] {
        pages(EvidenceReport(evaluation: evaluation), snapshot: evaluation.snapshot)
    }

    /// Every page of `report`, index first, then the families in display order.
    public func pages(_ report: EvidenceReport, snapshot: Snapshot) -> [HTMLPage] {
        var pages = [index(report, snapshot: snapshot)]
        for family in report.families {
            pages.append(familyPage(family, report, snapshot: snapshot))
        }
        if Self.hasOperationsPageOnly(report) {
            pages.append(operationsPage(report, snapshot: snapshot))
        }
        return pages
    }

    /// Records were read but no operations family ran: their page stands on its own.
    private static func hasOperationsPageOnly(_ report: EvidenceReport) -> Bool {
        report.operations != nil && report.family(.operations) == nil
    }

    /// The file name of a family's page.
    public static func fileName(_ family: FamilyID) -> String { family.rawValue + ".html" }

    public func index(_ evaluation: Evaluation) -> HTMLPage {
        index(EvidenceReport(evaluation: evaluation), snapshot: evaluation.snapshot)
    }

    public func index(_ report: EvidenceReport, snapshot: Snapshot) -> HTMLPage {
        var context = common(report, title: labels.format("index.title"), current: nil)
        context["isIndex"] = true
        context["production"] = production(report)
        context["chain"] = chain(report, snapshot) ?? false
        context["families"] = report.families.map { familyRow($0) }
        context["operations"] = report.operations.map { operationsOverview($0) } ?? false
        context["tenant"] = snapshot.tenant.name.map { "\($0) (\(report.snapshot.tenant))" } ?? report.snapshot.tenant
        context["rows"] = String(report.snapshot.rows)
        context["capturedAt"] = report.snapshot.capturedAt
        return render("index", context, fileName: "index.html")
    }

    public func familyPage(_ family: EvidenceReport.Family, _ report: EvidenceReport, snapshot: Snapshot) -> HTMLPage {
        var context = common(report, title: familyTitle(family.id), current: family.id)
        var model = familyRow(family)
        model["summary"] = labels.format("family_summary.\(family.id.rawValue)")
        model["contract"] = family.contract ?? false
        model["facts"] = family.facts.map { fact in
            ["label": labels.text("fact.\(fact.key)") ?? fact.key, "value": fact.value]
        }
        // The owner column only where the family names owners.
        model["hasOwners"] = family.checks.contains { $0.owner != nil }
        model["checks"] = family.checks.map { check in
            [
                "id": check.id, "label": checkLabel(family.id, check.id), "status": status(check.status),
                "detail": check.detail, "owner": owner(check.owner, snapshot),
            ] as [String: Any]
        }
        model["packet"] = family.packet.map { packet in
            [
                "fileName": packet.fileName, "checksum": packet.checksum, "text": packet.text,
                "sha256": packet.sha256,
            ] as [String: Any]
        } ?? false
        model["recorded"] = recorded(family.id, snapshot) ?? false
        context["family"] = model
        if family.id == .operations, let operations = report.operations {
            context["operations"] = operationsDetail(operations)
        } else {
            context["operations"] = false
        }
        return render("family", context, fileName: Self.fileName(family.id))
    }

    /// The operations page when the records were read but no operations family ran.
    public func operationsPage(_ report: EvidenceReport, snapshot: Snapshot) -> HTMLPage {
        var context = common(report, title: familyTitle(.operations), current: .operations)
        context["family"] = false
        context["operations"] = report.operations.map { operationsDetail($0) } ?? false
        return render("family", context, fileName: Self.fileName(.operations))
    }

    /// Where the connection or dry-run evidence came from: who recorded it, when, and the
    /// transcripts as recorded (escaped by the template, in copyable blocks).
    private func recorded(_ id: FamilyID, _ snapshot: Snapshot) -> [String: Any]? {
        switch id {
        case .connection:
            guard let evidence = snapshot.connection else { return nil }
            let transcripts: [[String: String]] = evidence.transcript.isSet
                ? [["key": "connection", "title": labels.text("recorded.connection_transcript") ?? "", "text": evidence.transcript ?? ""]] : []
            return [
                "by": evidence.recordedBy.isSet ? owner(evidence.recordedBy, snapshot) : false,
                "at": evidence.recordedAt?.rfc3339 ?? false,
                "endpoint": evidence.redactedEndpoint ?? false,
                "replayID": false,
                "transcripts": transcripts,
            ]
        case .dryRun:
            guard let evidence = snapshot.dryRun else { return nil }
            let transcripts: [[String: String]] = DryRunStep.allCases.compactMap { step in
                guard let text = evidence.steps[step]?.transcript, Optional(text).isSet else { return nil }
                return ["key": step.rawValue, "title": checkLabel(.dryRun, step.rawValue) + " (" + step.rawValue + ")", "text": text]
            }
            return [
                "by": evidence.recordedBy.isSet ? owner(evidence.recordedBy, snapshot) : false,
                "at": evidence.ranAt?.rfc3339 ?? false,
                "endpoint": false,
                "replayID": evidence.replayId ?? false,
                "transcripts": transcripts,
            ]
        default:
            return nil
        }
    }

    // MARK: - shared parts

    private func render(_ template: String, _ context: [String: Any], fileName: String) -> HTMLPage {
        guard var text = templates.library.render(context, withTemplate: template) else {
            preconditionFailure("template \(template) is not registered; TemplateSet.load registers every page")
        }
        if !text.hasSuffix("\n") { text += "\n" }
        // Control characters from inputs become U+FFFD, as in evidence.xml (the templates hold none).
        return HTMLPage(fileName: fileName, text: XMLText.sanitized(text))
    }

    private func common(_ report: EvidenceReport, title: String, current: FamilyID?) -> [String: Any] {
        let snapshot = report.snapshot
        var nav: [[String: Any]] = report.families.map { family in
            ["href": Self.fileName(family.id), "title": familyTitle(family.id), "current": family.id == current]
        }
        if Self.hasOperationsPageOnly(report) {
            nav.append(["href": Self.fileName(.operations), "title": familyTitle(.operations), "current": current == .operations])
        }
        return [
            "lang": labels.language.rawValue,
            "l": labels.tree,
            "pageTitle": title,
            "session": snapshot.session,
            "payloadChecksum": snapshot.payloadChecksum,
            "payloadShort": snapshot.payloadChecksumShort,
            "asOf": report.options.asOf,
            "toolVersion": report.toolVersion,
            "isIndex": false,
            "nav": nav,
        ]
    }

    func familyTitle(_ id: FamilyID) -> String { labels.text("family_title.\(id.rawValue)") ?? id.rawValue }

    func checkLabel(_ family: FamilyID, _ check: String) -> String {
        labels.text("check.\(family.rawValue).\(check)") ?? check
    }

    /// A status shown as a symbol and a word, never by colour alone.
    func status(_ status: CheckStatus) -> [String: Any] {
        let symbols: [CheckStatus: String] = [.ready: "✓", .next: "→", .review: "?", .blocked: "✕"]
        return ["cls": status.rawValue, "sym": symbols[status]!, "text": labels.format("status.\(status.rawValue)")]
    }

    func health(_ level: HealthLevel) -> [String: Any] {
        let symbols: [HealthLevel: String] = [.ok: "✓", .warning: "!", .critical: "✕"]
        return ["cls": level.rawValue, "sym": symbols[level]!, "text": labels.format("health.\(level.rawValue)")]
    }

    /// "Anna Kowalska (user_md_anna)", the id alone for an unknown actor, or "not named".
    func owner(_ id: String?, _ snapshot: Snapshot) -> String {
        guard let id else { return labels.format("owner.none") }
        guard let name = snapshot.actor(id)?.name, Optional(name).isSet else { return id }
        return "\(name) (\(id))"
    }

    func decision(_ code: String?, of family: EvidenceReport.Family? = nil) -> Any {
        guard let code else { return false }
        return ["code": code, "explanation": explanation(code, of: family) ?? false] as [String: Any]
    }

    /// The label of a decision code; operations blocked for want of any record says so, not
    /// that the records show something that blocks.
    func explanation(_ code: String, of family: EvidenceReport.Family?) -> String? {
        if code == "BLOCKED_BY_OPERATIONS", family?.checks.contains(where: { $0.id == "records_present" && !$0.isReady }) == true {
            return labels.text("decision.BLOCKED_BY_OPERATIONS_NO_RECORDS")
        }
        return labels.text("decision.\(code)")
    }

    private func familyRow(_ family: EvidenceReport.Family) -> [String: Any] {
        let percent = family.total == 0 ? 0 : family.ready * 100 / family.total
        let worst: CheckStatus = family.checks.contains { $0.status == .blocked } ? .blocked
            : family.checks.contains { $0.status == .review } ? .review : .next
        var state = status(family.complete ? .ready : worst)
        state["text"] = labels.format(family.complete ? "family.complete" : "family.incomplete")
        return [
            "id": family.id.rawValue, "href": Self.fileName(family.id), "title": familyTitle(family.id),
            "count": family.count, "state": state, "decision": decision(family.decision, of: family),
            "bar": ["count": family.count, "percent": String(percent), "complete": family.complete] as [String: Any],
        ]
    }

    private func production(_ report: EvidenceReport) -> [String: Any] {
        let production = report.production
        var model: [String: Any] = [
            "cls": production.isGo ? "go" : "no-go",
            "symbol": production.isGo ? "✓" : "✕",
            "verdict": labels.format(production.isGo ? "production.go" : "production.no_go"),
            "sentence": labels.format(production.isGo ? "production.go_sentence" : "production.no_go_sentence"),
            "blocking": false,
        ]
        if let code = production.blocking, let family = production.blockingFamily.flatMap(FamilyID.init(rawValue:)) {
            model["blocking"] = [
                "code": code, "explanation": explanation(code, of: report.family(family)) ?? false,
                "familyTitle": familyTitle(family), "href": Self.fileName(family),
            ] as [String: Any]
        }
        return model
    }

    private func chain(_ report: EvidenceReport, _ snapshot: Snapshot) -> [String: Any]? {
        guard let chain = report.blockingChain else { return nil }
        let steps: [[String: Any]] = chain.families.compactMap { id in
            guard let family = report.family(id) else { return nil }
            return ["title": familyTitle(id), "href": Self.fileName(id), "count": family.count, "decision": decision(family.decision, of: family)]
        }
        let actions: [[String: Any]] = chain.openChecks(in: report).map { item in
            [
                "familyTitle": familyTitle(item.family), "href": Self.fileName(item.family),
                "id": item.check.id, "label": checkLabel(item.family, item.check.id), "status": status(item.check.status),
                "detail": item.check.detail, "owner": owner(item.check.owner, snapshot),
            ]
        }
        return ["steps": steps, "actions": actions]
    }

    // MARK: - operations

    private func shown(_ shown: Int, _ total: Int) -> String {
        labels.format("ops.shown", ["shown": String(shown), "total": String(total)])
    }

    /// The totals the index shows; no lists, so the index stays small whatever the records.
    private func operationsOverview(_ ops: OperationsSummary) -> [String: Any] {
        return [
            "href": Self.fileName(.operations),
            "window": ops.window, "windowStart": ops.windowStart.rfc3339, "windowEnd": ops.windowEnd.rfc3339,
            "accepted": String(ops.counts.totalAccepted), "rejected": String(ops.counts.rejected),
            "stuckTotal": String(ops.stuckRuns.total), "failedTotal": String(ops.failedRuns.total),
            "controlsTotal": String(ops.activeControls.count), "findingsTotal": String(ops.deployFindings.total),
            "healthCounts": ops.healthCounts.map { ["status": health($0.level), "value": String($0.workspaces)] as [String: Any] },
        ]
    }

    /// Everything the operations page shows, every list cut to `listLimit` rows.
    private func operationsDetail(_ ops: OperationsSummary) -> [String: Any] {
        let limit = Self.listLimit
        let counts = ops.counts
        /// The first `limit` items as rows, with "showing N of M".
        func list<Items: Collection>(_ items: Items, total: Int, _ row: (Items.Element) -> [String: Any]) -> [String: Any] {
            let cut = items.prefix(limit).map(row)
            return ["shown": shown(cut.count, total), "hasItems": !cut.isEmpty, "items": cut]
        }
        func runs(_ runs: Bounded<RunSummary>, id: String, title: String) -> [String: Any] {
            var model = list(runs.items, total: runs.total) { run in
                [
                    "id": run.id, "type": run.type, "workspace": run.workspaceID, "status": run.status,
                    "outcome": run.outcome ?? false, "createdAt": run.createdAt.rfc3339, "note": run.note,
                ] as [String: Any]
            }
            model["title"] = title
            model["id"] = id
            return model
        }
        let charts = [
            SVGChart(id: "chart-days", title: labels.format("ops.records_per_day"),
                     description: chartDescription(ops.recordsPerDay), orientation: .vertical,
                     counts: Array(ops.recordsPerDay.suffix(31))),
            SVGChart(id: "chart-outcomes", title: labels.format("ops.runs_by_outcome"),
                     description: chartDescription(ops.runsByOutcome), orientation: .horizontal,
                     counts: Array(ops.runsByOutcome.prefix(12))),
        ]
        return [
            "window": ops.window, "windowStart": ops.windowStart.rfc3339, "windowEnd": ops.windowEnd.rfc3339,
            "kinds": RecordKind.allCases.map { ["label": $0.rawValue, "value": String(counts.accepted[$0] ?? 0)] },
            "accepted": String(counts.totalAccepted), "rejected": String(counts.rejected),
            "duplicates": String(counts.duplicatesSkipped), "expired": String(counts.expired),
            "charts": charts.map(\.context),
            "runLists": [
                runs(ops.stuckRuns, id: "runs-stuck", title: labels.format("ops.stuck_runs")),
                runs(ops.failedRuns, id: "runs-failed", title: labels.format("ops.failed_runs")),
            ],
            "controls": list(ops.activeControls, total: ops.activeControls.count) { control in
                [
                    "key": control.controlKey, "actor": control.actorID, "activatedAt": control.activatedAt.rfc3339,
                    "scope": control.workspaceID.map { "\(control.scope) \($0)" } ?? control.scope,
                    "expiresAt": control.expiresAt?.rfc3339 ?? labels.format("ops.no_expiry"), "reason": control.reason,
                ]
            },
            "findings": list(ops.deployFindings.items, total: ops.deployFindings.total) { finding in
                [
                    "job": finding.jobID, "project": finding.project, "environment": finding.environment,
                    "rule": finding.rule, "message": finding.message,
                ]
            },
            "health": list(ops.health, total: ops.health.count) { workspace in
                [
                    "workspace": workspace.workspace, "status": health(workspace.level),
                    "reasons": workspace.reasons.prefix(10).joined(separator: "; "),
                ] as [String: Any]
            },
            "telemetry": ops.telemetry.prefix(limit).map { family in
                ["family": family.family, "events": String(family.events), "workspaces": String(family.workspaces)]
            },
            "rejects": list(ops.rejects, total: counts.rejected) { reject in
                ["file": reject.file, "line": String(reject.line), "kind": reject.kind?.rawValue ?? "", "reason": reject.reason]
            },
        ]
    }

    private func chartDescription(_ counts: [OperationsSummary.Count]) -> String {
        labels.format("ops.chart_description", ["count": String(counts.count), "max": String(counts.map(\.value).max() ?? 0)])
    }
}
