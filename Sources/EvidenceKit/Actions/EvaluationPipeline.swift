/// What an evaluation reads besides the snapshot: the options and the records.
public struct EvaluationInputs: Sendable {
    /// The as-of instant; the snapshot's `captured_at` when nil.
    public var asOf: Instant?
    public var window: RunOptions.Window
    public var stuckQueuedMinutes: Int
    public var stuckRunningMinutes: Int
    /// A `--policy` file overriding the default deploy policies.
    public var policyPath: String?
    /// Records files ingested into a temporary ledger.
    public var records: [RecordSource]
    /// A persistent ledger to read (`evpack ingest` fills it): an SQLite file or a `postgres://` URL.
    public var ledgerPath: String?
    /// How a `--ledger` value is opened (the command line plugs in the PostgreSQL backend).
    public var ledgers = LedgerOpener()
    /// The first rejected record line is fatal.
    public var strict: Bool
    /// How long to wait for another process's lock on the ledger, in seconds.
    public var busyTimeout: Double = Ledger.defaultBusyTimeout

    public init(asOf: Instant? = nil, window: RunOptions.Window = .day, stuckQueuedMinutes: Int = RunOptions.defaultStuckQueuedMinutes,
                stuckRunningMinutes: Int = RunOptions.defaultStuckRunningMinutes,
                policyPath: String? = nil, records: [RecordSource] = [], ledgerPath: String? = nil, strict: Bool = false) {
        self.asOf = asOf
        self.window = window
        self.stuckQueuedMinutes = stuckQueuedMinutes
        self.stuckRunningMinutes = stuckRunningMinutes
        self.policyPath = policyPath
        self.records = records
        self.ledgerPath = ledgerPath
        self.strict = strict
    }
}

/// A snapshot evaluated with its records: what `check` prints and `build` packs.
public struct PreparedEvaluation: Sendable {
    public var snapshotBytes: [UInt8]
    public var evaluation: Evaluation
    /// The ledger the records went through (nil when there were none).
    public var ledger: (any RecordLedger)?
    /// What ingesting `--records` did (nil with `--ledger` or without records).
    public var ingest: IngestReport?
}

/// Snapshot → options → records → checks, shared by `check` and `build`.
public enum EvaluationPipeline {
    public static func run(
        snapshotPath: String, inputs: EvaluationInputs, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws(InputError) -> PreparedEvaluation {
        if !inputs.records.isEmpty, inputs.ledgerPath != nil {
            throw .badOption([.records, .ledger], message: "use \(ActionOption.records) (a temporary ledger) or \(ActionOption.ledger) DB, not both; `evpack ingest FILE \(ActionOption.ledger) DB` adds records to a ledger")
        }
        let (snapshot, bytes) = try InputFile.snapshot(snapshotPath)
        let options = try runOptions(inputs, snapshot: snapshot)
        var ledger: (any RecordLedger)?
        var ingest: IngestReport?
        if let location = inputs.ledgerPath {
            ledger = try inputs.ledgers.open(location, writing: false, busyTimeout: inputs.busyTimeout)
        } else if !inputs.records.isEmpty {
            let temporary = try Ledger.temporary()
            do {
                ingest = try temporary.ingest(inputs.records, strict: inputs.strict, progress: progress)
            } catch {
                throw .records(error)
            }
            ledger = temporary
        }
        var findings: OperationsFindings?
        if let ledger {
            do {
                findings = try ledger.operations(snapshot: snapshot, options: options)
            } catch where ledger.isBusy(error) {
                throw .records(.busy(path: ledger.name, seconds: ledger.busyTimeout, writing: false))
            } catch {
                throw .cannotRead(path: ledger.name, reason: "ledger query failed: \(error)")
            }
        }
        let evaluation = Evaluator.evaluate(snapshot, options: options, operations: findings)
        return PreparedEvaluation(snapshotBytes: bytes, evaluation: evaluation, ledger: ledger, ingest: ingest)
    }

    /// The run options: as-of defaults to `captured_at`; a policy file overrides the defaults.
    static func runOptions(_ inputs: EvaluationInputs, snapshot: Snapshot) throws(InputError) -> RunOptions {
        for (option, minutes) in [(ActionOption.stuckQueuedMinutes, inputs.stuckQueuedMinutes), (.stuckRunningMinutes, inputs.stuckRunningMinutes)]
        where !RunOptions.minutesRange.contains(minutes) {
            throw .badOption([option], message: "\(minutes) is not a number of minutes from \(RunOptions.minutesRange.lowerBound) to \(RunOptions.minutesRange.upperBound)")
        }
        var policy = DeployPolicySet.defaults
        if let path = inputs.policyPath {
            let bytes = try InputFile.read(path)
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes)
            } catch {
                throw .invalidOption(name: path, message: "not valid JSON: \(error.description)")
            }
            do {
                policy = try DeployPolicySet(json: value, base: .defaults)
            } catch {
                throw .invalidOption(name: path, message: error.description)
            }
        }
        return RunOptions(
            asOf: inputs.asOf ?? snapshot.capturedAt, window: inputs.window, stuckQueuedMinutes: inputs.stuckQueuedMinutes,
            stuckRunningMinutes: inputs.stuckRunningMinutes, policy: policy
        )
    }
}
