import Foundation

/// A ledger of accepted records, rejects and ingested files (SPEC §11): the SQLite file
/// (`Ledger`) or a PostgreSQL database many runners share (in the EvidenceRehearsal target, so
/// this module never links a PostgreSQL client).
///
/// Both keep the same tables, derived from `RecordColumns`, and answer the operations checks
/// with the same SQL (`OperationsQueries`), so a pack built from either is byte-identical.
public protocol RecordLedger: AnyObject, Sendable {
    /// What messages call the ledger: its path, or its URL without user info and query.
    var name: String { get }
    /// How long this ledger waits for another process's lock, in seconds.
    var busyTimeout: Double { get }

    /// Appends records in one transaction: nothing is added when it fails. A file whose bytes
    /// (SHA-256) were ingested before adds nothing; a repeated id with identical content is
    /// skipped, with other content rejected; the first occurrence wins, by commit order.
    func ingest(
        _ sources: [RecordSource], strict: Bool, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    ) throws(IngestError) -> IngestReport

    /// Runs `body` over the ledger as one snapshot (a reader's snapshot is the one it opened with).
    func read<T>(_ body: (any LedgerSQL) throws -> T) throws -> T

    /// Writes the sanitized records the checks use, one JSON object per line, in ingest order;
    /// with a nil `path`, only hashes them (the report stage needs the digest before the pack is written).
    func exportRecords(to path: String?, asOf: Instant) throws -> (sha256: String, bytes: Int)

    /// Whether `error` means another process held the ledger for longer than `busyTimeout`.
    func isBusy(_ error: any Error) -> Bool
}

/// A value of a ledger column or query result.
public enum LedgerValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// One result row.
public struct LedgerRow: Sendable {
    public var values: [LedgerValue]
    public init(_ values: [LedgerValue]) { self.values = values }

    public func optionalInt(_ index: Int) -> Int64? {
        if case .integer(let value) = values[index] { return value }
        return nil
    }
    public func int(_ index: Int) -> Int { Int(optionalInt(index) ?? 0) }
    public func optionalText(_ index: Int) -> String? {
        if case .text(let value) = values[index] { return value }
        return nil
    }
    public func text(_ index: Int) -> String { optionalText(index) ?? "" }
    public func optionalInstant(_ index: Int) -> Instant? { optionalInt(index).map(Instant.init(nanosecondsSinceEpoch:)) }
    public func instant(_ index: Int) -> Instant { Instant(nanosecondsSinceEpoch: optionalInt(index) ?? 0) }
}

/// Running SQL against a ledger: statements use `?` placeholders (PostgreSQL's backend numbers
/// them) and the SQL both backends share (no `IS ?`, no boolean used as a number).
public protocol LedgerSQL {
    /// Runs `sql`, calling `body` for each row in order.
    func forEachRow(_ sql: String, _ arguments: [LedgerValue], _ body: (LedgerRow) throws -> Void) throws
}

extension LedgerSQL {
    public func rows(_ sql: String, _ arguments: [LedgerValue] = []) throws -> [LedgerRow] {
        var rows: [LedgerRow] = []
        try forEachRow(sql, arguments) { rows.append($0) }
        return rows
    }

    public func firstRow(_ sql: String, _ arguments: [LedgerValue] = []) throws -> LedgerRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row as an integer (0 without a row).
    public func integer(_ sql: String, _ arguments: [LedgerValue] = []) throws -> Int {
        try firstRow(sql, arguments)?.int(0) ?? 0
    }
}

/// What both backends' schemas share besides the kind tables.
public enum LedgerSchema {
    /// Secondary indexes, one for every operations query (SQLite builds them after a bulk load;
    /// PostgreSQL keeps them from the start).
    public static let indexes = [
        "CREATE INDEX IF NOT EXISTS audit_signoff ON audit(subject_id, actor_id, recorded_at) WHERE action = 'signoff.recorded'",
        "CREATE INDEX IF NOT EXISTS audit_time ON audit(recorded_at)",
        "CREATE INDEX IF NOT EXISTS run_open ON run(status, created_at) WHERE status != 'completed'",
        "CREATE INDEX IF NOT EXISTS run_failed ON run(completed_at) WHERE outcome = 'failed'",
        "CREATE INDEX IF NOT EXISTS run_created ON run(created_at)",
        "CREATE INDEX IF NOT EXISTS usage_time ON usage(occurred_at, family, workspace_id)",
        "CREATE INDEX IF NOT EXISTS deploy_requested ON deploy(requested_at)",
        "CREATE INDEX IF NOT EXISTS deploy_lock ON deploy(project, environment, started_at)",
        "CREATE INDEX IF NOT EXISTS approval_job ON approval(job_id, decision)",
        "CREATE INDEX IF NOT EXISTS control_active ON control(activated_at)",
    ]

