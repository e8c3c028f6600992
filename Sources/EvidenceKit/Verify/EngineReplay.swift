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
        let inputs = ReplayInput.inputsFolder
        var failures: [(file: String, reason: String)] = []
        guard let xml = input.evidenceXML else {
            return .checked(summary: "replay: no evidence.xml to compare with", failures: [(evidencePath, "missing, so nothing can be replayed against it")])
        }
        let recorded: EvidenceReport
        do {
            recorded = try EvidenceXML.read(xml)
        } catch {
            return .checked(summary: "replay: evidence.xml unreadable", failures: [(evidencePath, "cannot be read: \(error)")])
        }
        guard let snapshotBytes = input.inputs["snapshot.json"] else { failures.append(("\(inputs)/snapshot.json", "missing")); return .checked(summary: "replay: inputs missing", failures: failures) }
        guard let optionsBytes = input.inputs["options.json"] else { failures.append(("\(inputs)/options.json", "missing")); return .checked(summary: "replay: inputs missing", failures: failures) }
        let snapshot: Snapshot
        do {
            snapshot = try SnapshotReader.read(snapshotBytes, file: "\(inputs)/snapshot.json")
        } catch {
            return .checked(summary: "replay: the recorded snapshot is invalid", failures: [("\(inputs)/snapshot.json", error.description)])
        }
        let options: RunOptions
        do {
            options = try RunOptions(json: try JSONParser.parse(optionsBytes))
        } catch let error as OptionsError {
            return .checked(summary: "replay: the recorded options are invalid", failures: [("\(inputs)/options.json", error.description)])
        } catch {
            return .checked(summary: "replay: the recorded options are invalid", failures: [("\(inputs)/options.json", "not valid JSON: \(error)")])
        }
        var findings: OperationsFindings?
        let ingested: (ledger: Ledger, report: IngestReport)?
        do {
            if let stream = input.streams[Self.recordsPath] as? StreamedRecords {
                ingested = try stream.result()
            } else if let records = input.inputs["records.jsonl"], !records.isEmpty {
                let ledger = try Ledger.temporary()
                ingested = (ledger, try ledger.ingest([RecordSource(name: Self.recordsPath, bytes: records)]))
            } else {
                ingested = nil
            }
        } catch {
            return .checked(summary: "replay: the recorded records cannot be read", failures: [(Self.recordsPath, "\(error)")])
        }
        if let (ledger, report) = ingested, report.files.contains(where: { $0.acceptedByKind.values.reduce(0, +) + $0.rejected > 0 }) {
            if report.rejected > 0 {
                failures.append((Self.recordsPath, "\(report.rejected) recorded records no longer pass the record rules (first: \(report.rejects.first?.message ?? "?"))"))
            }
            do {
                findings = try ledger.operations(snapshot: snapshot, options: options)
            } catch {
                return .checked(summary: "replay: the ledger query failed", failures: [(Self.recordsPath, "\(error)")])
            }
        }
        let evaluation = Evaluator.evaluate(snapshot, options: options, operations: findings)
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
