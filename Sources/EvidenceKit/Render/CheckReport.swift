/// The summary `evpack check` prints, as text or as the JSON object of SPEC §1: both lay out
/// the `EvidenceReport` (the JSON through its `Encodable` conformance below).
public enum CheckReport {
    /// The JSON object of SPEC §1.
    public static func json(_ evaluation: Evaluation) -> JSONValue {
        json(EvidenceReport(evaluation: evaluation))
    }

    public static func json(_ report: EvidenceReport) -> JSONValue {
        JSONValueEncoder.encode(report)
    }

    /// One line per family (id, N/M, decision and facts), then the production decision.
    public static func text(_ evaluation: Evaluation) -> String {
        text(EvidenceReport(evaluation: evaluation))
    }

    public static func text(_ report: EvidenceReport) -> String {
        let snapshot = report.snapshot
        var lines = [
            "session \(snapshot.session)  payload \(snapshot.payloadChecksumShort)  rows \(snapshot.rows)  as-of \(report.options.asOf)",
            "",
        ]
        let width = report.families.map(\.id.rawValue.count).max() ?? 0
        for family in report.families {
            var columns = [family.id.rawValue.padding(to: width), family.count.padding(to: 4)]
            if let decision = family.decision { columns.append(decision) }
            for fact in family.facts where fact.key != "batch_rows" { columns.append("\(fact.key) \(fact.value)") }
            var line = columns.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        if let operations = report.operations {
            lines.append("")
            lines.append(contentsOf: operationsText(operations))
        }
        lines.append("")
        lines.append(report.production.summary)
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
        let levels = o.healthCounts.map { "\($0.level.rawValue) \($0.workspaces)" }
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

// MARK: - the JSON layout

/// `check --format json` (SPEC §1): keys in this order, every family's facts beside its
/// counts, `null` for what is absent.
extension EvidenceReport: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(snapshot.session, forKey: DynamicKey("session"))
        try c.encode(snapshot.payloadChecksum, forKey: DynamicKey("payload_checksum"))
        try c.encode(snapshot.payloadChecksumShort, forKey: DynamicKey("payload_checksum_short"))
        try c.encode(snapshot.rows, forKey: DynamicKey("snapshot_rows"))
        try c.encode(options.asOf, forKey: DynamicKey("as_of"))
        try c.encode(family(.cutover)?.fact("batches") ?? "", forKey: DynamicKey("batches"))
        var families = c.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey("families"))
        for family in self.families { try families.encode(family, forKey: DynamicKey(family.id.rawValue)) }
        try c.encode(production, forKey: DynamicKey("production"))
        try c.encode(records, forKey: DynamicKey("records"))
        try c.encode(operations, forKey: DynamicKey("operations"))
        var packets = c.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey("packets"))
        for packet in self.packets {
            var p = packets.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey(packet.key))
            try p.encode(packet.text, forKey: DynamicKey("text"))
            try p.encode(packet.checksum, forKey: DynamicKey("checksum"))
        }
    }
}

extension EvidenceReport.Family: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(ready, forKey: DynamicKey("ready"))
        try c.encode(total, forKey: DynamicKey("total"))
        try c.encode(decision, forKey: DynamicKey("decision"))
        var statuses = c.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey("checks"))
        for check in checks { try statuses.encode(check.status.rawValue, forKey: DynamicKey(check.id)) }
        var details = c.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey("details"))
        for check in checks { try details.encode(check.detail, forKey: DynamicKey(check.id)) }
        for fact in facts { try c.encode(fact.value, forKey: DynamicKey(fact.key)) }
    }
}

extension EvidenceReport.Production: Encodable {
    enum CodingKeys: String, CodingKey { case decision, blocking }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(decision, forKey: .decision)
        try c.encode(blocking, forKey: .blocking)
    }
}

