import Crypto
import Foundation
import GRDB

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
    static let retentionSeconds: Int64 = 90 * 86_400

    /// Runs the operations queries for a snapshot at the options' as-of.
    public func operations(snapshot: Snapshot, options: RunOptions) throws -> OperationsFindings {
        try database.read { db in
            var q = OperationsQueries(db: db, options: options)
            return try q.findings(snapshot: snapshot)
        }
    }

    /// The counts of what the ledger holds, as of `asOf` (usage events older than 90 days are expired).
    public func counts(asOf: Instant) throws -> IngestCounts {
        try database.read { db in try OperationsQueries(db: db, options: RunOptions(asOf: asOf)).counts() }
    }

    /// Writes the sanitized records the checks use, one JSON object per line, in ingest order;
    /// returns the file's SHA-256 and size (with a nil `path`, only hashes them).
    @discardableResult
    public func exportRecords(to path: String?, asOf: Instant) throws -> (sha256: String, bytes: Int) {
        let expiry = asOf.adding(seconds: -Self.retentionSeconds).nanosecondsSinceEpoch
        return try LineFile.write(path) { file in
            try database.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT doc FROM record_doc WHERE occurred_at IS NULL OR occurred_at >= ? ORDER BY seq", arguments: [expiry])
                while let row = try rows.next() {
                    // The stored text's bytes as they are, without a String in between.
                    try row.withUnsafeData(atIndex: 0) { data in
                        try (data ?? Data()).withUnsafeBytes { bytes in try file.append(bytes) }
                    }
                }
            }
        }
    }

    /// Writes the rejects (file, line, kind, reason; never content), one JSON object per line;
    /// returns the file's SHA-256 and size (with a nil `path`, only hashes them).
    @discardableResult
    public func exportRejects(to path: String?) throws -> (sha256: String, bytes: Int) {
        try LineFile.write(path) { file in
            try database.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT file, line, kind, reason FROM reject ORDER BY seq")
                while let row = try rows.next() {
                    var object = JSONObject()
                    object["file"] = .string(row[0])
                    object["line"] = .number(Double(row[1] as Int))
                    object["kind"] = (row[2] as String?).map(JSONValue.string) ?? .null
                    object["reason"] = .string(row[3])
                    try file.append(JSONWriter.compact(.object(object)))
                }
            }
        }
    }

    /// The first rejects, in order.
    public func rejects(limit: Int) throws -> [RecordReject] {
        try database.read { db in try Self.rejects(db, limit: limit) }
    }

    static func rejects(_ db: Database, limit: Int) throws -> [RecordReject] {
        try Row.fetchAll(db, sql: "SELECT file, line, kind, reason FROM reject ORDER BY seq LIMIT ?", arguments: [limit]).map { row in
            RecordReject(file: row[0], line: row[1], kind: (row[2] as String?).flatMap(RecordKind.init(rawValue:)), reason: row[3])
        }
    }
}

/// The SQL behind the operations checks.
private struct OperationsQueries {
    let db: Database
    let options: RunOptions
    /// As-of, window start and retention cut-off in nanoseconds.
    let asOf: Int64
    let windowStart: Int64
    let expiry: Int64

