import EvidenceKit
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The ledger many CI runners share (SPEC §11): the tables of the SQLite ledger in a schema
/// `evpack` of a PostgreSQL database, filled by `COPY` and one `INSERT … ON CONFLICT` per kind,
/// read by the same operations SQL.
///
/// Lives in this target because it is the one that links postgres-nio: the connection, TLS,
/// URL and password rules are those of `evpack rehearse` (SPEC §9), shared, not repeated.
public final class PostgresLedger: RecordLedger, @unchecked Sendable {
    public let name: String
    public let busyTimeout: Double
    let session: TargetSession
    let statements: PostgresStatements
    /// A reader holds one REPEATABLE READ transaction, so every query sees one snapshot.
    let isReader: Bool

    /// The schema version this evpack writes; a later one migrates from the versions below it.
    public static let schemaVersion = 1
    static let schema = "evpack"
    /// The advisory lock key that serialises schema creation and migration.
    static let schemaLock: Int64 = 0x6576_7061_636B_0001
    static let connectTimeout: Int64 = 10

    private init(name: String, busyTimeout: Double, session: TargetSession, isReader: Bool) {
        self.name = name
        self.busyTimeout = busyTimeout
        self.session = session
        self.statements = PostgresStatements(connection: session.connection, logger: session.logger)
        self.isReader = isReader
    }

    deinit {
        let connection = session.connection
        _ = try? connection.close().wait()
    }

    /// How the command line opens `postgres://` ledgers: the password from PGPASSWORD, or from
    /// the environment variable `credentialsRef` (`env://NAME`) names.
    public static func opener(environment: [String: String], credentialsRef: String? = nil) -> LedgerOpener {
        LedgerOpener { url, writing, busyTimeout throws(InputError) in
            try open(url, writing: writing, busyTimeout: busyTimeout, password: { () throws(InputError) in
                try Credentials.password(credentialsRef: credentialsRef, environment: environment)
            })
        }
    }

    /// Connects; a writer creates (or finds) the schema, a reader begins its snapshot.
    public static func open(
        _ url: String, writing: Bool, busyTimeout: Double, password: () throws(InputError) -> String
    ) throws(InputError) -> PostgresLedger {
        let ledger = try connect(url, busyTimeout: busyTimeout, isReader: !writing, password: password)
        do {
            if writing {
                try ledger.prepareSchema()
            } else {
                try ledger.beginSnapshot()
            }
        } catch let error as InputError {
            throw error
        } catch {
            throw .cannotRead(path: ledger.name, reason: "not a usable ledger: \(PostgresFailure.describe(error))")
        }
        return ledger
    }

    /// `evpack ledger init URL`: the schema, created when missing; returns whether it was made now.
    public static func initialize(_ url: String, password: () throws(InputError) -> String) throws(InputError) -> (name: String, created: Bool) {
        let ledger = try connect(url, busyTimeout: 0, isReader: false, password: password)
        do {
            return (ledger.name, try ledger.prepareSchema())
        } catch let error as InputError {
            throw error
        } catch {
            throw .cannotRead(path: ledger.name, reason: "cannot create the ledger schema: \(PostgresFailure.describe(error))")
        }
    }

    /// A session on the ledger's database (TLS as the URL says), its search path the ledger's schema.
    private static func connect(
        _ url: String, busyTimeout: Double, isReader: Bool, password: () throws(InputError) -> String
    ) throws(InputError) -> PostgresLedger {
        let target = try RehearsalTarget.parse(url, option: "--ledger")
        let secret = try password()
        let session: TargetSession
        do {
            session = try Blocking.run { try await TargetSession.open(target, password: secret, connectTimeout: connectTimeout) }
        } catch {
            throw .cannotRead(path: target.redacted, reason: "cannot open the ledger: \(error)")
        }
        let ledger = PostgresLedger(name: target.redacted, busyTimeout: busyTimeout, session: session, isReader: isReader)
        do {
            try ledger.statements.query("SET search_path = \(schema)")
        } catch {
            throw .cannotRead(path: target.redacted, reason: "cannot open the ledger: \(PostgresFailure.describe(error))")
        }
        return ledger
    }

    // MARK: - schema

