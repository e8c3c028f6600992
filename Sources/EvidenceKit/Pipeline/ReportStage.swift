/// What a pack records about one evaluation: the evaluation, the files of `data/inputs/` it
/// was made from, and `EvidenceReport` (the model `evidence.xml` lays out, with the inputs'
/// digests). The output of `ReportStage`, the input of `RenderStage`.
public struct PackReport: Sendable {
    public var evaluation: Evaluation
    /// `inputs/snapshot.json`, `inputs/records.jsonl`, `inputs/rejects.jsonl` and
    /// `inputs/options.json`, in that order.
    public var inputs: [RenderedFile]
    public var record: EvidenceReport
}

/// The pipeline's report stage: the inputs as the pack stores them (the snapshot as given or
/// re-serialized when sanitized, the options, the records and rejects streamed out of the
/// ledger), each with its digest, and the record of the evaluation that lists them.
///
/// The records are hashed here by streaming them out of the ledger (nothing is held or
/// written); `PackStage` streams them again into the file and checks that the bytes are the
/// same. One more read of the ledger keeps them out of memory and out of the disk until the
/// pack is written.
public struct ReportStage: PipelineStage {
    public init() {}

    public func run(_ prepared: PreparedEvaluation) throws(BuildError) -> PackReport {
        let evaluation = prepared.evaluation
        let snapshot = Self.storedSnapshot(prepared.snapshotBytes, evaluation.snapshot)
        let options = Array(JSONWriter.pretty(evaluation.options.json).utf8)
        var inputs = [RenderedFile(path: "inputs/snapshot.json", bytes: snapshot)]
        let exports: [(String, LedgerExport.Content)] = [("inputs/records.jsonl", .records(asOf: evaluation.asOf)), ("inputs/rejects.jsonl", .rejects)]
        for (path, content) in exports {
            guard let ledger = prepared.ledger else {
                inputs.append(RenderedFile(path: path, bytes: []))
                continue
            }
            let export = LedgerExport(ledger: ledger, content: content)
            let digest: (sha256: String, bytes: Int)
            do {
                digest = try export.write(to: nil)
            } catch {
                throw BuildError.cannotWrite(path: "data/" + path, reason: "cannot read the ledger: \(error)")
            }
            inputs.append(RenderedFile(path: path, export: export, digest: PackFileDigest(path: path, sha256: digest.sha256, bytes: digest.bytes)))
        }
        inputs.append(RenderedFile(path: "inputs/options.json", bytes: options))
        let record = EvidenceReport(evaluation: evaluation, inputs: inputs.map(\.digest), text: .xmlSafe)
        return PackReport(evaluation: evaluation, inputs: inputs, record: record)
    }

    /// `data/inputs/snapshot.json`: the snapshot bytes as given, unless sanitizing changed
    /// something outside the payload (SPEC §4): then the sanitized document, re-serialized
    /// (the payload checksum covers only the payload, so it still holds).
    public static func storedSnapshot(_ bytes: [UInt8], _ snapshot: Snapshot) -> [UInt8] {
        guard let document = snapshot.sanitizedDocument else { return bytes }
        return Array(JSONWriter.pretty(.object(document)).utf8)
    }
}

/// A file streamed out of the ledger as it is written: `records.jsonl` (the sanitized records
/// the checks used, in ingest order, expired usage events left out) or `rejects.jsonl` (file,
/// line, kind and reason of each rejected line, never its content).
public struct LedgerExport: Sendable {
    public enum Content: Sendable {
        case records(asOf: Instant)
        case rejects
    }

    public var ledger: any RecordLedger
    public var content: Content

    /// Streams the file to `path` (nil: only hashes it); its SHA-256 and size.
    func write(to path: String?) throws -> (sha256: String, bytes: Int) {
        switch content {
        case .records(let asOf): try ledger.exportRecords(to: path, asOf: asOf)
        case .rejects: try ledger.exportRejects(to: path)
        }
    }
}
