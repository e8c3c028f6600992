import Dispatch
import EvidenceKit
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// `evpack ingest --ledger postgres://…`: one transaction per ingest.
///
/// 1. The records stream (`COPY … FROM STDIN`) into a temporary staging table, every row
///    numbered in input order (`ord`): this runs in parallel with other ingests.
/// 2. `LOCK … IN EXCLUSIVE MODE` on `ingest_file`: ingests take turns from here to their commit
///    (readers are not blocked), so "first occurrence wins" follows commit order.
/// 3. Files whose SHA-256 the ledger holds add nothing; per kind, one `INSERT … SELECT … ORDER
///    BY ord ON CONFLICT (id) DO NOTHING` stores every first occurrence; the database then
///    finds the staged records that were not stored (repeated ids), and tells duplicates from
///    conflicts where their digests decide it (the rest, records kept as read, are digested
///    here by the same rule as SQLite's, `RecordIdentity`).
/// 4. Rejects are numbered by `ord`, so `rejects.jsonl` lists them as the SQLite ledger does.
extension PostgresLedger {
    static let stageColumns = 11

    public func ingest(
        _ sources: [RecordSource], strict: Bool, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    ) throws(IngestError) -> IngestReport {
        do {
            try statements.query("BEGIN")
            do {
                let report = try ingestInTransaction(sources, strict: strict, progress: progress)
                try statements.query("COMMIT")
                return report
            } catch {
                statements.rollback(after: error)
                throw error
            }
        } catch let error as IngestError {
            throw error
        } catch let error as InputError {
            throw .input(error)
        } catch where isBusy(error) {
            throw .busy(path: name, seconds: busyTimeout, writing: true)
        } catch {
            throw .ledger("\(name): \(PostgresFailure.describe(error)); nothing was added")
        }
    }

    /// A file as this ingest saw it.
    struct StagedFile {
        var name: String
        var sha256 = ""
        var skipped = false
        var fileID: Int64 = 0
        var accepted = [Int](repeating: 0, count: RecordKind.allCases.count)
        var rejected = 0
        var duplicates = 0
        /// The first rejects of this file, with their `ord`.
        var shownRejects: [(ord: Int64, reject: RecordReject)] = []
    }

