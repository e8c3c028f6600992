/// `evpack ingest`: append records files to a persistent ledger.
public struct IngestAction: Sendable {
    public var ledgerPath: String
    public var sources: [RecordSource]
    public var strict: Bool

    public init(ledgerPath: String, sources: [RecordSource], strict: Bool) {
        self.ledgerPath = ledgerPath
        self.sources = sources
        self.strict = strict
    }

    public func perform(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> IngestReport {
        let ledger = try Ledger.open(path: ledgerPath)
        do {
            return try ledger.ingest(sources, strict: strict, progress: progress)
        } catch {
            throw InputError.records(error)
        }
    }
}
