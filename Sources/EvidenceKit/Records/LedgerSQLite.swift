import Foundation
import GRDB

/// The SQLite file as a `RecordLedger`: the shared queries run on GRDB's connection.
extension Ledger: RecordLedger {
    public var name: String { path }

    public func read<T>(_ body: (any LedgerSQL) throws -> T) throws -> T {
        try database.read { db in try body(SQLiteStatements(db: db)) }
    }

    public func isBusy(_ error: any Error) -> Bool { Self.isBusy(error) }

    /// Writes the sanitized records the checks use, one JSON object per line, in ingest order;
    /// returns the file's SHA-256 and size.
    @discardableResult
    public func exportRecords(to path: String?, asOf: Instant) throws -> (sha256: String, bytes: Int) {
        let expiry = Self.expiry(asOf: asOf)
        return try LineFile.write(path) { file in
            try database.read { db in
                let rows = try Row.fetchCursor(db, sql: LedgerSchema.exportRecords, arguments: [expiry])
                while let row = try rows.next() {
                    // The stored text's bytes as they are, without a String in between.
                    try row.withUnsafeData(atIndex: 0) { data in
                        try (data ?? Data()).withUnsafeBytes { bytes in try file.append(bytes) }
                    }
                }
            }
        }
    }
}

/// GRDB's connection behind `LedgerSQL`.
struct SQLiteStatements: LedgerSQL {
    let db: Database

    func forEachRow(_ sql: String, _ arguments: [LedgerValue], _ body: (LedgerRow) throws -> Void) throws {
        let values: [(any DatabaseValueConvertible)?] = arguments.map { value in
            switch value {
            case .null: return nil
            case .integer(let n): return n
            case .text(let text): return text
            case .blob(let bytes): return Data(bytes)
            }
        }
        let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(values))
        while let row = try rows.next() {
            try body(LedgerRow(row.databaseValues.map { value in
                switch value.storage {
                case .null: return .null
                case .int64(let n): return .integer(n)
                case .double(let d): return .integer(Int64(d))
                case .string(let text): return .text(text)
                case .blob(let data): return .blob(Array(data))
                }
            }))
        }
    }
}