    private func ingestInTransaction(
        _ sources: [RecordSource], strict: Bool, progress: (@Sendable (Int, Int) -> Void)?
    ) throws -> IngestReport {
        let milliseconds = Int64(busyTimeout * 1000)
        try statements.query("SET LOCAL lock_timeout = \(max(milliseconds, 1))")
        let cs = (0..<Self.stageColumns).map { "c\($0) text COLLATE \"C\"" }.joined(separator: ", ")
        try statements.query("""
            CREATE TEMP TABLE evpack_stage (ord bigint NOT NULL, file_no integer NOT NULL, line integer NOT NULL, kind text,
              reason text, identity bytea, occurred_at bigint, doc text, \(cs)) ON COMMIT DROP
            """)
        // 1. Stream the records in.
        var files: [StagedFile] = []
        let totalBytes = sources.reduce(0) { $0 + $1.size }
        let pipe = CopyPipe()
        let connection = session.connection, logger = session.logger
        let copy = Task.detached {
            do {
                try await connection.copyFrom(table: "evpack_stage", logger: logger) { writer in
                    for try await buffer in pipe.stream {
                        try await writer.write(buffer)
                        pipe.sent()
                    }
                }
                pipe.end(nil)
            } catch {
                pipe.end(error)
            }
        }
        _ = copy
        var encoder = StageEncoder()
        do {
            var baseBytes = 0
            try IngestFeed.consume(sources) { event in
                switch event {
                case .fileStart(let index):
                    files.append(StagedFile(name: sources[index].displayName))
                case .batch(let batch):
                    let fileNo = files.count - 1
                    let firstReject = encoder.add(batch, fileNo: fileNo, shown: &files[fileNo])
                    if strict, let firstReject { throw IngestError.strict(firstReject) }
                    if encoder.buffer.readableBytes >= 1 << 20 { try pipe.send(encoder.take()) }
                case .fileEnd(let sha256, let bytes):
                    files[files.count - 1].sha256 = sha256
                    baseBytes += bytes
                case .progress(let bytes):
                    progress?(baseBytes + bytes, totalBytes)
                case .failure(let error):
                    throw error
                }
            }
            if encoder.buffer.readableBytes > 0 { try pipe.send(encoder.take()) }
            try pipe.finish()
        } catch {
            pipe.fail(error)
            throw pipe.failure ?? error
        }
        // 2. Take the ledger's turn.
        try statements.query("LOCK TABLE ingest_file IN EXCLUSIVE MODE")
        // 3. Files already ingested (before, or earlier in this ingest) add nothing.
        var known = Set(try statements.query("SELECT sha256 FROM ingest_file WHERE sha256 = ANY($1)", bindings: Self.bindings(files.map(\.sha256)))
            .map { try $0.decode(String.self) })
        var nextFileID = Int64(try statements.integer("SELECT coalesce(max(file_id), 0) FROM ingest_file"))
        for index in files.indices {
            if known.contains(files[index].sha256) {
                files[index].skipped = true
            } else {
                known.insert(files[index].sha256)
                nextFileID += 1
                files[index].fileID = nextFileID
            }
        }
        let kept = files.indices.filter { !files[$0].skipped }
        try statements.query("CREATE TEMP TABLE evpack_stage_file (file_no integer PRIMARY KEY, file_id bigint NOT NULL, name text NOT NULL) ON COMMIT DROP")
        var fileRows = PostgresBindings()
        fileRows.append(kept.map { Int64($0) })
        fileRows.append(kept.map { files[$0].fileID })
        fileRows.append(kept.map { files[$0].name })
        try statements.query("INSERT INTO evpack_stage_file SELECT f, i, n FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(f, i, n)",
                             bindings: fileRows)
        try statements.query("""
            INSERT INTO ingest_file (file_id, name, sha256, accepted, rejected, duplicates)
            SELECT i, n, s, 0, 0, 0 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(i, n, s)
            """, bindings: Self.fileBindings(kept.map { files[$0] }))
        let base = Int64(try statements.integer("SELECT coalesce(max(seq), 0) FROM record_doc"))
        let rejectBase = Int64(try statements.integer("SELECT coalesce(max(seq), 0) FROM reject"))
        try statements.query("CREATE TEMP TABLE evpack_inserted (seq bigint PRIMARY KEY) ON COMMIT DROP")
        let fileNoOfID = Dictionary(uniqueKeysWithValues: kept.map { (files[$0].fileID, $0) })
        var conflicts: [(ord: Int64, fileNo: Int, reject: RecordReject)] = []
        for kind in RecordKind.allCases {
            // Every first occurrence, in input order; an id the ledger holds is left alone.
            let columns = RecordColumns.table[kind.ordinal].columns
            let selected = columns.enumerated().map { index, column in column.isTime ? "s.c\(index)::bigint" : "s.c\(index)" }
            for row in try statements.query("""
                WITH ins AS (
                  INSERT INTO \(kind.rawValue) (\(columns.map(\.name).joined(separator: ", ")), seq, identity, file_id, line)
                  SELECT \(selected.joined(separator: ", ")), \(base) + s.ord, s.identity, f.file_id, s.line
                  FROM evpack_stage s JOIN evpack_stage_file f ON f.file_no = s.file_no
                  WHERE s.kind = '\(kind.rawValue)' AND s.reason IS NULL ORDER BY s.ord
                  ON CONFLICT (id) DO NOTHING RETURNING seq, file_id
                ), docs AS (
                  INSERT INTO record_doc (seq, kind, occurred_at, doc)
                  SELECT ins.seq, '\(kind.rawValue)', s.occurred_at, s.doc FROM ins JOIN evpack_stage s ON s.ord = ins.seq - \(base)
                ), marked AS (
                  INSERT INTO evpack_inserted SELECT seq FROM ins
                )
                SELECT file_id, count(*) FROM ins GROUP BY file_id
                """) {
                let (fileID, count) = try row.decode((Int64, Int64).self)
                files[fileNoOfID[fileID]!].accepted[kind.ordinal] += Int(count)
            }
            // The staged records not stored: duplicates where the digests (or the documents
            // kept as read) agree, the rest decided by the shared rule.
            for row in try statements.query("""
                SELECT s.ord, s.file_no, s.line,
                  s.identity IS NOT DISTINCT FROM k.identity AND (s.identity IS NOT NULL OR s.doc = d.doc) AS same,
                  CASE WHEN s.identity IS NOT DISTINCT FROM k.identity AND (s.identity IS NOT NULL OR s.doc = d.doc) THEN NULL
                       ELSE s.identity END,
                  CASE WHEN s.identity IS NOT DISTINCT FROM k.identity AND (s.identity IS NOT NULL OR s.doc = d.doc) THEN NULL
                       ELSE s.doc END,
                  k.identity, d.doc, w.name, k.line
                FROM evpack_stage s JOIN evpack_stage_file f ON f.file_no = s.file_no
                  JOIN \(kind.rawValue) k ON k.id = s.c0 JOIN record_doc d ON d.seq = k.seq JOIN ingest_file w ON w.file_id = k.file_id
                WHERE s.kind = '\(kind.rawValue)' AND s.reason IS NULL
                  AND NOT EXISTS (SELECT 1 FROM evpack_inserted i WHERE i.seq = \(base) + s.ord)
                ORDER BY s.ord
                """) {
                let values = try PostgresStatements.values(row)
                let fileNo = Int(Self.integer(values[1]))
                if Self.integer(values[3]) != 0 || RecordIdentity.same(
                    incoming: Self.bytes(values[4]), incomingDocument: Self.bytes(values[5]) ?? [],
                    stored: Self.bytes(values[6]), storedDocument: Self.bytes(values[7]) ?? []
                ) {
                    files[fileNo].duplicates += 1
                    continue
                }
                let reject = RecordIdentity.conflict(
                    kind, file: files[fileNo].name, line: Int(Self.integer(values[2])),
                    first: (Self.text(values[8]), Int(Self.integer(values[9]))))
                conflicts.append((Self.integer(values[0]), fileNo, reject))
            }
        }
        conflicts.sort { $0.ord < $1.ord }
        if strict, let first = conflicts.first { throw IngestError.strict(first.reject) }
        // 4. The rejects, numbered in input order.
        try statements.query("""
            INSERT INTO reject (seq, file_id, file, line, kind, reason)
            SELECT \(rejectBase) + s.ord, f.file_id, f.name, s.line, s.kind, s.reason
            FROM evpack_stage s JOIN evpack_stage_file f ON f.file_no = s.file_no WHERE s.reason IS NOT NULL
            """)
        if !conflicts.isEmpty {
            var bindings = PostgresBindings()
            bindings.append(conflicts.map { rejectBase + $0.ord })
            bindings.append(conflicts.map { files[$0.fileNo].fileID })
            bindings.append(conflicts.map { $0.reject.file })
            bindings.append(conflicts.map { Int64($0.reject.line) })
            bindings.append(conflicts.map { $0.reject.kind?.rawValue ?? "" })
            bindings.append(conflicts.map { $0.reject.reason })
            try statements.query("""
                INSERT INTO reject (seq, file_id, file, line, kind, reason)
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])
                """, bindings: bindings)
        }
        for conflict in conflicts {
            files[conflict.fileNo].rejected += 1
            files[conflict.fileNo].shownRejects.append((conflict.ord, conflict.reject))
        }
        // Fresh statistics for the operations queries' plans (a sample: cheap at any size).
        if kept.contains(where: { files[$0].accepted.reduce(0, +) > 0 }) {
            try statements.query("ANALYZE \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for index in kept {
            let file = files[index]
            try statements.query("UPDATE ingest_file SET accepted = ?, rejected = ?, duplicates = ? WHERE file_id = ?", [
                .integer(Int64(file.accepted.reduce(0, +))), .integer(Int64(file.rejected)), .integer(Int64(file.duplicates)),
                .integer(file.fileID),
            ])
        }
        return report(files)
    }

    /// The report, as the SQLite ledger gives it.
    private func report(_ files: [StagedFile]) -> IngestReport {
        var report = IngestReport()
        var shown: [(ord: Int64, reject: RecordReject)] = []
        for file in files {
            if file.skipped {
                report.files.append(IngestReport.File(name: file.name, sha256: file.sha256, acceptedByKind: [:], rejected: 0, duplicates: 0, alreadyIngested: true))
                continue
            }
            var byKind: [RecordKind: Int] = [:]
            for kind in RecordKind.allCases where file.accepted[kind.ordinal] > 0 { byKind[kind] = file.accepted[kind.ordinal] }
            report.files.append(IngestReport.File(
                name: file.name, sha256: file.sha256, acceptedByKind: byKind, rejected: file.rejected, duplicates: file.duplicates,
                alreadyIngested: false))
            shown += file.shownRejects
        }
        report.rejects = shown.sorted { $0.ord < $1.ord }.prefix(IngestReport.shownRejects).map(\.reject)
        report.addUpFiles()
        return report
    }

    static func integer(_ value: LedgerValue) -> Int64 { if case .integer(let n) = value { n } else { 0 } }
    static func text(_ value: LedgerValue) -> String { if case .text(let t) = value { t } else { "" } }
    static func bytes(_ value: LedgerValue) -> [UInt8]? {
        switch value {
        case .blob(let bytes): return bytes
        case .text(let text): return Array(text.utf8)
        default: return nil
        }
    }

    static func bindings(_ strings: [String]) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(strings)
        return bindings
    }

