/// `evpack check`: evaluate a snapshot (and its records) and report, writing nothing.
public struct CheckAction: Sendable {
    public var snapshotPath: String
    public var inputs: EvaluationInputs

    public init(snapshotPath: String, inputs: EvaluationInputs = EvaluationInputs()) {
        self.snapshotPath = snapshotPath
        self.inputs = inputs
    }

    public func perform(progress: (@Sendable (Int, Int) -> Void)? = nil) throws(InputError) -> PreparedEvaluation {
        try EvaluationPipeline.run(snapshotPath: snapshotPath, inputs: inputs, progress: progress)
    }
}
