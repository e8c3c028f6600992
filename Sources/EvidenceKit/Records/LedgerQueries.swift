import Foundation

/// A sign-off the snapshot claims, and whether the audit log backs it.
public struct SignoffCheck: Sendable, Equatable {
    /// The rehearsal or infrastructure key, or `rollback_ack`.
    public var subject: String
    public var owner: String?
    public var acceptedAt: Instant
    public var corroborated: Bool
}

/// What the operations checks need from the records (SPEC §4), computed in SQL.
public struct OperationsFindings: Sendable {
    public var summary: OperationsSummary
    public var signoffs: [SignoffCheck]
    /// Active `release.cutover` pauses, and other active pauses.
    public var releasePauses: Int
    public var otherPauses: Int
    /// Accepted records the checks use (expired usage events left out).
    public var acceptedRecords: Int { summary.counts.totalAccepted }

    /// The findings without any records: nothing accepted, every claimed sign-off uncorroborated.
    public static func empty(snapshot: Snapshot, options: RunOptions) -> OperationsFindings {
        OperationsFindings(
            summary: OperationsSummary(window: options.window.rawValue, windowStart: options.windowStart, windowEnd: options.asOf),
            signoffs: expectedSignoffs(snapshot).map { SignoffCheck(subject: $0.subject, owner: $0.owner, acceptedAt: $0.acceptedAt, corroborated: false) },
            releasePauses: 0, otherPauses: 0
        )
    }

    /// Every accepted rehearsal, accepted infrastructure decision and rollback acknowledgement.
    static func expectedSignoffs(_ snapshot: Snapshot) -> [(subject: String, owner: String?, acceptedAt: Instant)] {
        var result: [(String, String?, Instant)] = []
        for key in RehearsalKey.allCases {
            if let rehearsal = snapshot.rehearsals[key], let accepted = rehearsal.acceptedAt {
                result.append((key.rawValue, rehearsal.owner, accepted))
            }
        }
        for key in InfrastructureKey.allCases {
            if let decision = snapshot.infrastructure.decisions[key], decision.isAccepted, let accepted = decision.acceptedAt {
                result.append((key.rawValue, snapshot.infrastructure.owner, accepted))
            }
        }
        if let ack = snapshot.rollback.ownerAckAt {
            result.append(("rollback_ack", snapshot.rollback.owner, ack))
        }
        return result
    }
}

extension Ledger {
    /// How many items the bounded lists keep.
    public static let listLimit = 25
    static let healthLimit = 200
    public static let retentionSeconds: Int64 = 90 * 86_400
}

/// The SQL behind the operations checks.
///
/// Written once for both backends: only SQL that SQLite and PostgreSQL read alike (times are
/// integer nanoseconds, text compares byte-wise — PostgreSQL's columns are `COLLATE "C"` —
/// integer division truncates on both, and a comparison is turned into 0 or 1 by `CASE`).
struct OperationsQueries {
    let sql: any LedgerSQL
    let options: RunOptions
    /// As-of, window start and retention cut-off in nanoseconds.
    let asOf: Int64
    let windowStart: Int64
    let expiry: Int64

    init(sql: any LedgerSQL, options: RunOptions) {
        self.sql = sql
        self.options = options
        asOf = options.asOf.nanosecondsSinceEpoch
        windowStart = options.windowStart.nanosecondsSinceEpoch
        expiry = Ledger.expiry(asOf: options.asOf)
    }

    static let minute: Int64 = 60_000_000_000

    var stuckCondition: String {
        let queued = asOf - Int64(options.stuckQueuedMinutes) * Self.minute
        let running = asOf - Int64(options.stuckRunningMinutes) * Self.minute
        // `status != 'completed'` lets SQLite use the partial index of open runs.
        return "(status != 'completed' AND ((status = 'queued' AND started_at IS NULL AND created_at <= \(queued)) OR (status = 'running' AND started_at <= \(running))))"
    }

    var failedCondition: String {
        "(status = 'completed' AND outcome = 'failed' AND coalesce(completed_at, created_at) BETWEEN \(windowStart) AND \(asOf))"
    }