    init(db: Database, options: RunOptions) {
        self.db = db
        self.options = options
        asOf = options.asOf.nanosecondsSinceEpoch
        windowStart = options.windowStart.nanosecondsSinceEpoch
        expiry = options.asOf.adding(seconds: -Ledger.retentionSeconds).nanosecondsSinceEpoch
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
        summary.rejects = try Ledger.rejects(db, limit: Ledger.listLimit)
        summary.stuckRuns = try runs(where: stuckCondition, note: stuckNote)
        summary.failedRuns = try runs(where: failedCondition) { run in
            "failed at \((run.completedAt ?? run.createdAt).rfc3339)"
        }
        summary.runsByOutcome = try Row.fetchAll(db, sql: """
            SELECT coalesce(outcome, 'none'), count(*) FROM run WHERE created_at BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC, 1
            """, arguments: [windowStart, asOf]).map { OperationsSummary.Count($0[0], $0[1]) }
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

    func counts() throws -> IngestCounts {
        var counts = IngestCounts()
        for kind in RecordKind.allCases {
            let sql = kind == .usage
                ? "SELECT count(*) FROM usage WHERE occurred_at >= \(expiry)"
                : "SELECT count(*) FROM \(kind.rawValue)"
            counts.accepted[kind] = try Int.fetchOne(db, sql: sql) ?? 0
        }
        counts.expired = try Int.fetchOne(db, sql: "SELECT count(*) FROM usage WHERE occurred_at < ?", arguments: [expiry]) ?? 0
        counts.rejected = try Int.fetchOne(db, sql: "SELECT count(*) FROM reject") ?? 0
        counts.duplicatesSkipped = try Int.fetchOne(db, sql: "SELECT coalesce(sum(duplicates), 0) FROM ingest_file") ?? 0
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
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM run WHERE \(condition)") ?? 0
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, type, status, outcome, workspace_id, created_at, started_at, completed_at FROM run
            WHERE \(condition) ORDER BY created_at, id LIMIT \(Ledger.listLimit)
            """)
        let items = rows.map { row -> RunSummary in
            var run = RunSummary(
                id: row[0], type: row[1], status: row[2], outcome: row[3], workspaceID: row[4],
                createdAt: Instant(nanosecondsSinceEpoch: row[5]), startedAt: (row[6] as Int64?).map(Instant.init(nanosecondsSinceEpoch:)),
                completedAt: (row[7] as Int64?).map(Instant.init(nanosecondsSinceEpoch:)), note: ""
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
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(column) / \(day), count(*) FROM \(table) WHERE \(column) BETWEEN ? AND ? GROUP BY 1
                """, arguments: [from, to])
            for row in rows { perDay[row[0], default: 0] += row[1] }
        }
        return (firstDay...lastDay).map { d in OperationsSummary.Count(Instant(seconds: d * 86_400).utcDay, perDay[d] ?? 0) }
    }

    func activeControls() throws -> [ControlSummary] {
        try Row.fetchAll(db, sql: """
            SELECT id, control_key, scope, workspace_id, actor_id, activated_at, expires_at, reason FROM control
            WHERE \(activeCondition) ORDER BY scope, activated_at, id
            """).map { row in
            ControlSummary(
                id: row[0], controlKey: row[1], scope: row[2], workspaceID: row[3], actorID: row[4],
                activatedAt: Instant(nanosecondsSinceEpoch: row[5]), expiresAt: (row[6] as Int64?).map(Instant.init(nanosecondsSinceEpoch:)),
                reason: row[7]
            )
        }
    }

    func signoffs(_ snapshot: Snapshot) throws -> [SignoffCheck] {
        try OperationsFindings.expectedSignoffs(snapshot).map { expected in
            let deadline = min(expected.acceptedAt.adding(seconds: 86_400).nanosecondsSinceEpoch, asOf)
            let found = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM audit WHERE action = 'signoff.recorded' AND subject_id = ? AND actor_id IS ? AND status = 'success'
                AND recorded_at <= ? LIMIT 1
                """, arguments: [expected.subject, expected.owner, deadline]) ?? false
            return SignoffCheck(subject: expected.subject, owner: expected.owner, acceptedAt: expected.acceptedAt, corroborated: found)
        }
    }

    /// Deploy jobs in the window checked against their environment's policy.
    func deployFindings() throws -> Bounded<DeployFinding> {
        let rows = try Row.fetchCursor(db, sql: """
            WITH holds AS (
              SELECT id, project, environment, started_at AS s, coalesce(finished_at, ?) AS e FROM deploy
              WHERE started_at IS NOT NULL AND started_at <= ? AND coalesce(finished_at, ?) > started_at
            ), neighbours AS (
              SELECT id,
                max(e) OVER (PARTITION BY project, environment ORDER BY s, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > s AS after_overlap,
                min(s) OVER (PARTITION BY project, environment ORDER BY s, id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) < e AS before_overlap
              FROM holds
            )
            SELECT d.id, d.project, d.environment, d.ref_type, d.ref_name, d.requested_by, d.status, d.started_at, d.finished_at,
              (SELECT count(DISTINCT a.user_id) FROM approval a WHERE a.job_id = d.id AND a.decision = 'approved'
                 AND a.decided_at <= ? AND a.user_id != d.requested_by),
              (SELECT count(*) FROM approval a WHERE a.job_id = d.id AND a.decision = 'rejected'
                 AND a.decided_at < coalesce(d.finished_at, ?)),
              coalesce(n.after_overlap, 0) OR coalesce(n.before_overlap, 0)
            FROM deploy d LEFT JOIN neighbours n ON n.id = d.id
            WHERE d.requested_at BETWEEN ? AND ?
            ORDER BY d.requested_at, d.id
            """, arguments: [asOf, asOf, asOf, asOf, asOf, windowStart, asOf])
        var checker = DeployPolicyChecker(policy: options.policy)
        var findings: [DeployFinding] = []
        var total = 0
        while let row = try rows.next() {
            let job = DeployPolicyChecker.Job(
                id: row[0], project: row[1], environment: row[2], refType: row[3], refName: row[4], requestedBy: row[5],
                status: row[6], startedAt: (row[7] as Int64?).map(Instant.init(nanosecondsSinceEpoch:)),
                finishedAt: (row[8] as Int64?).map(Instant.init(nanosecondsSinceEpoch:)), approvals: row[9], rejections: row[10],
                overlaps: row[11]
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
        let rows = try Row.fetchAll(db, sql: """
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
            let (stuck, failed, paused, denied): (Int, Int, Int, Int) = (row[1], row[2], row[3], row[4])
            var reasons: [String] = []
            if stuck > 0 { reasons.append("\(stuck) stuck runs") }
            if failed > 0 { reasons.append("\(failed) failed runs in the window") }
            for pause in globalPauses { reasons.append("global pause \(pause.controlKey)") }
            if paused > 0 { reasons.append("\(paused) workspace pauses") }
            if denied > 0 { reasons.append("\(denied) denied or failed audit events in the window") }
            let level: HealthLevel = stuck + failed > 0 ? .critical : (paused + denied > 0 || !globalPauses.isEmpty ? .warning : .ok)
            return WorkspaceHealth(workspace: row[0], level: level, reasons: reasons)
        }
        result.sort { ($0.level, $1.workspace) > ($1.level, $0.workspace) }
        return Array(result.prefix(Ledger.healthLimit))
    }

    /// Usage events and distinct workspaces per event family in the window, and overall.
    func telemetry() throws -> [TelemetryFamily] {
        let lower = max(windowStart, expiry)
        var families = try Row.fetchAll(db, sql: """
            SELECT family, count(*), count(DISTINCT workspace_id) FROM usage WHERE occurred_at BETWEEN ? AND ? GROUP BY family ORDER BY family
            """, arguments: [lower, asOf]).map { TelemetryFamily(family: $0[0], events: $0[1], workspaces: $0[2]) }
        if let all = try Row.fetchOne(db, sql: """
            SELECT count(*), count(DISTINCT workspace_id) FROM usage WHERE occurred_at BETWEEN ? AND ?
            """, arguments: [lower, asOf]) {
            families.append(TelemetryFamily(family: "all", events: all[0], workspaces: all[1]))
        }
        return families
    }
}

