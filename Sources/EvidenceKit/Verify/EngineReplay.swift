import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Replay with the check engine: the pack's recorded inputs evaluated again, compared with
/// what `data/evidence.xml` records (SPEC §6).
///
/// The snapshot, the recorded options and the sanitized records (through a temporary ledger)
/// give a new evaluation; every family, check status and detail, decision, fact, checksum and
/// packet must equal the recorded ones, and so must what the accepted records show (runs,
/// controls, deploy findings, health, telemetry: `EvidenceReport.differences`). The counts of
/// the original ingest (rejects, duplicates, expired events) are reported by the pack, not
/// replayed.
public struct EngineReplayer: PackReplayer {
    public static let recordsPath = ReplayInput.inputsFolder + "/records.jsonl"

    public init() {}

    /// The records go into a temporary ledger while the pack is read, never whole into memory.
    public func streams() -> [String: any ReplayStream] {
        guard let records = StreamedRecords() else { return [:] }
        return [Self.recordsPath: records]
    }

    public func replay(_ input: ReplayInput) -> ReplayOutcome {
        // On every way out, the temporary ledger goes, used or not.
        defer { (input.streams[Self.recordsPath] as? StreamedRecords)?.discard() }
        let evidencePath = ReplayInput.evidencePath
        guard let xml = input.evidenceXML else {
            return .checked(summary: "replay: no evidence.xml to compare with", failures: [(evidencePath, "missing, so nothing can be replayed against it")])
        }
        let recorded: EvidenceReport
        do {
            recorded = try EvidenceXML.read(xml)
        } catch {
            return .checked(summary: "replay: evidence.xml unreadable", failures: [(evidencePath, "cannot be read: \(error)")])
        }
        let inputs: EvidenceInputs
        do {
            inputs = try ReadPackInputsStage().run(input)
        } catch {
            return .checked(summary: error.summary, failures: [(error.file, error.reason)])
        }
        var failures: [(file: String, reason: String)] = []
        if let report = inputs.ingest, report.rejected > 0 {
            failures.append((Self.recordsPath, "\(report.rejected) recorded records no longer pass the record rules (first: \(report.rejects.first?.message ?? "?"))"))
        }
        let evaluation: Evaluation
        do {
            evaluation = try EvaluateStage().run(inputs).evaluation
        } catch {
            return .checked(summary: "replay: the ledger query failed", failures: [(Self.recordsPath, error.reason)])
        }
        let replayed = EvidenceReport(evaluation: evaluation, inputs: recorded.inputs, text: .xmlSafe)
        for difference in recorded.differences(from: replayed) {
            failures.append((evidencePath, difference))
        }
        let summary = failures.isEmpty
            ? "replay: \(evaluation.families.count) families re-evaluated from data/inputs, identical to evidence.xml (\(evaluation.production.summary))"
            : "replay: \(failures.count) differences from evidence.xml"
        let decision = PackDecision.bagInfoValue(isGo: evaluation.production.isGo, blocking: evaluation.production.blocking)
        return .checked(summary: summary, failures: failures, decision: decision)
    }
}

/// Replay's read stage: a pack's recorded inputs (snapshot, options, and the records, which
/// went into a temporary ledger as the pack was read) as the `EvidenceInputs` that
/// `EvaluateStage` takes, just as `ReadInputsStage` gives them to `check` and `build`.
public struct ReadPackInputsStage: PipelineStage {
    /// A recorded input that cannot be used: the replay stops with this summary and failure.
    public struct Failure: Error, Sendable {
        public var summary: String
        public var file: String
        public var reason: String
    }

    public init() {}