    var activeCondition: String {
        "(activated_at <= \(asOf) AND (resumed_at IS NULL OR resumed_at > \(asOf)) AND (expires_at IS NULL OR expires_at > \(asOf)))"
    }

    mutating func findings(snapshot: Snapshot) throws -> OperationsFindings {
        var summary = OperationsSummary(window: options.window.rawValue, windowStart: options.windowStart, windowEnd: options.asOf)
        summary.counts = try counts()
        summary.rejects = try Self.rejects(sql, limit: Ledger.listLimit)
        summary.stuckRuns = try runs(where: stuckCondition, note: stuckNote)
        summary.failedRuns = try runs(where: failedCondition) { run in
            "failed at \((run.completedAt ?? run.createdAt).rfc3339)"
        }
        summary.runsByOutcome = try sql.rows("""
            SELECT coalesce(outcome, 'none'), count(*) FROM run WHERE created_at BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC, 1
            """, [.integer(windowStart), .integer(asOf)]).map { OperationsSummary.Count($0.text(0), $0.int(1)) }
        summary.recordsPerDay = try recordsPerDay()
        let controls = try activeControls()
        summary.activeControls = controls
        summary.deployFindings = try deployFindings()
        summary.health = try health(globalPauses: controls.filter { $0.scope == "global" })
        summary.telemetry = try telemetry()
        let release = controls.filter { $0.controlKey == "release.cutover" }.count
        return OperationsFindings(
            summary: summary, signoffs: try signoffs(snapshot), releasePauses: release, otherPauses: controls.count - release
        )
    }

    static func rejects(_ sql: any LedgerSQL, limit: Int) throws -> [RecordReject] {
        try sql.rows("SELECT file, line, kind, reason FROM reject ORDER BY seq LIMIT ?", [.integer(Int64(limit))]).map { row in
            RecordReject(file: row.text(0), line: row.int(1), kind: row.optionalText(2).flatMap(RecordKind.init(rawValue:)), reason: row.text(3))
        }
    }

    func counts() throws -> IngestCounts {
        var counts = IngestCounts()
        for kind in RecordKind.allCases {
            let query = kind == .usage
                ? "SELECT count(*) FROM usage WHERE occurred_at >= \(expiry)"
                : "SELECT count(*) FROM \(kind.rawValue)"
            counts.accepted[kind] = try sql.integer(query)
        }
        counts.expired = try sql.integer("SELECT count(*) FROM usage WHERE occurred_at < ?", [.integer(expiry)])
        counts.rejected = try sql.integer("SELECT count(*) FROM reject")
        counts.duplicatesSkipped = try sql.integer("SELECT CAST(coalesce(sum(duplicates), 0) AS BIGINT) FROM ingest_file")
        return counts
    }

    func stuckNote(_ run: RunSummary) -> String {
        if run.status == "queued" {
            return "queued \(Instant(seconds: asOf / 1_000_000_000).seconds(since: run.createdAt) / 60) min without a start"
        }
        let started = run.startedAt ?? run.createdAt
        return "running for \(Instant(seconds: asOf / 1_000_000_000).seconds(since: started) / 60) min"
    }

    func runs(where condition: String, note: (RunSummary) -> String) throws -> Bounded<RunSummary> {
        let total = try sql.integer("SELECT count(*) FROM run WHERE \(condition)")
        let rows = try sql.rows("""
            SELECT id, type, status, outcome, workspace_id, created_at, started_at, completed_at FROM run
            WHERE \(condition) ORDER BY created_at, id LIMIT \(Ledger.listLimit)
            """)
        let items = rows.map { row -> RunSummary in
            var run = RunSummary(
                id: row.text(0), type: row.text(1), status: row.text(2), outcome: row.optionalText(3), workspaceID: row.text(4),
                createdAt: row.instant(5), startedAt: row.optionalInstant(6), completedAt: row.optionalInstant(7), note: ""
            )
            run.note = note(run)
            return run
        }
        return Bounded(items: items, total: total)
    }

