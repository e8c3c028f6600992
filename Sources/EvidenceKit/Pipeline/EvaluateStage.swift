/// The pipeline's evaluate stage: the operations queries over the ledger, then every family
/// in registry order. `check`, `build` and verify's replay all evaluate here.
public struct EvaluateStage: PipelineStage {
    public var registry: [any CheckFamily]

    public init(registry: [any CheckFamily] = Registry.families) {
        self.registry = registry
    }

    public func run(_ inputs: EvidenceInputs) throws(LedgerQueryFailure) -> PreparedEvaluation {
        var findings: OperationsFindings?
        if let ledger = inputs.ledger {
            do {
                findings = try ledger.operations(snapshot: inputs.snapshot, options: inputs.options)
            } catch {
                throw LedgerQueryFailure(ledger: ledger, error: error)
            }
        }
        let evaluation = Evaluator.evaluate(inputs.snapshot, options: inputs.options, operations: findings, registry: registry)
        return PreparedEvaluation(snapshotBytes: inputs.snapshotBytes, evaluation: evaluation, ledger: inputs.ledger, ingest: inputs.ingest)
    }
}

/// The operations queries failed: the ledger was busy, or the query itself failed.
public struct LedgerQueryFailure: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var busyTimeout: Double
    public var isBusy: Bool
    /// The database's own message.
    public var reason: String

    init(ledger: any RecordLedger, error: any Error) {
        path = ledger.name
        busyTimeout = ledger.busyTimeout
        isBusy = ledger.isBusy(error)
        reason = "\(error)"
    }

    public var description: String { reason }

    /// As `check` and `build` report it (exit 2).
    public var inputError: InputError {
        isBusy ? .records(.busy(path: path, seconds: busyTimeout, writing: false))
            : .cannotRead(path: path, reason: "ledger query failed: \(reason)")
    }
}
