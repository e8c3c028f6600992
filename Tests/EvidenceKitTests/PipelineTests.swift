import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The typed pipeline: read inputs → evaluate → report → render → pack, and verify's replay
/// going through the same evaluate stage.
@Suite struct PipelineTests {
    static func prepared(records: String? = "ready-records.jsonl") throws -> PreparedEvaluation {
        let inputs = EvaluationInputs(records: records.map { [RecordSource(path: TestPaths.snapshot($0))] } ?? [])
        let read = try ReadInputsStage().run(RawInputs(snapshotPath: TestPaths.snapshot("ready.json"), inputs: inputs))
        return try EvaluateStage().run(read)
    }

    @Test func renderMakesThePackInMemoryAndPackWritesExactlyThoseFiles() throws {
        let prepared = try Self.prepared()
        let report = try ReportStage().run(prepared)
        #expect(report.inputs.map(\.path) == ["inputs/snapshot.json", "inputs/records.jsonl", "inputs/rejects.jsonl", "inputs/options.json"])
        #expect(report.record.inputs == report.inputs.map(\.digest))
        let rendered = try RenderStage(templates: RenderFixtures.templates()).run(report)
        guard case .export = rendered.files[1].content else {
            Issue.record("records.jsonl is held in memory, not streamed out of the ledger")
            return
        }
        let data = TestPaths.temporaryFolder("evpack-pipeline").appendingPathComponent("data")
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        try PackStage.write(rendered, into: data)
        let written = try RenderFixtures.files(data)
        #expect(written.map(\.path) == rendered.files.map(\.path).sorted())
        for file in rendered.files {
            let bytes = try #require(written.first { $0.path == file.path }).bytes
            #expect(PackFileDigest(path: file.path, sha256: Checksum.sha256Hex(bytes), bytes: bytes.count) == file.digest, "\(file.path)")
        }
        #expect(try #require(written.first { $0.path == "inputs/records.jsonl" }).bytes.count > 1000)
    }

    @Test func packRefusesRecordsThatChangedAfterTheReport() throws {
        let ledger = try Ledger.temporary()
        _ = try ledger.ingest([RecordSource(path: TestPaths.snapshot("records-stuck-run.jsonl"))])
        var prepared = try Self.prepared(records: nil)
        prepared.ledger = ledger
        let rendered = try RenderStage(templates: RenderFixtures.templates()).run(try ReportStage().run(prepared))
        let added = #"{"kind": "audit", "id": "aud-added-later", "recorded_at": "2026-11-17T10:06:00Z", "action": "signoff.recorded", "status": "success", "actor_id": "user_md_anna", "workspace_id": "ws-bfg-control", "tenant_id": "bfg-control", "subject_type": "rehearsal", "subject_id": "contracts_frozen"}"#
        let later = try ledger.ingest([RecordSource(name: "later.jsonl", bytes: Array((added + "\n").utf8))])
        #expect(later.rejected == 0)
        let data = TestPaths.temporaryFolder("evpack-pipeline").appendingPathComponent("data")
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        let error = #expect(throws: BuildError.self) { try PackStage.write(rendered, into: data) }
        #expect(error?.description.contains("the ledger changed") == true)
    }

    @Test func replayReadsThePackIntoTheInputsBuildEvaluated() throws {
        let prepared = try Self.prepared()
        let report = try ReportStage().run(prepared)
        var files: [String: [UInt8]] = [:]
        for file in report.inputs {
            let name = String(file.path.dropFirst("inputs/".count))
            switch file.content {
            case .bytes(let bytes): files[name] = bytes
            case .export(let export, _):
                let path = TestPaths.temporaryFolder("evpack-pipeline").appendingPathComponent(name).path
                _ = try export.write(to: path)
                files[name] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        let read = try ReadPackInputsStage().run(ReplayInput(evidenceXML: nil, inputs: files, bagInfo: []))
        #expect(read.ledger != nil)
        let replayed = try EvaluateStage().run(read).evaluation
        // What verify compares: a pack keeps only the accepted records, so the ingest counts
        // (expired, rejected, duplicates) are not replayed; everything else must agree.
        #expect(report.record.differences(from: EvidenceReport(evaluation: replayed, inputs: report.record.inputs, text: .xmlSafe)) == [])
    }

    @Test func replayReportsAMissingInputByName() {
        #expect(throws: ReadPackInputsStage.Failure.self) {
            try ReadPackInputsStage().run(ReplayInput(evidenceXML: nil, inputs: [:], bagInfo: []))
        }
        do {
            _ = try ReadPackInputsStage().run(ReplayInput(evidenceXML: nil, inputs: [:], bagInfo: []))
        } catch {
            #expect(error.file == "data/inputs/snapshot.json" && error.reason == "missing")
        }
    }
}
