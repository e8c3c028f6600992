import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The one report model: built from an evaluation and read back from `evidence.xml`, the two
/// are equal, operations report included.
@Suite struct ReportModelTests {
    static let recordFiles = ["ready-records.jsonl", "ready-records.csv", "records-bad-lines.jsonl", "records-deploy-violations.jsonl",
                              "records-failed-run.jsonl", "records-missing-signoff.jsonl", "records-release-pause.jsonl",
                              "records-stuck-run.jsonl", "signoffs-audit.csv"]

    /// Evaluates a sample snapshot with a sample records file, as `evpack check` does.
    static func evaluate(_ snapshot: String, records: [String]) throws -> Evaluation {
        let sources = records.map { RecordSource(path: TestPaths.snapshot($0), kind: $0 == "signoffs-audit.csv" ? .audit : nil) }
        return try CheckAction(snapshotPath: TestPaths.snapshot(snapshot), inputs: EvaluationInputs(records: sources)).perform().evaluation
    }

    @Test(arguments: ["ready.json", "demo-local.json"], recordFiles)
    func reportReadsBackFromEvidenceXML(_ snapshot: String, _ records: String) throws {
        let evaluation = try Self.evaluate(snapshot, records: [records])
        let operations = try #require(evaluation.operations)
        let built = EvidenceReport(evaluation: evaluation, inputs: RenderXMLTests.digests(), text: .xmlSafe)
        let xml = EvidenceXML.document(built)
        try SchemaValidator.validate(Array(xml.utf8), schema: try TemplateSet.bundledSchema())
        let read = try EvidenceXML.read(Array(xml.utf8))
        #expect(read == built)
        #expect(read.operations?.counts.totalAccepted == operations.counts.totalAccepted)
        #expect(read.operations?.stuckRuns == operations.stuckRuns)
        #expect(read.rejectsTotal == operations.counts.rejected)
        #expect(read.differences(from: built).isEmpty)
        // The same document, whichever way it is asked for.
        #expect(xml == EvidenceXML.document(evaluation: evaluation, inputs: RenderXMLTests.digests()))
    }

    @Test func reportWithoutRecordsHasNoOperations() throws {
        let evaluation = try Self.evaluate("ready.json", records: [])
        let read = try EvidenceXML.read(Array(EvidenceXML.document(evaluation: evaluation, inputs: []).utf8))
        #expect(read.operations == nil)
        #expect(read == EvidenceReport(evaluation: evaluation, text: .xmlSafe))
    }

    /// Free text from the records that XML cannot hold comes back replaced, and equal to the
    /// model built for XML.
    @Test func hostileOperationsTextRoundTrips() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("ready.json")
        var summary = SampleOperations.small
        summary.activeControls[0].reason = "pause\u{1}\u{FFFE} <b>now</b>\r\n|x|"
        summary.stuckRuns.items[0].note = "queued\u{0B} 45 min"
        let withOps = RenderFixtures.withOperations(evaluation, summary)
        let built = EvidenceReport(evaluation: withOps, text: .xmlSafe)
        let read = try EvidenceXML.read(Array(EvidenceXML.document(built).utf8))
        #expect(read == built)
        #expect(read.operations?.activeControls[0].reason == "pause\u{FFFD}\u{FFFD} <b>now</b>\r\n|x|")
        // As evaluated, the text is kept for text and JSON output.
        #expect(EvidenceReport(evaluation: withOps).operations?.stuckRuns.items[0].note == "queued\u{0B} 45 min")
    }

    /// Replay compares what the accepted records give, not the counts of the original ingest.
    @Test func differencesCoverOperationsButNotIngestCounts() throws {
        let evaluation = try Self.evaluate("ready.json", records: ["records-stuck-run.jsonl"])
        let recorded = EvidenceReport(evaluation: evaluation, text: .xmlSafe)
        var replayed = recorded
        replayed.operations?.counts.rejected += 3
        replayed.operations?.counts.duplicatesSkipped += 1
        replayed.operations?.rejects = []
        #expect(recorded.differences(from: replayed).isEmpty)
        replayed.operations?.stuckRuns.total += 1
        replayed.operations?.telemetry = []
        #expect(recorded.differences(from: replayed) == [
            "operations stuck runs: the recorded figures differ from the replayed records",
            "operations telemetry: the recorded figures differ from the replayed records",
        ])
        replayed.operations = nil
        #expect(recorded.differences(from: replayed) == ["operations: recorded 'recorded', replay gives 'none'"])
    }

    /// The JSON of `check` is the model encoded: members in the order encoded, nil as null.
    @Test func encoderKeepsOrderAndNulls() throws {
        let json = JSONValueEncoder.encode(SampleOperations.small)
        let object = try #require(json.objectValue)
        #expect(object.keys == ["window", "window_start", "window_end", "stuck_runs", "failed_runs", "runs_by_outcome", "records_per_day",
                                "active_controls", "deploy_findings", "health", "telemetry", "rejects"])
        let run = try #require(json["stuck_runs"]?["items"]?.arrayValue?.first)
        #expect(run["outcome"] == .null)
        #expect(run["created_at"] == .string(SampleOperations.at(45).rfc3339))
        #expect(json["rejects"]?.arrayValue?.last?["kind"] == .null)
        #expect(JSONWriter.compact(JSONValueEncoder.encode(IngestCounts(accepted: [.run: 2], rejected: 1)))
            == #"{"accepted":{"audit":0,"run":2,"usage":0,"control":0,"deploy":0,"approval":0},"rejected":1,"duplicates_skipped":0,"expired":0}"#)
    }
}
