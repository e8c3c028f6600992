import Dispatch
import EvidenceKit
import Logging
import NIOCore
import PostgresNIO

/// Runs async work from synchronous code (the ledger interface is synchronous): the work runs
/// on a detached task, this thread waits. Callers run off the cooperative pool (the command
/// line runs ledger actions on a thread of their own), so the task always has a thread.
enum Blocking {
    private final class Box<T>: @unchecked Sendable { var result: Result<T, any Error>? }

    static func run<T>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// A PostgreSQL connection behind `LedgerSQL`: the shared `?` placeholders become `$1…`, the
/// values are bound (never spliced), and a result comes back as `LedgerValue`s.
struct PostgresStatements: LedgerSQL {
    let connection: PostgresConnection
    let logger: Logger

    func forEachRow(_ sql: String, _ arguments: [LedgerValue], _ body: (LedgerRow) throws -> Void) throws {
        for row in try query(sql, arguments) { try body(LedgerRow(try Self.values(row))) }
    }

    /// Runs one statement (waiting on the event loop's future, not on the cooperative pool).
    @discardableResult
    func query(_ sql: String, _ arguments: [LedgerValue] = []) throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let n): bindings.append(n)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return try connection.query(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: bindings), logger: logger).wait().rows
    }

    /// Runs one statement with already-made bindings (arrays for `unnest`).
    @discardableResult
    func query(_ sql: String, bindings: PostgresBindings) throws -> [PostgresRow] {
        try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait().rows
    }

    /// Ends a failed transaction: not on a session the server ended (it rolled back itself),
    /// and never waiting long on one that stopped answering (the session is closed instead).
    func rollback(after error: any Error) {
        if connection.isClosed || PostgresFailure.sessionEnded(error) {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
            return
        }
        let done = DispatchSemaphore(value: 0)
        connection.query(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: logger).whenComplete { _ in done.signal() }
        if done.wait(timeout: .now() + 10) == .timedOut {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
        }
    }

    /// `?` → `$1`, `$2`, … (the shared SQL has no `?` inside a literal).
    static func numbered(_ sql: String) -> String {
        guard sql.contains("?") else { return sql }
        var result = ""
        var number = 0
        for character in sql {
            if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func values(_ row: PostgresRow) throws -> [LedgerValue] {
        try row.map { cell -> LedgerValue in
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .numeric: return .integer(Int64(try cell.decode(String.self)) ?? 0)
            case .bytea:
                var buffer = cell.bytes!
                return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}

/// What a PostgreSQL failure says, for a message: the server's own words and SQLSTATE, or the
/// network's; never a password (the session was opened with it, no message holds it).
enum PostgresFailure {
    static func describe(_ error: any Error) -> String {
        if sqlState(error) == nil, sessionEnded(error) { return "the connection to the ledger was closed (the server ended the session)" }
        return TargetSession.describe(error)
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// `lock_timeout` ran out (another ingest held the ledger longer than `--busy-timeout`).
    static func isBusy(_ error: any Error) -> Bool { sqlState(error) == "55P03" }

    /// The session is gone: the server ended it (SQLSTATE class 57, `pg_terminate_backend`) or
    /// the connection closed.
    static func sessionEnded(_ error: any Error) -> Bool {
        if let state = sqlState(error) { return state.hasPrefix("57") || state.hasPrefix("08") }
        guard let error = error as? PSQLError else { return false }
        return error.code == .serverClosedConnection || error.code == .clientClosedConnection || error.code == .connectionError
    }
}
