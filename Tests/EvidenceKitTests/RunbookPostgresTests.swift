import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The runbook SQL runs cleanly on a real PostgreSQL 15: a throwaway cluster on a
/// temporary socket, started and removed by the test.
@Suite(.serialized) struct RunbookPostgresTests {
    @Test func readyRunbookRunsOnPostgres15() throws {
        let cluster = try PostgresServer.start(tcp: false)
        defer { cluster.stop() }
        for name in ["ready.json", "demo-local.json"] {
            let evaluation = try Fixtures.evaluate(Fixtures.json(name), rebind: false)
            let sql = try #require(evaluation.family(.runbook)?.packet?.text)
            // Twice: the outline is idempotent (if not exists / drop policy if exists).
            for _ in 0..<2 {
                let result = try cluster.psql(file: sql)
                #expect(result.status == 0, "\(name): \(result.stderr)")
                #expect(!result.stderr.contains("ERROR"), "\(result.stderr)")
            }
        }
        let rls = try cluster.psql(command: "select string_agg(relname, ',' order by relname) from pg_class where relrowsecurity and relnamespace = 'bfg_flowcontrol'::regnamespace")
        #expect(rls.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "audit_events,scenario_snapshots,users")
        let policies = try cluster.psql(command: "select count(*) from pg_policies where schemaname = 'bfg_flowcontrol'")
        #expect(policies.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let tables = try cluster.psql(command: "select count(*) from information_schema.tables where table_schema = 'bfg_flowcontrol'")
        #expect(tables.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "4")
    }
}