    /// The records a pack keeps, in ingest order (usage events expired at as-of left out).
    public static let exportRecords = "SELECT doc FROM record_doc WHERE occurred_at IS NULL OR occurred_at >= ? ORDER BY seq"
    public static let exportRejects = "SELECT file, line, kind, reason FROM reject ORDER BY seq"
}

extension RecordLedger {
    /// Runs the operations queries for a snapshot at the options' as-of.
    public func operations(snapshot: Snapshot, options: RunOptions) throws -> OperationsFindings {
        try read { sql in
            var queries = OperationsQueries(sql: sql, options: options)
            return try queries.findings(snapshot: snapshot)
        }
    }

    /// The counts of what the ledger holds, as of `asOf` (usage events older than 90 days are expired).
    public func counts(asOf: Instant) throws -> IngestCounts {
        try read { sql in try OperationsQueries(sql: sql, options: RunOptions(asOf: asOf)).counts() }
    }

    /// The first rejects, in order.
    public func rejects(limit: Int) throws -> [RecordReject] {
        try read { sql in try OperationsQueries.rejects(sql, limit: limit) }
    }

    /// Writes the rejects (file, line, kind, reason; never content), one JSON object per line;
    /// returns the file's SHA-256 and size (with a nil `path`, only hashes them).
    @discardableResult
    public func exportRejects(to path: String?) throws -> (sha256: String, bytes: Int) {
        try LineFile.write(path) { file in
            try read { sql in
                try sql.forEachRow(LedgerSchema.exportRejects, []) { row in
                    var object = JSONObject()
                    object["file"] = .string(row.text(0))
                    object["line"] = .number(Double(row.int(1)))
                    object["kind"] = row.optionalText(2).map(JSONValue.string) ?? .null
                    object["reason"] = .string(row.text(3))
                    try file.append(JSONWriter.compact(.object(object)))
                }
            }
        }
    }

    /// The usage events older than this are expired at `asOf`, in nanoseconds.
    public static func expiry(asOf: Instant) -> Int64 {
        asOf.adding(seconds: -Ledger.retentionSeconds).nanosecondsSinceEpoch
    }
}

/// How `--ledger` values open ledgers: a path is an SQLite file; a `postgres://` URL goes to
/// the PostgreSQL backend the command line plugs in (`remote`).
public struct LedgerOpener: Sendable {
    /// Opens a ledger named by a URL, for reading (`writing` false) or appending.
    public typealias Remote = @Sendable (_ url: String, _ writing: Bool, _ busyTimeout: Double) throws(InputError) -> any RecordLedger
    public var remote: Remote?

    public init(remote: Remote? = nil) { self.remote = remote }

    /// Whether `--ledger` names a PostgreSQL database rather than an SQLite file.
    public static func isURL(_ location: String) -> Bool {
        let lower = location.prefix(14).lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    public func open(_ location: String, writing: Bool, busyTimeout: Double) throws(InputError) -> any RecordLedger {
        if Self.isURL(location) {
            guard let remote else {
                throw .badOption([.ledger], message: "this evpack has no PostgreSQL ledger backend")
            }
            return try remote(location, writing, busyTimeout)
        }
        if writing { return try Ledger.open(path: location, busyTimeout: busyTimeout) }
        guard InputFile.isRegularFile(location) else {
            throw .cannotReadFor(path: location, reason: "no such ledger; create one with `evpack ingest FILE \(ActionOption.ledger) \(location)`")
        }
        // Read-only, one snapshot: nothing is written, and an ingest under way is not seen half done.
        return try Ledger.openForReading(path: location, busyTimeout: busyTimeout)
    }
}
