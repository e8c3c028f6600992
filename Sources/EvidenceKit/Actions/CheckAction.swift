/// `evpack check`: evaluate a snapshot and report, writing nothing.
public struct CheckAction: Sendable {
    public var snapshotPath: String
    /// The as-of instant; the snapshot's `captured_at` when nil.
    public var asOf: Instant?

    public init(snapshotPath: String, asOf: Instant? = nil) {
        self.snapshotPath = snapshotPath
        self.asOf = asOf
    }

    public func perform() throws(InputError) -> Evaluation {
        let (snapshot, _) = try InputFile.snapshot(snapshotPath)
        return Evaluator.evaluate(snapshot, asOf: asOf)
    }
}