/// `records` in `check --format json` and `build --format json`: accepted per kind (every
/// kind), then the counts of lines left out.
extension IngestCounts: Encodable {
    enum CodingKeys: String, CodingKey { case accepted, rejected, duplicatesSkipped = "duplicates_skipped", expired }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var kinds = c.nestedContainer(keyedBy: DynamicKey.self, forKey: .accepted)
        for kind in RecordKind.allCases { try kinds.encode(accepted[kind] ?? 0, forKey: DynamicKey(kind.rawValue)) }
        try c.encode(rejected, forKey: .rejected)
        try c.encode(duplicatesSkipped, forKey: .duplicatesSkipped)
        try c.encode(expired, forKey: .expired)
    }
}

extension OperationsSummary: Encodable {
    enum CodingKeys: String, CodingKey {
        case window, windowStart = "window_start", windowEnd = "window_end", stuckRuns = "stuck_runs", failedRuns = "failed_runs"
        case runsByOutcome = "runs_by_outcome", recordsPerDay = "records_per_day", activeControls = "active_controls"
        case deployFindings = "deploy_findings", health, telemetry, rejects
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(window, forKey: .window)
        try c.encode(windowStart, forKey: .windowStart)
        try c.encode(windowEnd, forKey: .windowEnd)
        try c.encode(stuckRuns, forKey: .stuckRuns)
        try c.encode(failedRuns, forKey: .failedRuns)
        try c.encode(runsByOutcome, forKey: .runsByOutcome)
        try c.encode(recordsPerDay, forKey: .recordsPerDay)
        try c.encode(activeControls, forKey: .activeControls)
        try c.encode(deployFindings, forKey: .deployFindings)
        try c.encode(health, forKey: .health)
        try c.encode(telemetry, forKey: .telemetry)
        try c.encode(rejects, forKey: .rejects)
    }
}

extension OperationsSummary.Count: Encodable {
    enum CodingKeys: String, CodingKey { case label, count }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(value, forKey: .count)
    }
}

extension Bounded: Encodable where Item: Encodable {
    enum CodingKeys: String, CodingKey { case total, items }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(total, forKey: .total)
        try c.encode(items, forKey: .items)
    }
}

extension RunSummary: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, type, status, outcome, workspaceID = "workspace_id", createdAt = "created_at", startedAt = "started_at"
        case completedAt = "completed_at", note
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(status, forKey: .status)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(workspaceID, forKey: .workspaceID)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(completedAt, forKey: .completedAt)
        try c.encode(note, forKey: .note)
    }
}

extension ControlSummary: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, controlKey = "control_key", scope, workspaceID = "workspace_id", actorID = "actor_id"
        case activatedAt = "activated_at", expiresAt = "expires_at", reason
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(controlKey, forKey: .controlKey)
        try c.encode(scope, forKey: .scope)
        try c.encode(workspaceID, forKey: .workspaceID)
        try c.encode(actorID, forKey: .actorID)
        try c.encode(activatedAt, forKey: .activatedAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(reason, forKey: .reason)
    }
}

extension DeployFinding: Encodable {
    enum CodingKeys: String, CodingKey { case jobID = "job_id", project, environment, rule, message }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobID, forKey: .jobID)
        try c.encode(project, forKey: .project)
        try c.encode(environment, forKey: .environment)
        try c.encode(rule, forKey: .rule)
        try c.encode(message, forKey: .message)
    }
}

extension WorkspaceHealth: Encodable {
    enum CodingKeys: String, CodingKey { case workspace, level, reasons }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(workspace, forKey: .workspace)
        try c.encode(level.rawValue, forKey: .level)
        try c.encode(reasons, forKey: .reasons)
    }
}

extension TelemetryFamily: Encodable {
    enum CodingKeys: String, CodingKey { case family, events, workspaces }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(family, forKey: .family)
        try c.encode(events, forKey: .events)
        try c.encode(workspaces, forKey: .workspaces)
    }
}

extension RecordReject: Encodable {
    enum CodingKeys: String, CodingKey { case file, line, kind, reason }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(kind?.rawValue, forKey: .kind)
        try c.encode(reason, forKey: .reason)
    }
}

/// An instant as RFC 3339 text.
extension Instant: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rfc3339)
    }
}

extension String {
    /// The string padded with spaces to `width` characters.
    public func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
