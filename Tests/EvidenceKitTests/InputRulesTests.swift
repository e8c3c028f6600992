import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The input rules of SPEC §2 (times, actors) that the checks rely on.
@Suite struct InputRulesTests {
    @Test func timesFollowRFC3339() {
        let upper = Instant(rfc3339: "2026-11-20T09:00:00Z")
        #expect(upper != nil)
        #expect(Instant(rfc3339: "2026-11-20t09:00:00z") == upper, "t and z may be lower case")
        #expect(Instant(rfc3339: "2026-11-20t10:00:00+01:00") == upper)
        #expect(Instant(rfc3339: "0001-01-01T00:00:00Z") != nil)
        #expect(Instant(rfc3339: "9999-12-31T23:59:59Z") != nil)
        #expect(Instant.problem("0000-01-01T00:00:00Z") == .yearZero)
        #expect(Instant.problem("0001-01-01T00:30:00+01:00") == .yearZero)
        #expect(Instant.problem("2026-02-30T00:00:00Z") == .noSuchDate("2026-02-30"))
        #expect(Instant.problem("2026-02-30T00:00:00Z")?.description == "the date 2026-02-30 does not exist")
        #expect(Instant.problem("2024-02-29T00:00:00Z") == nil)
        #expect(Instant.problem("2100-02-29T00:00:00Z") == .noSuchDate("2100-02-29"))
        #expect(Instant.problem("2026-04-31T00:00:00Z") == .noSuchDate("2026-04-31"))
        for bad in ["2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-32T00:00:00Z", "2026-11-20 09:00:00Z", "2026-11-20T09:00:00",
                    "2026-11-20x09:00:00Z", "2026-11-20T09:00:00Zz"] {
            #expect(Instant.problem(bad) == .notRFC3339, "\(bad)")
        }
    }

    @Test func aLowerCaseTimeIsAcceptedInSnapshotsAndRecords() throws {
        var value = Fixtures.json("ready.json")
        value.set("captured_at", .string("2026-11-20t09:00:00z"))
        value.set("rollback.owner_ack_at", .string("2026-11-19t15:30:00z"))
        let snapshot = try Fixtures.snapshot(value)
        #expect(snapshot.capturedAt == Instant(rfc3339: "2026-11-20T09:00:00Z"))
        let (_, report) = try RecordsTests.ingest(RecordsTests.audit.replacingOccurrences(of: "2026-11-20T08:00:00Z", with: "2026-11-20t08:00:00z"))
        #expect(report.rejected == 0)
    }

    @Test func anActorWithoutRoleOrPermissionIsNoInputError() throws {
        var value = Fixtures.json("ready.json")
        value.set("actors[1].role", nil)
        value.set("actors[2].role", .string("  "))
        value.set("actors[3].permissions", nil)
        let snapshot = try Fixtures.snapshot(value)
        #expect(snapshot.actors[1].role == nil && snapshot.actors[2].role == nil)
        let evaluation = Evaluator.evaluate(snapshot, options: RunOptions(asOf: snapshot.capturedAt), operations: nil)
        for (family, check) in [(FamilyID.preflight, "rbac_claims"), (.runbook, "actor_claims")] {
            let result = try #require(evaluation.family(family)?.check(check))
            #expect(!result.isReady)
            #expect(result.detail == "2/5 actors with a role and a permission; user_dispatcher_marek (no role), user_accountant_olena (no role), driver_tarasenko (no permission)")
        }
    }
}
