import Foundation
import GRDB
import GRDBSQLite

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
        if let row {
            let stored: Data? = row[0]
            if RecordIdentity.same(incoming: batch.bytes(record.identity), incomingDocument: batch.bytes(record.document) ?? [],
                                   stored: stored.map { Array($0) }, storedDocument: Array(((row[1] as String?) ?? "").utf8)) {
                duplicates += 1
                return nil
            }
        }
        let reject = RecordIdentity.conflict(record.kind, file: fileName, line: Int(record.line),
                                             first: row.map { (($0[2] as String?) ?? "?", ($0[3] as Int?) ?? 0) })
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
