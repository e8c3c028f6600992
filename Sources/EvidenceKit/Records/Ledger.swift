import Foundation
import GRDB
import GRDBSQLite

/// The SQLite ledger of accepted records, rejects and ingested files.
///
/// Records stream into it (one table per kind, one reused prepared statement per kind, one
/// transaction per ingest) and the operations checks query it in SQL; they are never all
/// held in memory.
///
/// Several processes may use one ledger file at once (SPEC §11). A persistent ledger is kept in
/// WAL mode: a writer (`ingest`) takes the write lock when its transaction begins (`BEGIN
/// IMMEDIATE`, never upgrading a read lock), so writers take turns and "first occurrence wins"
/// follows commit order; readers (`check`, `build --ledger`) open the file read-only, write
/// nothing, and read one snapshot for their whole run, never blocked by a writer. Whoever has to
/// wait for a lock waits up to `busyTimeout` seconds; then the error says the ledger was busy.
public final class Ledger: @unchecked Sendable {
    public let path: String
    let database: DatabaseQueue
    private let isTemporary: Bool
    /// How long this connection waits for another process's lock, in seconds.
    public let busyTimeout: Double

    static let schemaVersion = 1
    /// How long a process waits for another one's lock on a ledger by default, in seconds.
    public static let defaultBusyTimeout: Double = 600

    /// The largest write-ahead log kept on disk between ingests (it is truncated to this).
    static let journalSizeLimit = 64 << 20

    private init(path: String, temporary: Bool, busyTimeout: Double = Ledger.defaultBusyTimeout) throws {
        self.path = path
        self.isTemporary = temporary
        self.busyTimeout = busyTimeout
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            if temporary {
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE")
            } else {
                // A write-ahead log: readers keep reading while a writer appends, and see the
                // ledger as it was before or after each ingest's transaction.
                try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = \(Self.journalSizeLimit)")
            }
            try db.execute(sql: "PRAGMA cache_size = -32000")
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        try database.inTransaction(.immediate) { db in
            try Self.createSchema(db)
            return .commit
        }
    }

