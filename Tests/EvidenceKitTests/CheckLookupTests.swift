import Testing
import TestSupport
@testable import EvidenceKit

/// A check is read by its typed id, and a lookup cannot quietly answer "not ready": a
/// misspelt id does not compile, and asking at the wrong time or of the wrong family traps.
@Suite struct CheckLookupTests {
    @Test func aTypedLookupFindsEveryCheckOfAnEvaluation() throws {
        let (snapshot, _) = try InputFile.snapshot(TestPaths.snapshot("ready.json"))
        let evaluation = Evaluator.evaluate(snapshot)
        #expect(evaluation.check(RunbookFamily.CheckID.schemaRLS).isReady)
        #expect(evaluation.check(WiringFamily.CheckID.endpointContract) == evaluation.family(.wiring)?.check("endpointContract"))
        for id in RunbookFamily.CheckID.allCases {
            #expect(evaluation.check(id).id == id.rawValue)
        }
    }

    @Test func readingAFamilyBeforeItIsEvaluatedTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let (snapshot, _) = try InputFile.snapshot(TestPaths.snapshot("ready.json"))
            let context = EvaluationContext(snapshot: snapshot, options: RunOptions(asOf: snapshot.capturedAt))
            _ = context.isReady(RunbookFamily.CheckID.schemaRLS)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("family runbook is read before it is evaluated"), "\(stderr)")
    }

    @Test func askingAFamilyForAnotherFamilysCheckTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let (snapshot, _) = try InputFile.snapshot(TestPaths.snapshot("ready.json"))
            let wiring = try #require(Evaluator.evaluate(snapshot).family(.wiring))
            _ = wiring.check(RunbookFamily.CheckID.schemaRLS)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("check runbook.schema_rls asked of family wiring"), "\(stderr)")
    }
}