    /// Accepted records per UTC day over the 30 days that end with as-of's day.
    func recordsPerDay() throws -> [OperationsSummary.Count] {
        let day: Int64 = 86_400_000_000_000
        let lastDay = floorDivide(asOf, day)
        let firstDay = lastDay - 29
        let from = firstDay * day, to = asOf
        let sources = [("audit", "recorded_at"), ("run", "created_at"), ("usage", "occurred_at"), ("control", "activated_at"),
                       ("deploy", "requested_at"), ("approval", "decided_at")]
        var perDay: [Int64: Int] = [:]
        for (table, column) in sources {
            let rows = try sql.rows("""
                SELECT \(column) / \(day), count(*) FROM \(table) WHERE \(column) BETWEEN ? AND ? GROUP BY 1
                """, [.integer(from), .integer(to)])
            for row in rows { perDay[row.optionalInt(0) ?? 0, default: 0] += row.int(1) }
        }
        return (firstDay...lastDay).map { d in OperationsSummary.Count(Instant(seconds: d * 86_400).utcDay, perDay[d] ?? 0) }
    }

    func activeControls() throws -> [ControlSummary] {
        try sql.rows("""
            SELECT id, control_key, scope, workspace_id, actor_id, activated_at, expires_at, reason FROM control
            WHERE \(activeCondition) ORDER BY scope, activated_at, id
            """).map { row in
            ControlSummary(
                id: row.text(0), controlKey: row.text(1), scope: row.text(2), workspaceID: row.optionalText(3), actorID: row.text(4),
                activatedAt: row.instant(5), expiresAt: row.optionalInstant(6), reason: row.text(7)
            )
        }
    }

    func signoffs(_ snapshot: Snapshot) throws -> [SignoffCheck] {
        try OperationsFindings.expectedSignoffs(snapshot).map { expected in
            let deadline = min(expected.acceptedAt.adding(seconds: 86_400).nanosecondsSinceEpoch, asOf)
            let found = try sql.firstRow("""
                SELECT 1 FROM audit WHERE action = 'signoff.recorded' AND subject_id = ? AND actor_id IS NOT DISTINCT FROM ?
                AND status = 'success' AND recorded_at <= ? LIMIT 1
                """, [.text(expected.subject), expected.owner.map(LedgerValue.text) ?? .null, .integer(deadline)]) != nil
            return SignoffCheck(subject: expected.subject, owner: expected.owner, acceptedAt: expected.acceptedAt, corroborated: found)
        }
    }

    /// Deploy jobs in the window checked against their environment's policy.
    ///
    /// A hold overlaps one before it when the latest end before it is past its start, and one
    /// after it when the next start (`lead`: the rows are in start order, so the next start is
    /// the least of those after) is before its end. `lead` rather than a `min` over the frame
    /// to the end, which PostgreSQL recomputes for every row.
    func deployFindings() throws -> Bounded<DeployFinding> {
        var checker = DeployPolicyChecker(policy: options.policy)
        var findings: [DeployFinding] = []
        var total = 0
        try sql.forEachRow("""
            WITH holds AS (
              SELECT id, project, environment, started_at AS s, coalesce(finished_at, ?) AS e FROM deploy
              WHERE started_at IS NOT NULL AND started_at <= ? AND coalesce(finished_at, ?) > started_at
            ), neighbours AS (
              SELECT id,
                max(e) OVER (PARTITION BY project, environment ORDER BY s, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > s AS after_overlap,
                lead(s) OVER (PARTITION BY project, environment ORDER BY s, id) < e AS before_overlap
              FROM holds
            )
            SELECT d.id, d.project, d.environment, d.ref_type, d.ref_name, d.requested_by, d.status, d.started_at, d.finished_at,
              (SELECT count(DISTINCT a.user_id) FROM approval a WHERE a.job_id = d.id AND a.decision = 'approved'
                 AND a.decided_at <= ? AND a.user_id != d.requested_by),
              (SELECT count(*) FROM approval a WHERE a.job_id = d.id AND a.decision = 'rejected'
                 AND a.decided_at < coalesce(d.finished_at, ?)),
              CASE WHEN coalesce(n.after_overlap, FALSE) OR coalesce(n.before_overlap, FALSE) THEN 1 ELSE 0 END
            FROM deploy d LEFT JOIN neighbours n ON n.id = d.id
            WHERE d.requested_at BETWEEN ? AND ?
            ORDER BY d.requested_at, d.id
            """, [asOf, asOf, asOf, asOf, asOf, windowStart, asOf].map(LedgerValue.integer)) { row in
            let job = DeployPolicyChecker.Job(
                id: row.text(0), project: row.text(1), environment: row.text(2), refType: row.text(3), refName: row.text(4),
                requestedBy: row.text(5), status: row.text(6), startedAt: row.optionalInstant(7), finishedAt: row.optionalInstant(8),
                approvals: row.int(9), rejections: row.int(10), overlaps: row.int(11) != 0
            )
            for finding in checker.check(job) {
                total += 1
                if findings.count < Ledger.listLimit { findings.append(finding) }
            }
        }
        return Bounded(items: findings, total: total)
    }

