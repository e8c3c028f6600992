import Foundation

/// The reading thread: files → lines → records, in batches.
struct IngestProducer: @unchecked Sendable {
    let sources: [RecordSource]
    let channel: BoundedChannel<[IngestEvent]>
    static let batchSize = 1024

    struct Cancelled: Error {}

    func run() {
        defer { channel.close() }
        var events: [IngestEvent] = []
        func send() throws {
            guard !events.isEmpty else { return }
            guard channel.send(events) else { throw Cancelled() }
            events.removeAll(keepingCapacity: true)
        }
        for (index, source) in sources.enumerated() {
            do {
                let file = try ChunkedFile(source: source)
                events.append(.fileStart(index))
                var decoder = RecordDecoder(source: source)
                var batch = RecordBatch(capacity: Self.batchSize)
                var lastProgress = 0
                let body: (Int, RawRecord) throws -> Void = { line, raw in
                    do {
                        try decoder.decode(raw, line: line, into: batch)
                    } catch let error as RecordDecoder.FileError {
                        throw IngestError.badFile(file: source.path, line: error.line, message: error.message)
                    }
                    if batch.count >= Self.batchSize {
                        events.append(.batch(batch))
                        try send()
                        batch = RecordBatch(capacity: Self.batchSize)
                    }
                }
                let report: (Int) -> Void = { bytes in
                    if bytes - lastProgress >= 1 << 20 {
                        lastProgress = bytes
                        events.append(.progress(bytes))
                    }
                }
                switch source.format {
                case .jsonl: try JSONLinesReader.read(file, body, progress: report)
                case .csv: try CSVReader.read(file, body, progress: report)
                }
                if batch.count > 0 { events.append(.batch(batch)) }
                events.append(.fileEnd(sha256: file.finishDigest(), bytes: file.bytesRead))
                try send()
            } catch is Cancelled {
                return
            } catch let error as IngestError {
                events.append(.failure(error))
                _ = try? send()
                return
            } catch let error as InputError {
                events.append(.failure(.input(error)))
                _ = try? send()
                return
            } catch {
                events.append(.failure(.ledger("\(error)")))
                _ = try? send()
                return
            }
        }
    }
}
