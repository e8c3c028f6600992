/// `evpack check`: evaluate a snapshot (and its records) and report, writing nothing: the
/// pipeline's read-inputs and evaluate stages (`EvaluationPipeline.run`).
public struct CheckAction: Sendable {
    public var input: RawInputs

    public init(snapshotPath: String, inputs: EvaluationInputs = EvaluationInputs()) {
        input = RawInputs(snapshotPath: snapshotPath, inputs: inputs)
    }

    public func perform(progress: (@Sendable (Int, Int) -> Void)? = nil) throws(InputError) -> PreparedEvaluation {
        try EvaluationPipeline.run(input, progress: progress)
    }
}
