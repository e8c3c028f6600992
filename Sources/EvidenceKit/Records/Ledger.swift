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
            let columns = RecordColumns.definitions(kind, integer: "INTEGER", text: "TEXT").dropFirst()
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
        for statement in LedgerSchema.indexes { try db.execute(sql: statement) }
    }
}

// MARK: - ingest

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
        var report = IngestReport()
        do {
            // IMMEDIATE: the write lock is taken here (waiting for another writer's turn), so
            // this transaction never has to upgrade a read lock, which could fail at once.
            try database.inTransaction(.immediate) { db in
                var writer = try LedgerWriter(db: db)
                var baseBytes = 0
                try IngestFeed.consume(sources) { event in
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
        report.addUpFiles()
        return report
    }
}
