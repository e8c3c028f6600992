/// Events from the reading thread to the ledger.
enum IngestEvent: Sendable {
    case fileStart(Int)
    case batch(RecordBatch)
    case progress(Int)
    case fileEnd(sha256: String, bytes: Int)
    case failure(IngestError)
}