    public func run(_ input: ReplayInput) throws(Failure) -> EvidenceInputs {
        let inputs = ReplayInput.inputsFolder
        let recordsPath = EngineReplayer.recordsPath
        guard let snapshotBytes = input.inputs["snapshot.json"] else { throw Failure(summary: "replay: inputs missing", file: "\(inputs)/snapshot.json", reason: "missing") }
        guard let optionsBytes = input.inputs["options.json"] else { throw Failure(summary: "replay: inputs missing", file: "\(inputs)/options.json", reason: "missing") }
        let snapshot: Snapshot
        do {
            snapshot = try SnapshotReader.read(snapshotBytes, file: "\(inputs)/snapshot.json")
        } catch {
            throw Failure(summary: "replay: the recorded snapshot is invalid", file: "\(inputs)/snapshot.json", reason: error.description)
        }
        let options: RunOptions
        do {
            options = try StrictJSON.decode(RunOptions.self, from: optionsBytes)
        } catch let error as OptionsError {
            throw Failure(summary: "replay: the recorded options are invalid", file: "\(inputs)/options.json", reason: error.description)
        } catch let error as DecodingError {
            throw Failure(summary: "replay: the recorded options are invalid", file: "\(inputs)/options.json", reason: StrictJSON.message(error))
        } catch {
            throw Failure(summary: "replay: the recorded options are invalid", file: "\(inputs)/options.json", reason: "not valid JSON: \(error)")
        }
        let ingested: (ledger: Ledger, report: IngestReport)?
        do {
            if let stream = input.streams[recordsPath] as? StreamedRecords {
                ingested = try stream.result()
            } else if let records = input.inputs["records.jsonl"], !records.isEmpty {
                let ledger = try Ledger.temporary()
                ingested = (ledger, try ledger.ingest([RecordSource(name: recordsPath, bytes: records)]))
            } else {
                ingested = nil
            }
        } catch {
            throw Failure(summary: "replay: the recorded records cannot be read", file: recordsPath, reason: "\(error)")
        }
        // A pack built without records has an empty records.jsonl: no ledger, as at build time.
        guard let (ledger, report) = ingested, report.files.contains(where: { $0.acceptedByKind.values.reduce(0, +) + $0.rejected > 0 }) else {
            return EvidenceInputs(snapshotBytes: snapshotBytes, snapshot: snapshot, options: options)
        }
        return EvidenceInputs(snapshotBytes: snapshotBytes, snapshot: snapshot, options: options, ledger: ledger, ingest: report)
    }
}

/// The pack's records ingested into a temporary ledger while the pack is read: the bytes go
/// through a pipe to an ingest running beside the reader.
final class StreamedRecords: ReplayStream, @unchecked Sendable {
    private let ledger: Ledger
    private let writeEnd: Int32
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<IngestReport, IngestError>?
    private var closed = false
    private var broken = false

    init?() {
        var fds: [Int32] = [0, 0]
        guard let ledger = try? Ledger.temporary(), pipe(&fds) == 0 else { return nil }
        // A reader that stops early must not kill the process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        self.ledger = ledger
        self.writeEnd = fds[1]
        let source = RecordSource(name: EngineReplayer.recordsPath, fileDescriptor: fds[0])
        let thread = Thread { [self] in
            outcome = Result { () throws(IngestError) in try ledger.ingest([source]) }
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    func write(_ chunk: UnsafeRawBufferPointer) {
        guard !broken, !closed, let base = chunk.baseAddress else { return }
        var offset = 0
        while offset < chunk.count {
            let n = Glibc.write(writeEnd, base + offset, chunk.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                broken = true
                return
            }
            offset += n
        }
    }

    func finish() {
        guard !closed else { return }
        closed = true
        close(writeEnd)
    }

    /// Waits for the ingest to end and removes the ledger's files: nothing of it outlives the replay.
    func discard() {
        finish()
        done.wait()
        done.signal()
        for file in TemporaryFiles.ledgerFiles(ledger.path) {
            unlink(file)
            TemporaryFiles.unregister(file)
        }
    }

    /// Waits for the ingest; the ledger and what it did.
    func result() throws(IngestError) -> (ledger: Ledger, report: IngestReport) {
        finish()
        done.wait()
        done.signal()
        return (ledger, try outcome!.get())
    }
}