/// The per-job rules of a deploy policy (SPEC §4); the lock overlap comes from SQL.
struct DeployPolicyChecker {
    struct Job {
        var id: String
        var project: String
        var environment: String
        var refType: String
        var refName: String
        var requestedBy: String
        var status: String
        var startedAt: Instant?
        var finishedAt: Instant?
        var approvals: Int
        var rejections: Int
        var overlaps: Bool
    }

    /// A deploy window with its times and time zone worked out once.
    struct Window {
        var days: [Int]
        var from: Int?
        var to: Int?
        var zone: TimeZone?

        init(_ window: DeployWindow) {
            days = window.days
            from = LocalTime.minutes(window.from)
            to = LocalTime.minutes(window.to)
            zone = TimeZone(identifier: window.timeZone)
        }

        /// [from, to) local time on the listed weekdays.
        func contains(_ instant: Instant) -> Bool {
            guard let zone, let from, let to else { return false }
            let (weekday, minutes) = LocalTime.weekdayAndMinutes(instant, in: zone)
            return days.contains(weekday) && minutes >= from && minutes < to
        }
    }

    let policy: DeployPolicySet
    /// Each environment's window, by environment name.
    private let windows: [String: Window]
    private var expressions: [String: NSRegularExpression] = [:]

    init(policy: DeployPolicySet) {
        self.policy = policy
        var windows: [String: Window] = [:]
        for environment in RecordRules.environments {
            if let window = policy[environment]?.window { windows[environment] = Window(window) }
        }
        self.windows = windows
    }