    static func fileBindings(_ files: [StagedFile]) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(files.map(\.fileID))
        bindings.append(files.map(\.name))
        bindings.append(files.map(\.sha256))
        return bindings
    }
}

/// Hands COPY buffers from this thread to the task that writes them, a few at a time (the
/// reading side waits while the server is behind).
final class CopyPipe: @unchecked Sendable {
    let stream: AsyncThrowingStream<ByteBuffer, any Error>
    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private let slots = DispatchSemaphore(value: 4)
    private let ended = DispatchSemaphore(value: 0)
    /// Whether this thread has seen `ended` (it is signalled once).
    private var endSeen = false
    private let state = NIOLockedValueBox<(done: Bool, error: (any Error)?)>((false, nil))

    init() {
        (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
    }

    /// The COPY's failure, once it ended with one.
    var failure: (any Error)? { state.withLockedValue { $0.error } }

    func send(_ buffer: ByteBuffer) throws {
        slots.wait()
        let (done, error) = state.withLockedValue { ($0.done, $0.error) }
        if done {
            slots.signal()
            throw error ?? CancellationError()
        }
        continuation.yield(buffer)
    }

    /// Called by the task after each buffer went out.
    func sent() { slots.signal() }

    /// Called by the task when the COPY ended.
    func end(_ error: (any Error)?) {
        state.withLockedValue { $0 = (true, error) }
        slots.signal()
        ended.signal()
    }

    /// No more rows: waits for the COPY to complete.
    func finish() throws {
        continuation.finish()
        waitForEnd()
        if let error = failure { throw error }
    }

    /// Abandons the COPY (the server discards it) and waits for the task.
    func fail(_ error: any Error) {
        continuation.finish(throwing: error)
        waitForEnd()
    }

    private func waitForEnd() {
        if endSeen { return }
        ended.wait()
        endSeen = true
    }
}

/// Staging rows in COPY's text format: tab-separated, `\N` for null, `\\`, tab, line feed and
/// carriage return escaped.
struct StageEncoder {
    var buffer = ByteBufferAllocator().buffer(capacity: 1 << 21)
    var ord: Int64 = 0