    /// Health per workspace seen in the records, worst first.
    func health(globalPauses: [ControlSummary]) throws -> [WorkspaceHealth] {
        let rows = try sql.rows("""
            WITH ws AS (
              SELECT workspace_id AS w FROM audit WHERE workspace_id IS NOT NULL
              UNION SELECT workspace_id FROM run
              UNION SELECT workspace_id FROM usage
              UNION SELECT workspace_id FROM control WHERE workspace_id IS NOT NULL
            ),
            stuck AS (SELECT workspace_id AS w, count(*) AS n FROM run WHERE \(stuckCondition) GROUP BY 1),
            failed AS (SELECT workspace_id AS w, count(*) AS n FROM run WHERE \(failedCondition) GROUP BY 1),
            paused AS (SELECT workspace_id AS w, count(*) AS n FROM control WHERE scope = 'workspace' AND \(activeCondition) GROUP BY 1),
            denied AS (SELECT workspace_id AS w, count(*) AS n FROM audit
                       WHERE status IN ('denied', 'failure') AND recorded_at BETWEEN \(windowStart) AND \(asOf) GROUP BY 1)
            SELECT ws.w, coalesce(stuck.n, 0), coalesce(failed.n, 0), coalesce(paused.n, 0), coalesce(denied.n, 0)
            FROM ws LEFT JOIN stuck ON stuck.w = ws.w LEFT JOIN failed ON failed.w = ws.w
              LEFT JOIN paused ON paused.w = ws.w LEFT JOIN denied ON denied.w = ws.w
            """)
        var result: [WorkspaceHealth] = rows.map { row in
            let (stuck, failed, paused, denied) = (row.int(1), row.int(2), row.int(3), row.int(4))
            var reasons: [String] = []
            if stuck > 0 { reasons.append("\(stuck) stuck runs") }
            if failed > 0 { reasons.append("\(failed) failed runs in the window") }
            for pause in globalPauses { reasons.append("global pause \(pause.controlKey)") }
            if paused > 0 { reasons.append("\(paused) workspace pauses") }
            if denied > 0 { reasons.append("\(denied) denied or failed audit events in the window") }
            let level: HealthLevel = stuck + failed > 0 ? .critical : (paused + denied > 0 || !globalPauses.isEmpty ? .warning : .ok)
            return WorkspaceHealth(workspace: row.text(0), level: level, reasons: reasons)
        }
        result.sort { ($0.level, $1.workspace) > ($1.level, $0.workspace) }
        return Array(result.prefix(Ledger.healthLimit))
    }

    /// Usage events and distinct workspaces per event family in the window, and overall.
    func telemetry() throws -> [TelemetryFamily] {
        let lower = max(windowStart, expiry)
        var families = try sql.rows("""
            SELECT family, count(*), count(DISTINCT workspace_id) FROM usage WHERE occurred_at BETWEEN ? AND ? GROUP BY family ORDER BY family
            """, [.integer(lower), .integer(asOf)]).map { TelemetryFamily(family: $0.text(0), events: $0.int(1), workspaces: $0.int(2)) }
        if let all = try sql.firstRow("""
            SELECT count(*), count(DISTINCT workspace_id) FROM usage WHERE occurred_at BETWEEN ? AND ?
            """, [.integer(lower), .integer(asOf)]) {
            families.append(TelemetryFamily(family: "all", events: all.int(0), workspaces: all.int(1)))
        }
        return families
    }
}

