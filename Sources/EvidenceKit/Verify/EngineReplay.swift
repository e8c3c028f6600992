/// Replay with the check engine: the pack's recorded inputs evaluated again, compared with
/// what `data/evidence.xml` records (SPEC §6).
///
/// The snapshot, the recorded options and the sanitized records (through a temporary ledger)
/// give a new evaluation; every family, check status and detail, decision, fact, checksum and
/// packet must equal the recorded ones. The counts of the original ingest (rejects,
/// duplicates, expired events) are reported by the pack, not replayed.
public struct EngineReplayer: PackReplayer {
    public init() {}

    public func replay(_ input: ReplayInput) -> ReplayOutcome {
        let evidencePath = ReplayInput.evidencePath
        let inputs = ReplayInput.inputsFolder
        var failures: [(file: String, reason: String)] = []
        guard let xml = input.evidenceXML else {
            return .checked(summary: "replay: no evidence.xml to compare with", failures: [(evidencePath, "missing, so nothing can be replayed against it")])
        }
        let recorded: EvidenceRecord
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
        let records = input.inputs["records.jsonl"] ?? []
        if !records.isEmpty {
            do {
                let ledger = try Ledger.temporary()
                let report = try ledger.ingest([RecordSource(name: "\(inputs)/records.jsonl", bytes: records)])
                if report.rejected > 0 {
                    failures.append(("\(inputs)/records.jsonl", "\(report.rejected) recorded records no longer pass the record rules (first: \(report.rejects.first?.message ?? "?"))"))
                }
                findings = try ledger.operations(snapshot: snapshot, options: options)
            } catch {
                return .checked(summary: "replay: the recorded records cannot be read", failures: [("\(inputs)/records.jsonl", "\(error)")])
            }
        }
        let evaluation = Evaluator.evaluate(snapshot, options: options, operations: findings)
        let replayed = EvidenceRecord(evaluation: evaluation, inputs: recorded.inputs)
        for difference in recorded.differences(from: replayed) {
            failures.append((evidencePath, difference))
        }
        let summary = failures.isEmpty
            ? "replay: \(evaluation.families.count) families re-evaluated from data/inputs, identical to evidence.xml (\(evaluation.production.summary))"
            : "replay: \(failures.count) differences from evidence.xml"
        return .checked(summary: summary, failures: failures)
    }
}
