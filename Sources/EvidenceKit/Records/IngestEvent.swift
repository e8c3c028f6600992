import Foundation

/// Events from the reading thread to the ledger.
public enum IngestEvent: Sendable {
    /// The file `sources[index]` begins.
    case fileStart(Int)
    case batch(RecordBatch)
    /// Bytes of the current file read so far.
    case progress(Int)
    case fileEnd(sha256: String, bytes: Int)
    case failure(IngestError)
}

/// The reading side of every ingest, whichever ledger it feeds: files are read, parsed,
/// validated and sanitized on a second thread, and the events come back in order.
public enum IngestFeed {
    /// Calls `handle` on this thread for each event of `sources`, in order; a thrown error
    /// stops the reading thread.
    public static func consume(_ sources: [RecordSource], _ handle: (IngestEvent) throws -> Void) throws {
        let channel = BoundedChannel<[IngestEvent]>(capacity: 8)
        let producer = Thread { IngestProducer(sources: sources, channel: channel).run() }
        producer.stackSize = 4 << 20
        producer.start()
        defer {
            channel.cancel()
            channel.waitForProducer()
        }
        while let batch = channel.receive() {
            for event in batch { try handle(event) }
        }
    }
}

/// "Identical" for a repeated id (SPEC §4): the records' RFC 8785 bytes, compared by a digest
/// of 16 bytes; a stored document without one is the record as read, digested when needed.
public enum RecordIdentity {
    public static func same(incoming: [UInt8]?, incomingDocument: [UInt8], stored: [UInt8]?, storedDocument: [UInt8]) -> Bool {
        (stored ?? RecordDecoder.identity(ofDocument: storedDocument)) == (incoming ?? RecordDecoder.identity(ofDocument: incomingDocument))
    }

    /// The reject of a repeated id with other content; names where the first one came from.
    public static func conflict(_ kind: RecordKind, file: String, line: Int, first: (file: String, line: Int)?) -> RecordReject {
        let origin = first.map { " (first at \($0.file):\($0.line))" } ?? ""
        return RecordReject(file: file, line: line, kind: kind, reason: "duplicate \(kind.rawValue) id with different content\(origin)")
    }
}