    /// A read-only connection holding one read transaction (one snapshot) until it is released.
    private init(readingPath path: String, busyTimeout: Double, immutable: Bool) throws {
        self.path = path
        self.isTemporary = false
        self.busyTimeout = busyTimeout
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        // The read transaction outlives one database access (as GRDB's DatabaseSnapshot's does).
        configuration.allowsUnsafeTransactions = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -32000; PRAGMA query_only = 1")
        }
        database = try DatabaseQueue(path: immutable ? Self.immutableURI(path) : path, configuration: configuration)
        try database.inDatabase { db in
            try db.execute(sql: "BEGIN DEFERRED")
            // The snapshot is taken by the first read: from here on no commit is seen.
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            if version > Self.schemaVersion {
                throw InputError.cannotRead(path: path, reason: "made by a newer evpack (schema \(version))")
            }
            let tables = try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            let missing = (["ingest_file", "reject", "record_doc"] + RecordKind.allCases.map(\.rawValue)).filter { !tables.contains($0) }
            if version < 1 || !missing.isEmpty {
                throw InputError.cannotRead(
                    path: path,
                    reason: "not a ledger made by evpack ingest (\(missing.first.map { "no \($0) table" } ?? "no schema version")); make one with `evpack ingest FILE --ledger \(path)`")
            }
        }
    }

    deinit {
        if isTemporary {
            try? database.close()
            for file in TemporaryFiles.ledgerFiles(path) {
                unlink(file)
                TemporaryFiles.unregister(file)
            }
        }
    }

    /// Opens (creating when needed) a persistent ledger to append to.
    public static func open(path: String, busyTimeout: Double = defaultBusyTimeout) throws(InputError) -> Ledger {
        do {
            return try Ledger(path: path, temporary: false, busyTimeout: busyTimeout)
        } catch let error as InputError {
            throw error
        } catch {
            throw opening(path, error, busyTimeout: busyTimeout, writing: true)
        }
    }

    /// A ledger in a temporary file, removed when the ledger is released.
    public static func temporary() throws(InputError) -> Ledger {
        let path = TemporaryFiles.ledgerPath()
        do {
            return try Ledger(path: path, temporary: true)
        } catch {
            for file in TemporaryFiles.ledgerFiles(path) {
                unlink(file)
                TemporaryFiles.unregister(file)
            }
            throw .cannotRead(path: path, reason: "cannot create a temporary ledger: \(error)")
        }
    }

    /// Opens an existing persistent ledger for reading only: nothing is written to it (not even
    /// to a ledger that could be written), and it reads as one snapshot: the records committed
    /// when it was opened.
    ///
    /// A ledger in WAL mode whose folder cannot be written (so SQLite cannot make the shared
    /// index beside it) and that no writer has open (no `-wal` file) is read as an immutable file.
    public static func openForReading(path: String, busyTimeout: Double = defaultBusyTimeout) throws(InputError) -> Ledger {
        do {
            return try Ledger(readingPath: path, busyTimeout: busyTimeout, immutable: false)
        } catch let error as InputError {
            throw error
        } catch let error as DatabaseError where [.SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode)
            && access(path + "-wal", F_OK) != 0 {
            do {
                return try Ledger(readingPath: path, busyTimeout: busyTimeout, immutable: true)
            } catch let error as InputError {
                throw error
            } catch {
                throw opening(path, error, busyTimeout: busyTimeout, writing: false)
            }
        } catch {
            throw opening(path, error, busyTimeout: busyTimeout, writing: false)
        }
    }

    /// The error for a ledger that could not be opened: busy, or not usable.
    private static func opening(_ path: String, _ error: any Error, busyTimeout: Double, writing: Bool) -> InputError {
        if isBusy(error) { return .records(.busy(path: path, seconds: busyTimeout, writing: writing)) }
        return .cannotRead(path: path, reason: "not a usable ledger: \(error)")
    }

    /// Whether `error` is SQLite's "another connection holds the lock" after the busy timeout.
    static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    /// `file:` URI of `path` with `immutable=1` (SQLite reads it without locks or a shared index).
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?mode=ro&immutable=1"
    }

    static func createSchema(_ db: Database) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version > schemaVersion {
            throw InputError.cannotRead(path: db.configuration.label ?? "ledger", reason: "made by a newer evpack (schema \(version))")
        }
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS ingest_file (
              file_id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
              accepted INTEGER NOT NULL, rejected INTEGER NOT NULL, duplicates INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS reject (
              seq INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
              kind TEXT, reason TEXT NOT NULL);
            """)
        // One table per kind keyed by id (the key makes repeated ids cheap to find); the
        // documents in insertion order in a table of their own, so the kind tables stay
        // narrow for the operations queries.
        for kind in RecordKind.allCases {
            let columns = RecordRules.columns(kind).dropFirst().map { column in
                RecordRules.timeColumns.contains(column) ? "\(column) INTEGER" : "\(column) TEXT"
            }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS \(kind.rawValue) (
                  id TEXT PRIMARY KEY, \(columns.joined(separator: ", ")),
                  seq INTEGER NOT NULL, identity BLOB, file_id INTEGER NOT NULL, line INTEGER NOT NULL) WITHOUT ROWID
                """)
        }
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS record_doc (
              seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, occurred_at INTEGER, doc TEXT NOT NULL)
            """)
        if version != schemaVersion {
            try db.execute(sql: "PRAGMA user_version = \(schemaVersion)")
        }
    }

    /// Secondary indexes for the operations queries; built after a bulk load, kept after.
    static func createIndexes(_ db: Database) throws {
        // Partial indexes where a query reads a small part of a big table.
        try db.execute(sql: """
            CREATE INDEX IF NOT EXISTS audit_signoff ON audit(subject_id, actor_id, recorded_at) WHERE action = 'signoff.recorded';
            CREATE INDEX IF NOT EXISTS audit_time ON audit(recorded_at);
            CREATE INDEX IF NOT EXISTS run_open ON run(status, created_at) WHERE status != 'completed';
            CREATE INDEX IF NOT EXISTS run_failed ON run(completed_at) WHERE outcome = 'failed';
            CREATE INDEX IF NOT EXISTS run_created ON run(created_at);
            CREATE INDEX IF NOT EXISTS usage_time ON usage(occurred_at, family, workspace_id);
            CREATE INDEX IF NOT EXISTS deploy_requested ON deploy(requested_at);
            CREATE INDEX IF NOT EXISTS deploy_lock ON deploy(project, environment, started_at);
            CREATE INDEX IF NOT EXISTS approval_job ON approval(job_id, decision);
            """)
    }
}

// MARK: - ingest

/// What an ingest did, per file and in all.
public struct IngestReport: Sendable {
    public struct File: Sendable {
        public var name: String
        public var sha256: String
        public var acceptedByKind: [RecordKind: Int]
        public var accepted: Int { acceptedByKind.values.reduce(0, +) }
        public var rejected: Int
        public var duplicates: Int
        /// The same bytes were ingested before: nothing was added.
        public var alreadyIngested: Bool
    }

    public var files: [File] = []
    public var accepted: [RecordKind: Int] = [:]
    public var rejected = 0
    public var duplicates = 0
    /// The first rejects, in order (all are in the ledger).
    public var rejects: [RecordReject] = []

    public static let shownRejects = 50
}

/// Why an ingest stopped.
public enum IngestError: Error, CustomStringConvertible, Sendable {
    case input(InputError)
    /// `--strict` and a line was rejected.
    case strict(RecordReject)
    /// A file's structure is unusable (a CSV header).
    case badFile(file: String, line: Int, message: String)
    case ledger(String)
    /// Another process held the ledger's lock for longer than the busy timeout.
    case busy(path: String, seconds: Double, writing: Bool)

    public var description: String {
        switch self {
        case .input(let error): return error.description
        case .strict(let reject): return "\(reject.message) (--strict: the first rejected line is fatal; nothing was added)"
        case .badFile(let file, let line, let message): return "\(file):\(line): \(message); nothing was added"
        case .ledger(let message): return "ledger: \(message)"
        case .busy(let path, let seconds, let writing):
            let waited = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
            return "\(path): the ledger is busy: another process held its lock for more than \(waited) s (--busy-timeout); "
                + (writing ? "nothing was added. " : "nothing was read. ")
                + "Try again when it is done, or wait longer with --busy-timeout SECONDS"
        }
    }
}

extension Ledger {
    /// Appends records from `sources` in one transaction: nothing is added when it fails.
    ///
    /// Reading, parsing, validating and sanitizing run on a second thread; this thread
    /// inserts. A repeated id with identical content is skipped, with other content it is
    /// rejected; a file whose bytes were ingested before adds nothing.
    public func ingest(
        _ sources: [RecordSource], strict: Bool = false, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(IngestError) -> IngestReport {
        let totalBytes = sources.reduce(0) { $0 + $1.size }
        let channel = BoundedChannel<[IngestEvent]>(capacity: 8)
        let producer = Thread { IngestProducer(sources: sources, channel: channel).run() }
        producer.stackSize = 4 << 20
        producer.start()
        defer {
            channel.cancel()
            channel.waitForProducer()
        }
        var report = IngestReport()
        do {
            // IMMEDIATE: the write lock is taken here (waiting for another writer's turn), so
            // this transaction never has to upgrade a read lock, which could fail at once.
            try database.inTransaction(.immediate) { db in
                var writer = try LedgerWriter(db: db)
                var baseBytes = 0
                while let batch = channel.receive() {
                    for event in batch {
                        switch event {
                        case .batch(let records):
                            if let reject = try writer.insert(records), strict {
                                throw IngestError.strict(reject)
                            }
                        case .fileStart(let index):
                            try writer.startFile(sources[index].displayName)
                        case .fileEnd(let sha256, let bytes):
                            report.files.append(try writer.finishFile(sha256: sha256))
                            baseBytes += bytes
                        case .progress(let bytes):
                            progress?(baseBytes + bytes, totalBytes)
                        case .failure(let error):
                            throw error
                        }
                    }
                }
                try Self.createIndexes(db)
                report.rejects = writer.shownRejects
                return .commit
            }
        } catch let error as IngestError {
            throw error
        } catch let error as InputError {
            throw .input(error)
        } catch where Self.isBusy(error) {
            throw .busy(path: path, seconds: busyTimeout, writing: true)
        } catch {
            // Which ledger (a full disk is the disk of this file, perhaps TMPDIR's).
            throw .ledger("\(path): \(error)")
        }
        for file in report.files {
            report.rejected += file.rejected
            report.duplicates += file.duplicates
            report.accepted.merge(file.acceptedByKind, uniquingKeysWith: +)
        }
        return report
    }
}

/// Events from the reading thread to the ledger.
enum IngestEvent: Sendable {
    case fileStart(Int)
    case batch(RecordBatch)
    case progress(Int)
    case fileEnd(sha256: String, bytes: Int)
    case failure(IngestError)
}

/// The reading thread: files → lines → records, in batches.
struct IngestProducer: @unchecked Sendable {
    let sources: [RecordSource]
    let channel: BoundedChannel<[IngestEvent]>
    static let batchSize = 1024

    struct Cancelled: Error {}

    func run() {
        defer { channel.close() }
        var events: [IngestEvent] = []
        func send() throws {
            guard !events.isEmpty else { return }
            guard channel.send(events) else { throw Cancelled() }
            events.removeAll(keepingCapacity: true)
        }
        for (index, source) in sources.enumerated() {
            do {
                let file = try ChunkedFile(source: source)
                events.append(.fileStart(index))
                var decoder = RecordDecoder(source: source)
                var batch = RecordBatch(capacity: Self.batchSize)
                var lastProgress = 0
                let body: (Int, RawRecord) throws -> Void = { line, raw in
                    do {
                        try decoder.decode(raw, line: line, into: batch)
                    } catch let error as RecordDecoder.FileError {
                        throw IngestError.badFile(file: source.path, line: error.line, message: error.message)
                    }
                    if batch.count >= Self.batchSize {
                        events.append(.batch(batch))
                        try send()
                        batch = RecordBatch(capacity: Self.batchSize)
                    }
                }
                let report: (Int) -> Void = { bytes in
                    if bytes - lastProgress >= 1 << 20 {
                        lastProgress = bytes
                        events.append(.progress(bytes))
                    }
                }
                switch source.format {
                case .jsonl: try JSONLinesReader.read(file, body, progress: report)
                case .csv: try CSVReader.read(file, body, progress: report)
                }
                if batch.count > 0 { events.append(.batch(batch)) }
                events.append(.fileEnd(sha256: file.finishDigest(), bytes: file.bytesRead))
                try send()
            } catch is Cancelled {
                return
            } catch let error as IngestError {
                events.append(.failure(error))
                _ = try? send()
                return
            } catch let error as InputError {
                events.append(.failure(.input(error)))
                _ = try? send()
                return
            } catch {
                events.append(.failure(.ledger("\(error)")))
                _ = try? send()
                return
            }
        }
    }
}

/// The inserting side: one prepared statement per kind, bound through the SQLite C API
/// straight from the batch's bytes.
struct LedgerWriter {
    let db: Database
    private var inserts: [Statement] = []
    private var lookups: [Statement] = []
    private let documentStatement: Statement
    private let rejectStatement: Statement
    private var nextSeq: Int64
    private var fileID: Int64 = 0
    private var fileName = ""
    /// Accepted records of this file, by `RecordKind.ordinal`.
    private var accepted = [Int](repeating: 0, count: RecordKind.allCases.count)
    private var rejected = 0, duplicates = 0
    private(set) var shownRejects: [RecordReject] = []
    /// Where this file's rejects begin in `shownRejects`.
    private var shownRejectsOfFile = 0

    init(db: Database) throws {
        self.db = db
        assert(RecordKind.allCases.indices.allSatisfy { RecordKind.allCases[$0].ordinal == $0 })
        for kind in RecordKind.allCases {
            let columns = RecordRules.columns(kind) + ["seq", "identity", "file_id", "line"]
            let marks = Array(repeating: "?", count: columns.count).joined(separator: ",")
            inserts.append(try db.makeStatement(sql: """
                INSERT INTO \(kind.rawValue) (\(columns.joined(separator: ","))) VALUES (\(marks)) ON CONFLICT(id) DO NOTHING
                """))
            lookups.append(try db.makeStatement(sql: """
                SELECT k.identity, d.doc, f.name, k.line FROM \(kind.rawValue) k JOIN record_doc d ON d.seq = k.seq
                JOIN ingest_file f ON f.file_id = k.file_id WHERE k.id = ?
                """))
        }
        documentStatement = try db.makeStatement(sql: "INSERT INTO record_doc (seq, kind, occurred_at, doc) VALUES (?,?,?,?)")
        rejectStatement = try db.makeStatement(sql: "INSERT INTO reject (file_id, file, line, kind, reason) VALUES (?,?,?,?,?)")
        nextSeq = (try Int64.fetchOne(db, sql: "SELECT max(seq) FROM record_doc") ?? 0) + 1
    }

    mutating func startFile(_ name: String) throws {
        fileName = name
        accepted = accepted.map { _ in 0 }
        rejected = 0
        duplicates = 0
        shownRejectsOfFile = shownRejects.count
        // A provisional row; its sha256 is filled in when the file is read to the end.
        try db.execute(sql: "INSERT INTO ingest_file (name, sha256, accepted, rejected, duplicates) VALUES (?, ?, 0, 0, 0)",
                       arguments: [name, "pending-\(nextSeq)-\(fileID)"])
        fileID = db.lastInsertedRowID
    }

    mutating func finishFile(sha256: String) throws -> IngestReport.File {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM ingest_file WHERE sha256 = ?", arguments: [sha256]) == true {
            // The same bytes were ingested before: every record was an identical duplicate;
            // drop this pass's rejects and file row so that nothing is added.
            try db.execute(sql: "DELETE FROM reject WHERE file_id = ?", arguments: [fileID])
            try db.execute(sql: "DELETE FROM ingest_file WHERE file_id = ?", arguments: [fileID])
            shownRejects.removeSubrange(shownRejectsOfFile...)
            return IngestReport.File(name: fileName, sha256: sha256, acceptedByKind: [:], rejected: 0, duplicates: 0, alreadyIngested: true)
        }
        let total = accepted.reduce(0, +)
        try db.execute(sql: "UPDATE ingest_file SET sha256 = ?, accepted = ?, rejected = ?, duplicates = ? WHERE file_id = ?",
                       arguments: [sha256, total, rejected, duplicates, fileID])
        var acceptedByKind: [RecordKind: Int] = [:]
        for kind in RecordKind.allCases where accepted[kind.ordinal] > 0 { acceptedByKind[kind] = accepted[kind.ordinal] }
        return IngestReport.File(name: fileName, sha256: sha256, acceptedByKind: acceptedByKind, rejected: rejected, duplicates: duplicates, alreadyIngested: false)
    }

    /// Inserts a batch in input order; returns the first reject (for `--strict`).
    mutating func insert(_ batch: RecordBatch) throws -> RecordReject? {
        var firstReject: RecordReject?
        var nextReject = 0
        func flushRejects(upTo end: Int) throws {
            while nextReject < end {
                let reject = batch.rejects[nextReject]
                try store(reject)
                if firstReject == nil { firstReject = reject }
                nextReject += 1
            }
        }
        try batch.arena.withUnsafeBufferPointer { arena in
            for record in batch.records {
                try flushRejects(upTo: Int(record.rejectsBefore))
                if let reject = try insert(record, batch: batch, arena: arena), firstReject == nil {
                    firstReject = reject
                }
            }
        }
        try flushRejects(upTo: batch.rejects.count)
        return firstReject
    }

    private mutating func insert(_ record: RecordBatch.Record, batch: RecordBatch, arena: UnsafeBufferPointer<UInt8>) throws -> RecordReject? {
        let kindIndex = record.kind.ordinal
        let statement = inserts[kindIndex].sqliteStatement
        sqlite3_reset(statement)
        var index: Int32 = 1
        for slot in batch.columns(of: record) { bind(statement, &index, slot, arena) }
        sqlite3_bind_int64(statement, index, nextSeq); index += 1
        if case .bytes(let start, let count) = record.identity {
            // 16 bytes of a digest: a blob, never text.
            sqlite3_bind_blob(statement, index, arena.baseAddress! + Int(start), count, nil)
        } else {
            sqlite3_bind_null(statement, index)
        }
        index += 1
        sqlite3_bind_int64(statement, index, fileID); index += 1
        sqlite3_bind_int64(statement, index, Int64(record.line)); index += 1
        try step(statement)
        if sqlite3_changes(db.sqliteConnection) == 1 {
            let document = documentStatement.sqliteStatement
            sqlite3_reset(document)
            var index: Int32 = 1
            sqlite3_bind_int64(document, index, nextSeq); index += 1
            // SQLite copies the kind's text now (SQLITE_TRANSIENT): no temporary is bound in place.
            bindText(document, index, record.kind.rawValue); index += 1
            if let occurred = record.occurredAt { sqlite3_bind_int64(document, index, occurred) } else { sqlite3_bind_null(document, index) }
            index += 1
            bind(document, &index, record.document, arena)
            try step(document)
            nextSeq += 1
            accepted[kindIndex] += 1
            return nil
        }
        // The id is taken: identical content is a skipped duplicate, other content a conflict.
        let id = batch.string(batch.columns(of: record).first!)!
        let row = try Row.fetchOne(lookups[kindIndex], arguments: [id])
        let incoming = batch.bytes(record.identity) ?? RecordDecoder.identity(ofDocument: batch.bytes(record.document) ?? [])
        if let row {
            let stored: Data? = row[0]
            let existing = stored.map { Array($0) } ?? RecordDecoder.identity(ofDocument: Array(((row[1] as String?) ?? "").utf8))
            if existing == incoming {
                duplicates += 1
                return nil
            }
        }
        let origin = row.map { " (first at \(($0[2] as String?) ?? "?"):\(($0[3] as Int?) ?? 0))" } ?? ""
        let reject = RecordReject(file: fileName, line: Int(record.line), kind: record.kind,
                                  reason: "duplicate \(record.kind.rawValue) id with different content\(origin)")
        try store(reject)
        return reject
    }

    private mutating func store(_ reject: RecordReject) throws {
        rejected += 1
        if shownRejects.count < IngestReport.shownRejects { shownRejects.append(reject) }
        let statement = rejectStatement.sqliteStatement
        sqlite3_reset(statement)
        sqlite3_bind_int64(statement, 1, fileID)
        bindText(statement, 2, reject.file)
        sqlite3_bind_int64(statement, 3, Int64(reject.line))
        if let kind = reject.kind { bindText(statement, 4, kind.rawValue) } else { sqlite3_bind_null(statement, 4) }
        bindText(statement, 5, reject.reason)
        try step(statement)
    }

    private func step(_ statement: OpaquePointer) throws {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage) }
    }

    private func bind(_ statement: OpaquePointer, _ index: inout Int32, _ slot: RecordBatch.Slot, _ arena: UnsafeBufferPointer<UInt8>) {
        switch slot {
        case .null: sqlite3_bind_null(statement, index)
        case .integer(let n): sqlite3_bind_int64(statement, index, n)
        case .bytes(let start, let count):
            let pointer = UnsafeRawPointer(arena.baseAddress! + Int(start)).assumingMemoryBound(to: CChar.self)
            // The arena outlives the step, so SQLite may read it in place.
            sqlite3_bind_text(statement, index, pointer, count, nil)
        }
        index += 1
    }

    private func bindText(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buffer in
            _ = buffer.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        }
    }
}

/// SQLite's "copy the bytes now" destructor, which the C macro spells `(sqlite3_destructor_type)-1`.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A bounded queue between one producer thread and one consumer.
final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var closed = false
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Waits for room; false when the consumer has cancelled.
    func send(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity, !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// The next element; nil when the producer closed and everything was received.
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !closed { condition.wait() }
        if items.isEmpty { return nil }
        let element = items.removeFirst()
        condition.broadcast()
        return element
    }

    /// Called by the producer when it is done (also after a cancel).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Called by the consumer: the producer stops at its next send.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func waitForProducer() {
        condition.lock()
        while !closed { condition.wait() }
        condition.unlock()
    }
}
