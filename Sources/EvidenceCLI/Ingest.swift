import ArgumentParser
import EvidenceKit
import Foundation

/// Options naming records files and how to read them.
struct RecordFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The kind of every row of a CSV file without a kind column: \(RecordKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kind"))
    var kind: RecordKind?

    @Option(name: .customLong("records-format"), help: ArgumentHelp("Read records files as jsonl or csv (default: by extension, .csv is CSV).", valueName: "format"))
    var recordsFormat: RecordFormat?

    @Flag(help: "Make the first rejected record line fatal (exit 2, nothing added).")
    var strict = false

    func sources(_ paths: [String]) -> [RecordSource] {
        paths.map { RecordSource(path: $0, format: recordsFormat, kind: kind) }
    }
}

extension RecordKind: ExpressibleByArgument {}

/// The bound of `--busy-timeout`.
enum BusyTimeout {
    static let range: ClosedRange<Double> = 0...86_400

    static func validate(_ seconds: Double) throws {
        guard range.contains(seconds) else {
            throw ValidationError("--busy-timeout must be a number of seconds from 0 to \(Int(range.upperBound))")
        }
    }
}
extension RecordFormat: ExpressibleByArgument {}

/// `evpack ingest`: append records to a persistent ledger.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append audit and telemetry records to a persistent ledger: an SQLite file or a postgres:// URL.",
        discussion: """
            Reads JSON Lines (one object with a "kind" per line) or CSV with a header (--kind \
            names the kind; a kind column overrides it). Bad lines are rejected with file, line \
            and reason and the rest goes on; --strict makes the first reject fatal. Ingest is \
            idempotent: a file ingested again adds nothing, a repeated id with identical content \
            is skipped and with other content rejected. `evpack check --ledger DB` and `evpack \
            build --ledger DB` read the ledger.

            Several ingests may run at once on one ledger: each waits for its turn (up to \
            --busy-timeout), so every record is stored once and the first occurrence is the one \
            committed first; readers keep reading meanwhile and see each ingest whole or not at all.

            A postgres://USER@HOST[:PORT]/DB[?sslmode=…] ledger is shared by many runners: its \
            schema is made on first use (or by `evpack ledger init URL`); the password comes from \
            PGPASSWORD or --ledger-credentials env://NAME, never from the URL.
            """
    )

    @Argument(help: ArgumentHelp("Records files (.jsonl or .csv).", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("The ledger to append to: an SQLite file (created when missing) or a postgres:// URL.", valueName: "db"))
    var ledger: String

    @OptionGroup var ledgerCredentials: LedgerCredentialOptions

    @OptionGroup var recordOptions: RecordFileOptions

    @Option(name: .customLong("busy-timeout"), help: ArgumentHelp(
        "Seconds to wait for the ledger while another process writes to it (default \(Int(Ledger.defaultBusyTimeout))).",
        discussion: "Ingests into one ledger take turns, one transaction each; after this long the ingest stops with an error saying the ledger was busy, and adds nothing.",
        valueName: "seconds"))
    var busyTimeout: Double = Ledger.defaultBusyTimeout

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one records file") }
        try BusyTimeout.validate(busyTimeout)
    }

    func run() async throws {
        var action = IngestAction(ledgerPath: ledger, sources: recordOptions.sources(files), strict: recordOptions.strict, busyTimeout: busyTimeout)
        action.ledgers = ledgerCredentials.opener
        let ingest = action
        let bar = TerminalProgress.ifTerminal(label: "ingest")
        let report = try await OffPool.run(when: LedgerOpener.isURL(ledger)) {
            try ingest.perform { done, total in bar?.update(done: done, total: total) }
        }
        bar?.clear()
        print(IngestSummary.text(report), terminator: "")
    }
}

/// The ingest report as people read it.
enum IngestSummary {
    static func text(_ report: IngestReport) -> String {
        var lines: [String] = []
        for file in report.files {
            if file.alreadyIngested {
                lines.append("\(file.name): already ingested (sha256 \(file.sha256.prefix(12))…): nothing added")
            } else {
                lines.append("\(file.name): \(file.accepted) accepted, \(file.rejected) rejected, \(file.duplicates) duplicates skipped")
            }
        }
        let kinds = RecordKind.allCases.map { "\($0.rawValue) \(report.accepted[$0] ?? 0)" }.joined(separator: ", ")
        lines.append("accepted: \(kinds)")
        lines.append("rejected: \(report.rejected)  duplicates skipped: \(report.duplicates)")
        for reject in report.rejects { lines.append("  rejected \(reject.message)") }
        if report.rejected > report.rejects.count {
            lines.append("  … and \(report.rejected - report.rejects.count) more rejects (in the ledger and the pack's rejects.jsonl)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
