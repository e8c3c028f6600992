import ArgumentParser
import EvidenceKit
import Foundation

extension RunOptions.Window: ExpressibleByArgument {}

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every evaluating command shares.
struct EvaluationOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp(
        "The instant the checks are evaluated at (RFC 3339, e.g. 2026-11-20T09:00:00Z).",
        discussion: "Defaults to the snapshot's captured_at; the wall clock is never used, so a rerun gives the same result.",
        valueName: "time"))
    var asOf: String?

    @Flag(name: .customLong("require-go"), help: "Exit with status 3 when the production decision is NO-GO.")
    var requireGo = false

    @Option(name: .customLong("records"), help: ArgumentHelp(
        "Audit/telemetry records (JSON Lines or CSV); repeat for several files.",
        discussion: "They go through a temporary ledger that is removed afterwards. Without records the operations checks cannot pass.",
        valueName: "file"))
    var records: [String] = []

    @Option(help: ArgumentHelp(
        "Read records from a persistent ledger made by `evpack ingest` (instead of --records): an SQLite file or a postgres:// URL.",
        valueName: "db"))
    var ledger: String?

    @OptionGroup var ledgerCredentials: LedgerCredentialOptions

    /// Whether the ledger is a PostgreSQL one (its work runs off the cooperative pool).
    var usesRemoteLedger: Bool { ledger.map(LedgerOpener.isURL) ?? false }

    @Option(name: .customLong("busy-timeout"), help: ArgumentHelp(
        "Seconds to wait for --ledger while another process holds its lock (default \(Int(Ledger.defaultBusyTimeout))).", valueName: "seconds"))
    var busyTimeout: Double = Ledger.defaultBusyTimeout

    @Option(help: ArgumentHelp("The operations window ending at as-of: 1h, 24h or 7d.", valueName: "window"))
    var window: RunOptions.Window = .day

    @Option(help: ArgumentHelp("A JSON file of deploy policies ({\"stage\": rules, \"demo\": rules, \"prod\": rules}) overriding the defaults.", valueName: "file"))
    var policy: String?

    @Option(name: .customLong("stuck-queued-minutes"), help: ArgumentHelp("A queued run without a start is stuck after this many minutes.", valueName: "minutes"))
    var stuckQueuedMinutes = RunOptions.defaultStuckQueuedMinutes

    @Option(name: .customLong("stuck-running-minutes"), help: ArgumentHelp("A running run is stuck this many minutes after its start.", valueName: "minutes"))
    var stuckRunningMinutes = RunOptions.defaultStuckRunningMinutes

    @OptionGroup var recordFiles: RecordFileOptions

    func validate() throws {
        if let asOf, let problem = Instant.problem(asOf) {
            throw ValidationError("--as-of '\(asOf)': \(problem)")
        }
        let range = RunOptions.minutesRange
        if !range.contains(stuckQueuedMinutes) || !range.contains(stuckRunningMinutes) {
            throw ValidationError("--stuck-queued-minutes and --stuck-running-minutes must be from \(range.lowerBound) to \(range.upperBound)")
        }
        try BusyTimeout.validate(busyTimeout)
        if !records.isEmpty, ledger != nil {
            throw ValidationError("use --records (a temporary ledger) or --ledger DB, not both; `evpack ingest FILE --ledger DB` adds records to a ledger")
        }
    }

    var asOfInstant: Instant? { asOf.flatMap { Instant(rfc3339: $0) } }

    /// The evaluation inputs these options describe.
    var inputs: EvaluationInputs {
        var inputs = EvaluationInputs(
            asOf: asOfInstant, window: window, stuckQueuedMinutes: stuckQueuedMinutes, stuckRunningMinutes: stuckRunningMinutes,
            policyPath: policy, records: recordFiles.sources(records), ledgerPath: ledger, strict: recordFiles.strict
        )
        inputs.busyTimeout = busyTimeout
        inputs.ledgers = ledgerCredentials.opener
        return inputs
    }

    /// Throws `NoGo` when `--require-go` is set and the decision is NO-GO.
    func enforce(_ production: ProductionDecision) throws {
        if requireGo, !production.isGo {
            throw NoGo(message: "evpack: \(production.summary) (--require-go)")
        }
    }
}

extension Language: ExpressibleByArgument {}

/// Options of commands that render pages: the language and the templates.
struct RenderOptions: ParsableArguments {
    @Option(name: .customLong("lang"), help: ArgumentHelp(
        "The language of the HTML pages: en, pl or uk.",
        discussion: "Labels come from templates/labels/labels.LANG.json; check details, decision codes and packets are not translated.",
        valueName: "language"))
    var language: Language = .en

    @Option(name: .customLong("templates"), help: ArgumentHelp(
        "A folder whose html/*.mustache, html/style.css and labels/labels.LANG.json replace the bundled ones.",
        discussion: "A file the folder lacks is taken from the bundled templates; the XML schema is always the bundled one.",
        valueName: "dir"))
    var templates: String?

    func validate() throws {
        if let templates {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: templates, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--templates '\(templates)' is not a folder; it must hold html/ and/or labels/ (see templates/README.md)")
            }
        }
    }
}
