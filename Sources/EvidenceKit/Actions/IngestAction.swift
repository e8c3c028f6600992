/// `evpack ingest`: append records files to a persistent ledger.
public struct IngestAction: Sendable {
    public var ledgerPath: String
    public var sources: [RecordSource]
    public var strict: Bool
    /// How long to wait for another process's lock on the ledger (another ingest's turn), in seconds.
    public var busyTimeout: Double
    /// How `ledgerPath` is opened (an SQLite file, or a `postgres://` URL when the command line plugs that in).
    public var ledgers = LedgerOpener()

    public init(ledgerPath: String, sources: [RecordSource], strict: Bool, busyTimeout: Double = Ledger.defaultBusyTimeout) {
        self.ledgerPath = ledgerPath
        self.sources = sources
        self.strict = strict
        self.busyTimeout = busyTimeout
    }

    public func perform(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> IngestReport {
        let ledger = try ledgers.open(ledgerPath, writing: true, busyTimeout: busyTimeout)
        do {
            return try ledger.ingest(sources, strict: strict, progress: progress)
        } catch {
            throw InputError.records(error)
        }
    }
}