    mutating func take() -> ByteBuffer {
        let taken = buffer
        buffer = ByteBufferAllocator().buffer(capacity: 1 << 21)
        return taken
    }

    /// Adds a batch's records and rejects in input order; returns its first reject.
    mutating func add(_ batch: RecordBatch, fileNo: Int, shown file: inout PostgresLedger.StagedFile) -> RecordReject? {
        var firstReject: RecordReject?
        var nextReject = 0
        batch.arena.withUnsafeBufferPointer { arena in
            func rejects(upTo end: Int) {
                while nextReject < end {
                    let reject = batch.rejects[nextReject]
                    ord += 1
                    addReject(reject, fileNo: fileNo)
                    file.rejected += 1
                    if file.shownRejects.count < IngestReport.shownRejects { file.shownRejects.append((ord, reject)) }
                    if firstReject == nil { firstReject = reject }
                    nextReject += 1
                }
            }
            for record in batch.records {
                rejects(upTo: Int(record.rejectsBefore))
                ord += 1
                addRecord(record, batch: batch, fileNo: fileNo, arena: arena)
            }
            rejects(upTo: batch.rejects.count)
        }
        return firstReject
    }

    private mutating func addRecord(_ record: RecordBatch.Record, batch: RecordBatch, fileNo: Int, arena: UnsafeBufferPointer<UInt8>) {
        head(fileNo: fileNo, line: Int(record.line))
        text(record.kind.rawValue); tab()
        null(); tab() // reason
        if case .bytes(let start, let count) = record.identity {
            buffer.writeStaticString("\\\\x")
            for byte in arena[Int(start)..<Int(start + count)] {
                buffer.writeInteger(Self.hex[Int(byte >> 4)])
                buffer.writeInteger(Self.hex[Int(byte & 0x0F)])
            }
        } else {
            null()
        }
        tab()
        if let occurred = record.occurredAt { decimal(occurred) } else { null() }
        tab()
        slot(record.document, arena)
        var written = 0
        for column in batch.columns(of: record) {
            tab()
            slot(column, arena)
            written += 1
        }
        while written < PostgresLedger.stageColumns {
            tab()
            null()
            written += 1
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private mutating func addReject(_ reject: RecordReject, fileNo: Int) {
        head(fileNo: fileNo, line: reject.line)
        if let kind = reject.kind { text(kind.rawValue) } else { null() }
        tab()
        text(reject.reason)
        for _ in 0..<(3 + PostgresLedger.stageColumns) {
            tab()
            null()
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private mutating func head(fileNo: Int, line: Int) {
        decimal(ord); tab()
        decimal(Int64(fileNo)); tab()
        decimal(Int64(line)); tab()
    }

    /// An integer's decimal digits, without a String in between.
    private mutating func decimal(_ value: Int64) {
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { bytes in
            repeat {
                bytes[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[(20 - count)...]))
        }
    }

    private mutating func tab() { buffer.writeInteger(UInt8(ascii: "\t")) }
    private mutating func null() { buffer.writeStaticString("\\N") }

    private mutating func text(_ string: String) {
        var string = string
        string.withUTF8 { escaped($0) }
    }

    private mutating func slot(_ slot: RecordBatch.Slot, _ arena: UnsafeBufferPointer<UInt8>) {
        switch slot {
        case .null: null()
        case .integer(let n): decimal(n)
        case .bytes(let start, let count): escaped(UnsafeBufferPointer(rebasing: arena[Int(start)..<Int(start + count)]))
        }
    }

    private mutating func escaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var from = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            index += 1
            // Every byte that needs an escape is below 0x5D; most bytes are letters above it.
            if byte > UInt8(ascii: "\\") { continue }
            let escape: UInt8
            switch byte {
            case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escape = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escape = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
            default: continue
            }
            let at = index - 1
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[from..<at]))
            buffer.writeInteger(UInt8(ascii: "\\"))
            buffer.writeInteger(escape)
            from = index
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[from..<bytes.count]))
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
