/// The summary `evpack check` prints, as text or as the JSON object of SPEC §1.
public enum CheckReport {
    /// The JSON object of SPEC §1.
    public static func json(_ evaluation: Evaluation) -> JSONValue {
        let snapshot = evaluation.snapshot
        var families = JSONObject()
        for family in evaluation.families {
            var checks = JSONObject()
            var details = JSONObject()
            for check in family.checks {
                checks[check.id] = .string(check.status.rawValue)
                details[check.id] = .string(check.detail)
            }
            var object = JSONObject([
                "ready": .number(Double(family.ready)),
                "total": .number(Double(family.total)),
                "decision": family.decision.map(JSONValue.string) ?? .null,
                "checks": .object(checks),
                "details": .object(details),
            ])
            for fact in family.facts { object[fact.key] = .string(fact.value) }
            families[family.id.rawValue] = .object(object)
        }
        var packets = JSONObject()
        for packet in evaluation.packets {
            packets[packet.key] = .object(JSONObject(["text": .string(packet.text), "checksum": .string(packet.checksum)]))
        }
        let production = evaluation.production
        return .object(JSONObject([
            "session": .string(snapshot.session),
            "payload_checksum": .string(snapshot.payloadChecksum),
            "payload_checksum_short": .string(snapshot.payloadChecksumShort),
            "snapshot_rows": .number(Double(snapshot.rowCount)),
            "as_of": .string(evaluation.asOf.rfc3339),
            "batches": .string(evaluation.family(.cutover)?.fact("batches") ?? ""),
            "families": .object(families),
            "production": .object(JSONObject([
                "decision": .string(production.decision),
                "blocking": production.blocking.map(JSONValue.string) ?? .null,
            ])),
            "records": records(evaluation.operations?.counts ?? IngestCounts()),
            "operations": evaluation.operations.map(operations) ?? .null,
            "packets": .object(packets),
        ]))
    }

    static func records(_ counts: IngestCounts) -> JSONValue {
        var accepted = JSONObject()
        for kind in RecordKind.allCases { accepted[kind.rawValue] = .number(Double(counts.accepted[kind] ?? 0)) }
        return .object(JSONObject([
            "accepted": .object(accepted),
            "rejected": .number(Double(counts.rejected)),
            "duplicates_skipped": .number(Double(counts.duplicatesSkipped)),
            "expired": .number(Double(counts.expired)),
        ]))
    }

    static func operations(_ o: OperationsSummary) -> JSONValue {
        func number(_ n: Int) -> JSONValue { .number(Double(n)) }
        func time(_ t: Instant?) -> JSONValue { t.map { .string($0.rfc3339) } ?? .null }
        func counts(_ list: [OperationsSummary.Count]) -> JSONValue {
            .array(list.map { .object(JSONObject(["label": .string($0.label), "count": number($0.value)])) })
        }
        func runs(_ list: Bounded<RunSummary>) -> JSONValue {
            .object(JSONObject([
                "total": number(list.total),
                "items": .array(list.items.map { run in
                    .object(JSONObject([
                        "id": .string(run.id), "type": .string(run.type), "status": .string(run.status),
                        "outcome": run.outcome.map(JSONValue.string) ?? .null, "workspace_id": .string(run.workspaceID),
                        "created_at": time(run.createdAt), "started_at": time(run.startedAt), "completed_at": time(run.completedAt),
                        "note": .string(run.note),
                    ]))
                }),
            ]))
        }
        return .object(JSONObject([
            "window": .string(o.window),
            "window_start": time(o.windowStart),
            "window_end": time(o.windowEnd),
            "stuck_runs": runs(o.stuckRuns),
            "failed_runs": runs(o.failedRuns),
            "runs_by_outcome": counts(o.runsByOutcome),
            "records_per_day": counts(o.recordsPerDay),
            "active_controls": .array(o.activeControls.map { control in
                .object(JSONObject([
                    "id": .string(control.id), "control_key": .string(control.controlKey), "scope": .string(control.scope),
                    "workspace_id": control.workspaceID.map(JSONValue.string) ?? .null, "actor_id": .string(control.actorID),
                    "activated_at": time(control.activatedAt), "expires_at": time(control.expiresAt), "reason": .string(control.reason),
                ]))
            }),
            "deploy_findings": .object(JSONObject([
                "total": number(o.deployFindings.total),
                "items": .array(o.deployFindings.items.map { finding in
                    .object(JSONObject([
                        "job_id": .string(finding.jobID), "project": .string(finding.project), "environment": .string(finding.environment),
                        "rule": .string(finding.rule), "message": .string(finding.message),
                    ]))
                }),
            ])),
            "health": .array(o.health.map { health in
                .object(JSONObject([
                    "workspace": .string(health.workspace), "level": .string(health.level.rawValue),
                    "reasons": .array(health.reasons.map(JSONValue.string)),
                ]))
            }),
            "telemetry": .array(o.telemetry.map { family in
                .object(JSONObject(["family": .string(family.family), "events": number(family.events), "workspaces": number(family.workspaces)]))
            }),
            "rejects": .array(o.rejects.map { reject in
                .object(JSONObject([
                    "file": .string(reject.file), "line": number(reject.line),
                    "kind": reject.kind.map { .string($0.rawValue) } ?? .null, "reason": .string(reject.reason),
                ]))
            }),
        ]))
    }

