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

