import ArgumentParser
import EvidenceKit
import EvidenceRehearsal
import Foundation

/// How `--ledger` values open: an SQLite file, or a `postgres://` URL (SPEC §11) whose password
/// comes from PGPASSWORD or `--ledger-credentials env://NAME`, never from the URL.
struct LedgerCredentialOptions: ParsableArguments {
    @Option(name: .customLong("ledger-credentials"), help: ArgumentHelp(
        "For a postgres:// ledger: env://NAME reads its password from the environment variable NAME (default: PGPASSWORD).",
        valueName: "ref"))
    var ledgerCredentials: String?

    var opener: LedgerOpener {
        PostgresLedger.opener(environment: ProcessInfo.processInfo.environment, credentialsRef: ledgerCredentials)
    }
}

/// Runs blocking ledger work on a thread of its own, off the cooperative pool: the PostgreSQL
/// backend waits there for its own tasks, which then always have a pool thread to run on.
enum OffPool {
    static func run<T: Sendable>(when needed: Bool, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard needed else { return try body() }
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// `evpack ledger`: commands on a ledger itself.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Manage a shared ledger.",
        subcommands: [LedgerInit.self]
    )
}

/// `evpack ledger init URL`: create a PostgreSQL ledger's schema (versioned) before first use.
struct LedgerInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the schema of a postgres:// ledger (or an SQLite ledger file); nothing happens when it is there.",
        discussion: """
            The schema (evpack.*, with evpack.schema_version) is also created by the first \
            `evpack ingest --ledger URL`; run this from a job with the rights to create a schema \
            when the ingesting role has none. The password comes from PGPASSWORD or \
            --ledger-credentials env://NAME, never from the URL.
            """
    )

    @Argument(help: ArgumentHelp("postgres://USER@HOST[:PORT]/DB[?sslmode=…] or an SQLite file.", valueName: "ledger"))
    var ledger: String

    @OptionGroup var credentials: LedgerCredentialOptions

    func run() async throws {
        let location = ledger
        let environment = ProcessInfo.processInfo.environment
        let credentialsRef = credentials.ledgerCredentials
        let line = try await OffPool.run(when: true) { () throws -> String in
            if LedgerOpener.isURL(location) {
                let (name, created) = try PostgresLedger.initialize(location, password: { () throws(InputError) in
                    try Credentials.password(credentialsRef: credentialsRef, environment: environment)
                })
                return "\(name): ledger schema version \(PostgresLedger.schemaVersion) \(created ? "created" : "already there")"
            }
            _ = try Ledger.open(path: location)
            return "\(location): SQLite ledger ready"
        }
        print(line)
    }
}
