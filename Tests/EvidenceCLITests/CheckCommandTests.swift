import Foundation
import Testing
import TestSupport

/// `evpack check` end to end: the built binary on the sample snapshots.
@Suite struct CheckCommandTests {
    @Test func demoTextSummary() throws {
        let result = try Run.evpack(["check", TestPaths.snapshot("demo-local.json")])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        for expected in [
            "connection 0/4 BLOCKED_PENDING_CONNECTION", "dry_run 0/5 BLOCKED_PENDING_DRY_RUN", "board 1/7", "infrastructure 0/4",
            "release 3/5 BLOCKED_PENDING_DRY_RUN", "rollback 0/4 BLOCKED_PENDING_DRY_RUN", "preflight 1/5 BLOCKED_PENDING_PREFLIGHT",
            "runbook 1/6 BLOCKED_PENDING_PREFLIGHT", "cutover 0/5 BLOCKED_PENDING_DATA_CUTOVER batches 1/4",
            "wiring 0/7 BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS traffic production_traffic_disabled",
            "operations 5/6 BLOCKED_BY_OPERATIONS",
            "integration 2/9 BLOCKED_PENDING_INTEGRATION", "rehearsals 0/6", "Production NO-GO — BLOCKED_PENDING_DRY_RUN",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)\n\(result.stdout)")
        }
    }

    @Test func jsonHasTheShapeOfTheSpec() throws {
        let result = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"), "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect((object["payload_checksum"] as? String)?.count == 64)
        #expect((object["payload_checksum_short"] as? String)?.hasPrefix("bfg-") == true)
        #expect(object["snapshot_rows"] as? Int == 13)
        #expect(object["as_of"] as? String == "2026-11-20T09:00:00Z")
        #expect(object["batches"] as? String == "4/4")
        let production = try #require(object["production"] as? [String: Any])
        #expect(production["decision"] as? String == "GO")
        #expect(production["blocking"] is NSNull)
        let families = try #require(object["families"] as? [String: [String: Any]])
        #expect(Set(families.keys) == ["connection", "dry_run", "board", "infrastructure", "release", "rollback", "preflight", "runbook", "cutover", "wiring", "operations", "integration", "rehearsals"])
        let records = try #require(object["records"] as? [String: Any])
        #expect((records["accepted"] as? [String: Int])?["audit"] == 13)
        #expect(records["expired"] as? Int == 1)
        let operations = try #require(object["operations"] as? [String: Any])
        #expect(operations["window"] as? String == "24h")
        #expect((operations["telemetry"] as? [[String: Any]])?.last?["events"] as? Int == 5)
        let preflight = try #require(families["preflight"])
        #expect(preflight["ready"] as? Int == 5 && preflight["total"] as? Int == 5)
        #expect(preflight["decision"] as? String == "PREFLIGHT_READY")
        #expect((preflight["checks"] as? [String: String])?["snapshot_payload"] == "ready")
        #expect(families["board"]?["decision"] is NSNull)
        let packets = try #require(object["packets"] as? [String: [String: String]])
        #expect(Set(packets.keys) == ["preflight", "cutover", "runbook_sql", "release_env", "rollback_env"])
        #expect(packets["release_env"]?["text"]?.hasSuffix("BFG_RELEASE_DECISION=GO\n") == true)
    }

    @Test func requireGoExitsThreeOnNoGo() throws {
        let demo = try Run.evpack(["check", TestPaths.snapshot("demo-local.json"), "--require-go"])
        #expect(demo.status == 3)
        #expect(demo.stderr.contains("NO-GO"))
        let ready = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"), "--require-go"])
        #expect(ready.status == 0)
        // Without records there is no audit trail: NO-GO.
        let bare = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--require-go"])
        #expect(bare.status == 3)
        #expect(bare.stderr.contains("BLOCKED_BY_OPERATIONS"))
    }

    @Test func asOfIsReported() throws {
        let result = try Run.evpack(["check", TestPaths.snapshot("demo-local.json"), "--format", "json", "--as-of", "2026-11-21T10:30:00+01:00"])
        #expect(result.stdout.contains("\"as_of\": \"2026-11-21T09:30:00Z\""))
    }

    @Test func badSnapshotExitsTwoNamingFilePathAndLine() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = try String(contentsOfFile: TestPaths.snapshot("demo-local.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"role\": \"driver\"", with: "\"role\": \"pilot\"")
        text = text.replacingOccurrences(of: "\"schema\": \"BFGScenarioSnapshot.v1\"", with: "\"schema\": \"BFGScenarioSnapshot.v1\", \"colour\": 1")
        let file = folder.appendingPathComponent("bad.json").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Run.evpack(["check", file])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(file):2: colour: unknown top-level key"))
        #expect(result.stderr.contains("actors[3].role: unknown value \"pilot\""))
        #expect(result.stderr.contains("2 problems"))
    }

    @Test func unreadableInputsAndBadOptionsExitTwo() throws {
        let missing = try Run.evpack(["check", "/nonexistent/snapshot.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/snapshot.json: cannot read"))
        let folder = try Run.evpack(["check", TestPaths.root.path])
        #expect(folder.status == 2)
        let asOf = try Run.evpack(["check", TestPaths.snapshot("demo-local.json"), "--as-of", "yesterday"])
        #expect(asOf.status == 2)
        #expect(asOf.stderr.contains("--as-of"))
        let unknown = try Run.evpack(["check", TestPaths.snapshot("demo-local.json"), "--colour"])
        #expect(unknown.status == 2)
        let format = try Run.evpack(["check", TestPaths.snapshot("demo-local.json"), "--format", "xml"])
        #expect(format.status == 2)
        let none = try Run.evpack(["check"])
        #expect(none.status == 2)
        // Beyond 1 000 000 minutes the ledger's arithmetic in seconds could overflow, and a
        // pack's options.json would not replay: refused up front.
        for minutes in ["0", "1000001", "9223372036854775807"] {
            let stuck = try Run.evpack([
                "check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"), "--stuck-queued-minutes", minutes,
            ])
            #expect(stuck.status == 2, "\(minutes)")
            #expect(stuck.stderr.contains("--stuck-queued-minutes"), "\(minutes)")
        }
    }

    @Test func helpExplainsAndExitsZero() throws {
        let help = try Run.evpack(["check", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--require-go") && help.stdout.contains("--as-of") && help.stdout.contains("--format"))
        let root = try Run.evpack(["--help"])
        #expect(root.status == 0)
        #expect(root.stdout.contains("check"))
    }

    @Test func secretsInTheEndpointNeverReachTheOutput() throws {
        for format in ["text", "json"] {
            let result = try Run.evpack(["check", TestPaths.snapshot("endpoint-secret.json"), "--format", format])
            #expect(result.status == 0)
            #expect(!result.stdout.contains("S3cr3t") && !result.stdout.contains("bfg_admin") && !result.stderr.contains("S3cr3t"))
        }
    }

    @Test func samplePartialStates() throws {
        func summary(_ name: String) throws -> String {
            try Run.evpack(["check", TestPaths.snapshot(name)]).stdout
        }
        #expect(try summary("stale-dry-run.json").contains("Production NO-GO — BLOCKED_PENDING_DRY_RUN"))
        let stale = try Run.evpack(["check", TestPaths.snapshot("stale-dry-run.json"), "--format", "json"]).stdout
        #expect(stale.contains("stale: recorded for bfg-3f9a0c21"))
        #expect(try summary("rehearsals-partial.json").contains("rehearsals      3/6"))
        #expect(try summary("infra-no-credentials.json").contains("Production NO-GO — BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS"))
        #expect(try summary("ready.json").contains("Production NO-GO — BLOCKED_BY_OPERATIONS"))
    }
}
