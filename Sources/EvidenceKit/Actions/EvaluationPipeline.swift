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

/// What `check` and `build` start from: the snapshot's path and the options that go with it.
public struct RawInputs: Sendable {
    public var snapshotPath: String
    public var inputs: EvaluationInputs

    public init(snapshotPath: String, inputs: EvaluationInputs = EvaluationInputs()) {
        self.snapshotPath = snapshotPath
        self.inputs = inputs
    }
}

/// Everything an evaluation reads, read and checked: the snapshot, the run options and the
/// ledger the records are in.
public struct EvidenceInputs: Sendable {
    /// The snapshot file's bytes as given.
    public var snapshotBytes: [UInt8]
    public var snapshot: Snapshot
    public var options: RunOptions
    /// The ledger the records went through (nil when there were none).
    public var ledger: (any RecordLedger)?
    /// What ingesting the records did (nil with `--ledger` or without records).
    public var ingest: IngestReport?

    public init(snapshotBytes: [UInt8], snapshot: Snapshot, options: RunOptions, ledger: (any RecordLedger)? = nil, ingest: IngestReport? = nil) {
        self.snapshotBytes = snapshotBytes
        self.snapshot = snapshot
        self.options = options
        self.ledger = ledger
        self.ingest = ingest
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

/// The pipeline's first stage for `check` and `build`: reads the snapshot, checks the
/// options, and puts the records into a ledger (or opens `--ledger`). Every problem is an
/// `InputError` (exit 2), before anything is written.
public struct ReadInputsStage: PipelineStage {
    /// Called as the records are ingested, with bytes done and total.
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.progress = progress
    }

    public func run(_ raw: RawInputs) throws(InputError) -> EvidenceInputs {
        let inputs = raw.inputs
        if !inputs.records.isEmpty, inputs.ledgerPath != nil {
            throw .badOption([.records, .ledger], message: "use \(ActionOption.records) (a temporary ledger) or \(ActionOption.ledger) DB, not both; `evpack ingest FILE \(ActionOption.ledger) DB` adds records to a ledger")
        }
        let (snapshot, bytes) = try InputFile.snapshot(raw.snapshotPath)
        let options = try Self.runOptions(inputs, snapshot: snapshot)
        let (ledger, ingest) = try Self.openLedger(inputs, progress: progress)
        return EvidenceInputs(snapshotBytes: bytes, snapshot: snapshot, options: options, ledger: ledger, ingest: ingest)
    }

    /// The ledger the records are read from: `--ledger` opened for reading, or `--records`
    /// ingested into a temporary one; nil without records.
    static func openLedger(
        _ inputs: EvaluationInputs, progress: (@Sendable (Int, Int) -> Void)?
    ) throws(InputError) -> (ledger: (any RecordLedger)?, ingest: IngestReport?) {
        if let location = inputs.ledgerPath {
            // For reading: an SQLite file read-only in one snapshot, PostgreSQL in REPEATABLE READ.
            return (try inputs.ledgers.open(location, writing: false, busyTimeout: inputs.busyTimeout), nil)
        }
        guard !inputs.records.isEmpty else { return (nil, nil) }
        let temporary = try Ledger.temporary()
        do {
            return (temporary, try temporary.ingest(inputs.records, strict: inputs.strict, progress: progress))
        } catch {
            throw .records(error)
        }
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

/// Read inputs → evaluate, the part `check` and `build` share.
public enum EvaluationPipeline {
    public static func run(_ input: RawInputs, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(InputError) -> PreparedEvaluation {
        let read = try ReadInputsStage(progress: progress).run(input)
        do {
            return try EvaluateStage().run(read)
        } catch {
            throw error.inputError
        }
    }

    public static func run(
        snapshotPath: String, inputs: EvaluationInputs, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws(InputError) -> PreparedEvaluation {
        try run(RawInputs(snapshotPath: snapshotPath, inputs: inputs), progress: progress)
    }
}