    /// One line per family (id, N/M, decision and facts), then the production decision.
    public static func text(_ evaluation: Evaluation) -> String {
        let snapshot = evaluation.snapshot
        var lines = [
            "session \(snapshot.session)  payload \(snapshot.payloadChecksumShort)  rows \(snapshot.rowCount)  as-of \(evaluation.asOf.rfc3339)",
            "",
        ]
        let width = evaluation.families.map(\.id.rawValue.count).max() ?? 0
        for family in evaluation.families {
            var columns = [family.id.rawValue.padding(to: width), family.count.padding(to: 4)]
            if let decision = family.decision { columns.append(decision) }
            for fact in family.facts where fact.key != "batch_rows" { columns.append("\(fact.key) \(fact.value)") }
            var line = columns.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        if let operations = evaluation.operations {
            lines.append("")
            lines.append(contentsOf: operationsText(operations))
        }
        lines.append("")
        lines.append(evaluation.production.summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The operations section: records, runs, controls, deploys, health and telemetry.
    static func operationsText(_ o: OperationsSummary) -> [String] {
        let c = o.counts
        let kinds = RecordKind.allCases.map { "\($0.rawValue) \(c.accepted[$0] ?? 0)" }.joined(separator: ", ")
        var lines = [
            "operations window \(o.window): \(o.windowStart.rfc3339) … \(o.windowEnd.rfc3339)",
            "  records    \(c.totalAccepted) accepted (\(kinds)); \(c.rejected) rejected, \(c.duplicatesSkipped) duplicates skipped, \(c.expired) expired",
            "  runs       \(o.stuckRuns.total) stuck, \(o.failedRuns.total) failed in the window"
                + (o.runsByOutcome.isEmpty ? "" : "; by outcome: " + o.runsByOutcome.map { "\($0.label) \($0.value)" }.joined(separator: ", ")),
        ]
        for run in o.stuckRuns.items.prefix(3) { lines.append("             stuck \(run.id) (\(run.workspaceID)): \(run.note)") }
        lines.append("  controls   \(o.activeControls.count) active" + (o.activeControls.isEmpty ? "" : ": " + o.activeControls.prefix(5).map {
            "\($0.controlKey) \($0.scope == "global" ? "global" : $0.workspaceID ?? "")"
        }.joined(separator: ", ")))
        lines.append("  deploys    \(o.deployFindings.total) policy findings")
        for finding in o.deployFindings.items.prefix(5) {
            lines.append("             \(finding.jobID) \(finding.project)/\(finding.environment) \(finding.rule): \(finding.message)")
        }
        let levels = HealthLevel.allCases.reversed().map { level in "\(level.rawValue) \(o.health.filter { $0.level == level }.count)" }
        lines.append("  health     \(o.health.count) workspaces: " + levels.joined(separator: ", "))
        if !o.telemetry.isEmpty {
            lines.append("  telemetry  " + o.telemetry.map { "\($0.family) \($0.events) events/\($0.workspaces) workspaces" }.joined(separator: ", "))
        }
        if c.rejected > 0 {
            lines.append("  rejects    \(c.rejected); first: " + o.rejects.prefix(3).map(\.message).joined(separator: "; "))
        }
        return lines
    }
}

extension String {
    /// The string padded with spaces to `width` characters.
    public func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