    mutating func matches(_ pattern: String, _ text: String) -> Bool {
        if expressions[pattern] == nil {
            expressions[pattern] = WholeMatch.regex(pattern)
        }
        guard let regex = expressions[pattern] else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    mutating func check(_ job: Job) -> [DeployFinding] {
        guard let rules = policy[job.environment] else { return [] }
        var findings: [DeployFinding] = []
        func finding(_ rule: String, _ message: String) {
            findings.append(DeployFinding(jobID: job.id, project: job.project, environment: job.environment, rule: rule, message: message))
        }
        if !rules.allowedRefTypes.contains(job.refType) {
            finding("ref_type", "\(job.refType) refs are not allowed in \(job.environment) (allowed: \(rules.allowedRefTypes.joined(separator: ", ")))")
        } else if job.refType != "sha" {
            let patterns = job.refType == "branch" ? rules.allowedBranches : rules.allowedTags
            if !patterns.contains(where: { matches($0, job.refName) }) {
                finding("ref_pattern", "\(job.refType) \(job.refName) matches none of \(patterns.joined(separator: ", "))")
            }
        }
        let ran = ["running", "success", "failed"].contains(job.status) || job.startedAt != nil
        if ran, job.approvals < rules.approvalsRequired {
            finding("approvals", "\(job.approvals) of \(rules.approvalsRequired) required approvals from users other than the requester")
        }
        if job.status == "success", job.rejections > 0 {
            finding("rejection", "rejected before it finished, yet ran to success")
        }
        if let window = rules.window, let started = job.startedAt, windows[job.environment]?.contains(started) != true {
            finding("deploy_window", "started \(started.rfc3339), outside \(window.from)–\(window.to) \(window.timeZone) on weekdays \(window.days.map(String.init).joined(separator: ","))")
        }
        if job.overlaps {
            finding("environment_lock", "held \(job.project)/\(job.environment) while another job held it")
        }
        return findings
    }
}

/// Writing a file of lines through a temporary name beside it (`FileWriter.temporary`), renamed
/// when complete; the bytes are hashed as they are written, so the file is never read back.
/// Without a path the lines are only hashed.
final class LineFile {
    private let fd: Int32?
    private let path: String
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private var count = 0
    static let flushSize = 1 << 20

    private init(fd: Int32?, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    /// Writes the lines `body` appends to `path` (mode 0644, no fsync); returns the SHA-256
    /// and size of what was written. On an error the temporary file is removed. With a nil
    /// `path` nothing is written: the SHA-256 and size of what would be.
    static func write(_ path: String?, _ body: (LineFile) throws -> Void) throws -> (sha256: String, bytes: Int) {
        guard let path else {
            let file = LineFile(fd: nil, path: "")
            try body(file)
            try file.flush()
            return (Checksum.hex(file.hasher.finalize()), file.count)
        }
        let (fd, temporary) = try FileWriter.temporary(beside: path)
        let file = LineFile(fd: fd, path: path)
        do {
            defer { close(fd) }
            try body(file)
            try file.flush()
            guard fchmod(fd, 0o644) == 0 else { throw PackError(path, "cannot set the file mode: \(errnoText())") }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = PackError(path, "cannot write: \(errnoText())")
            unlink(temporary)
            throw error
        }
        return (Checksum.hex(file.hasher.finalize()), file.count)
    }

    /// Appends one line: `bytes` and a line feed.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= Self.flushSize { try flush() }
    }

    func append(_ line: String) throws {
        var line = line
        try line.withUTF8 { bytes in try append(UnsafeRawBufferPointer(bytes)) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { bytes in
            hasher.update(bufferPointer: bytes)
            if let fd { try FileWriter.writeAll(fd, bytes, path: path) }
        }
        count += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