    /// Creates the schema when it is missing (one process at a time, under an advisory lock);
    /// refuses one made by a newer evpack. Returns whether it was created now.
    @discardableResult
    func prepareSchema() throws -> Bool {
        try statements.query("BEGIN")
        do {
            try statements.query("SELECT pg_advisory_xact_lock(?)", [.integer(Self.schemaLock)])
            let version = try installedVersion()
            if let version, version > Self.schemaVersion {
                throw InputError.cannotRead(path: name, reason: "made by a newer evpack (ledger schema \(version))")
            }
            let created = version == nil
            if created {
                for statement in Self.schemaStatements { try statements.query(statement) }
                try statements.query("INSERT INTO \(Self.schema).schema_version (version) VALUES (?)", [.integer(Int64(Self.schemaVersion))])
            }
            try statements.query("COMMIT")
            return created
        } catch {
            _ = try? statements.query("ROLLBACK")
            throw error
        }
    }

    /// The installed schema version; nil when there is no ledger schema yet.
    func installedVersion() throws -> Int? {
        let exists = try statements.query("SELECT to_regclass('\(Self.schema).schema_version') IS NOT NULL")
        guard let row = exists.first, try row.decode(Bool.self) else { return nil }
        let version = try PostgresStatements.values(try statements.query("SELECT max(version) FROM \(Self.schema).schema_version").first!)
        guard case .integer(let number) = version[0] else { return nil }
        return Int(number)
    }

    /// Version 1: the SQLite ledger's tables (text compared byte-wise, times as bigint
    /// nanoseconds), and the indexes every operations query uses.
    static var schemaStatements: [String] {
        let text = "text COLLATE \"C\""
        var statements = [
            "CREATE SCHEMA IF NOT EXISTS \(schema)",
            "CREATE TABLE IF NOT EXISTS \(schema).schema_version (version integer NOT NULL, installed_at timestamptz NOT NULL DEFAULT now())",
            """
            CREATE TABLE \(schema).ingest_file (file_id bigint PRIMARY KEY, name \(text) NOT NULL, sha256 text NOT NULL UNIQUE,
              accepted bigint NOT NULL, rejected bigint NOT NULL, duplicates bigint NOT NULL)
            """,
            """
            CREATE TABLE \(schema).reject (seq bigint PRIMARY KEY, file_id bigint NOT NULL, file \(text) NOT NULL, line bigint NOT NULL,
              kind \(text), reason \(text) NOT NULL)
            """,
            "CREATE TABLE \(schema).record_doc (seq bigint PRIMARY KEY, kind \(text) NOT NULL, occurred_at bigint, doc text NOT NULL)",
        ]
        for kind in RecordKind.allCases {
            let columns = RecordColumns.definitions(kind, integer: "bigint", text: text).dropFirst()
            statements.append("""
                CREATE TABLE \(schema).\(kind.rawValue) (id \(text) PRIMARY KEY, \(columns.joined(separator: ", ")),
                  seq bigint NOT NULL, identity bytea, file_id bigint NOT NULL, line bigint NOT NULL)
                """)
        }
        // The indexes name their tables unqualified: search_path is the ledger's schema.
        return statements + LedgerSchema.indexes
    }

    // MARK: - reading

    /// REPEATABLE READ, read only: every query of this reader sees the ledger as one snapshot,
    /// an ingest wholly or not at all; readers never wait for writers.
    func beginSnapshot() throws {
        // Room for the operations queries' sorts and hashes in memory.
        try statements.query("SET work_mem = '64MB'")
        try statements.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        // The snapshot is taken by the first query: the schema check.
        guard let version = try installedVersion() else {
            throw InputError.cannotRead(path: name, reason: "no ledger there; make one with `evpack ledger init \(name)` or `evpack ingest FILE --ledger URL`")
        }
        if version > Self.schemaVersion {
            throw InputError.cannotRead(path: name, reason: "made by a newer evpack (ledger schema \(version))")
        }
    }

    public func read<T>(_ body: (any LedgerSQL) throws -> T) throws -> T {
        try body(statements)
    }

    public func isBusy(_ error: any Error) -> Bool { PostgresFailure.isBusy(error) }

    /// The records through a cursor, a batch of rows at a time, their bytes straight to the file.
    @discardableResult
    public func exportRecords(to path: String?, asOf: Instant) throws -> (sha256: String, bytes: Int) {
        let expiry = Self.expiry(asOf: asOf)
        let query = LedgerSchema.exportRecords.replacingOccurrences(of: "?", with: String(expiry))
        return try LineFile.write(path) { file in
            try statements.query("DECLARE evpack_records NO SCROLL CURSOR FOR \(query)")
            defer { _ = try? statements.query("CLOSE evpack_records") }
            while true {
                let rows = try statements.query("FETCH FORWARD 20000 FROM evpack_records")
                if rows.isEmpty { break }
                for row in rows {
                    for cell in row {
                        guard let bytes = cell.bytes else { continue }
                        try bytes.withUnsafeReadableBytes { try file.append($0) }
                    }
                }
            }
        }
    }
}
