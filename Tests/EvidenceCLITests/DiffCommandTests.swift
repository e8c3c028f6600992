import Foundation
import Testing
import TestSupport

/// `evpack diff` and `evpack history` end to end, on packs `evpack build` writes from the samples.
@Suite(.serialized) struct DiffCommandTests {
    /// Packs built once for the suite: demo, ready, and ready with a release pause in its records.
    static let packs: (root: URL, demo: String, ready: String, readyArchive: String, paused: String) = {
        let root = TestPaths.temporaryFolder("evpack-diff")
        func build(_ snapshot: String, _ records: [String], into folder: String) -> String {
            let out = root.appendingPathComponent(folder).path
            var arguments = ["build", TestPaths.snapshot(snapshot), "--out", out, "--format", "json"]
            for file in records { arguments += ["--records", TestPaths.snapshot(file)] }
            let result = try! Run.evpack(arguments)
            precondition(result.status == 0, result.stderr)
            let object = try! JSONSerialization.jsonObject(with: result.stdoutData) as! [String: Any]
            return object["folder"] as! String
        }
        let demo = build("demo-local.json", [], into: "demo")
        let ready = build("ready.json", ["ready-records.jsonl"], into: "ready")
        let paused = build("ready.json", ["ready-records.jsonl", "records-release-pause.jsonl"], into: "paused")
        return (root, demo, ready, ready + ".tar.gz", paused)
    }()

    static func json(_ old: String, _ new: String) throws -> [String: Any] {
        let result = try Run.evpack(["diff", old, new, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any], "\(result.stdout)")
    }

    /// "family.check" → "kind before→after" for every check the diff names.
    static func changes(_ object: [String: Any]) -> [String: String] {
        var out: [String: String] = [:]
        for change in object["checks"] as? [[String: Any]] ?? [] {
            let key = "\(change["family"]!).\(change["check"]!)"
            #expect(out[key] == nil, "\(key) named twice")
            out[key] = "\(change["change"]!) \(change["before"] as? String ?? "absent")→\(change["after"] as? String ?? "absent")"
        }
        return out
    }

    @Test func aPackComparedWithItselfOrItsArchiveReportsNoChange() throws {
        for other in [Self.packs.ready, Self.packs.readyArchive] {
            let object = try Self.json(Self.packs.ready, other)
            #expect(object["unchanged"] as? Bool == true)
            #expect(object["regression"] as? Bool == false)
            #expect((object["checks"] as? [Any])?.isEmpty == true)
            #expect((object["packets"] as? [Any])?.isEmpty == true)
            let inputs = try #require(object["inputs"] as? [String: Any])
            #expect(inputs["payload"] is NSNull)
            for key in ["snapshot_sections", "record_counts", "options"] { #expect((inputs[key] as? [Any])?.isEmpty == true, "\(key)") }
            #expect((object["families"] as? [[String: Any]])?.allSatisfy { $0["changed"] as? Bool == false } == true)
        }
        let text = try Run.evpack(["diff", Self.packs.demo, Self.packs.demo, "--fail-on-regression"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Nothing changed: same decision (NO-GO BLOCKED_PENDING_DRY_RUN)"), "\(text.stdout)")
        let markdown = try Run.evpack(["diff", Self.packs.demo, Self.packs.demo, "--format", "markdown"])
        #expect(markdown.stdout.contains("**Nothing changed**"))
        let html = try Run.evpack(["diff", Self.packs.demo, Self.packs.demo, "--format", "html"])
        #expect(html.stdout.contains("Nothing changed: the same decision"))
    }

    /// Every check demo-local → ready fixes, written out by family and the status it had.
    static let demoToReady: [(family: String, before: String, checks: [String])] = [
        ("connection", "next", ["endpoint_reachability", "tls_fingerprint", "rbac_session", "write_probe"]),
        ("dry_run", "next", ["snapshot_export", "schema_map_validation", "rbac_claims_rehearsal", "adapter_replay_transcript", "rollback_checkpoint"]),
        ("board", "next", ["environment_readiness", "secrets_rbac_owner", "schema_rls", "migration_dry_run", "rollback_window", "release_owner_approvals"]),
        ("infrastructure", "next", ["hosting", "region", "runtime_owner", "secrets_backup"]),
        ("release", "next", ["dry_run_transcript"]),
        ("release", "blocked", ["owner_evidence"]),
        ("rollback", "next", ["freeze_window", "owner_ack", "storage_fallback"]),
        ("rollback", "blocked", ["audit_packet"]),
        ("preflight", "next", ["snapshot_payload", "schema_map", "adapter_replay"]),
        ("preflight", "blocked", ["rollback_evidence"]),
        ("runbook", "next", ["freeze_snapshot", "schema_rls", "adapter_replay", "checksum_verification", "rollback_seal"]),
        ("cutover", "next", ["snapshot_freeze", "tenant_rls_seed", "batch_replay", "audit_parity", "rollback_seal"]),
        ("wiring", "blocked", ["infrastructureAcceptance", "endpointContract", "tenantContext", "oidcRbacClaims", "rlsPolicyDraft", "secretsBackupBoundary", "liveCredentials"]),
        ("operations", "review", ["records_present"]),
        ("integration", "review", ["migration_preflight", "migration_runbook", "adapter_connection", "adapter_dry_run", "release_handoff", "infrastructure_decision", "rollback_drill"]),
        ("rehearsals", "next", ["contracts_frozen", "role_headers_mapped", "scenario_store_rehearsal", "db_schema", "secrets_auth", "migration_rollback"]),
    ]

    @Test func demoToReadyNamesExactlyTheChecksWhoseStatusChanged() throws {
        let object = try Self.json(Self.packs.demo, Self.packs.readyArchive)
        var expected: [String: String] = [:]
        for row in Self.demoToReady {
            for check in row.checks { expected["\(row.family).\(check)"] = "fixed \(row.before)→ready" }
        }
        #expect(Self.changes(object) == expected)
        // The fixed checks of each family are exactly what its N/M gained.
        for family in object["families"] as? [[String: Any]] ?? [] {
            let before = try #require(family["before"] as? [String: Any]), after = try #require(family["after"] as? [String: Any])
            let gained = (after["ready"] as! Int) - (before["ready"] as! Int)
            #expect(gained == Self.demoToReady.filter { $0.family == family["id"] as! String }.reduce(0) { $0 + $1.checks.count })
        }
        #expect((object["still_not_ready"] as? [Any])?.isEmpty == true)
        let production = try #require(object["production"] as? [String: Any])
        #expect(production["before"] as? String == "NO-GO BLOCKED_PENDING_DRY_RUN" && production["after"] as? String == "GO")
        let packets = (object["packets"] as? [[String: Any]] ?? []).map { $0["file"] as? String ?? "" }
        #expect(Set(packets) == ["packets/preflight.txt", "packets/runbook.sql", "packets/cutover.txt", "packets/release.env", "packets/rollback.env"])
        let release = try #require((object["packets"] as? [[String: Any]])?.first { $0["key"] as? String == "release_env" })
        let diff = try #require(release["diff"] as? String)
        #expect(diff.contains("-BFG_RELEASE_DECISION=BLOCKED_PENDING_DRY_RUN\n+BFG_RELEASE_DECISION=GO\n"), "\(diff)")
        let inputs = try #require(object["inputs"] as? [String: Any])
        #expect(inputs["payload"] is [String: Any])
        let sections = (inputs["snapshot_sections"] as? [[String: Any]] ?? []).map { $0["key"] as? String ?? "" }
        #expect(sections.contains("connection") && sections.contains("dry_run") && !sections.contains("schema"), "\(sections)")
    }

    @Test func aReleasePauseRegressesOneCheckAndTheDecision() throws {
        let object = try Self.json(Self.packs.ready, Self.packs.paused)
        #expect(Self.changes(object) == ["operations.no_release_pause": "regressed ready→blocked"])
        #expect(object["regression"] as? Bool == true)
        let notReady = (object["still_not_ready"] as? [[String: Any]] ?? []).map { "\($0["family"]!).\($0["check"]!)" }
        #expect(notReady == ["operations.no_release_pause"])
        // The pause is one more control record; the snapshot and options are the same.
        let inputs = try #require(object["inputs"] as? [String: Any])
        let counts = (inputs["record_counts"] as? [[String: Any]] ?? []).map { "\($0["key"]!) \($0["before"]!)→\($0["after"]!)" }
        #expect(counts == ["control 2→3"], "\(inputs)")
        #expect(inputs["payload"] is NSNull && (inputs["snapshot_sections"] as? [Any])?.isEmpty == true)
        #expect((inputs["options"] as? [Any])?.isEmpty == true)
    }

    @Test func failOnRegressionExitsThreeOnReadyToDemoAndZeroOnDemoToReady() throws {
        let back = try Run.evpack(["diff", Self.packs.readyArchive, Self.packs.demo, "--fail-on-regression"])
        #expect(back.status == 3, "\(back.stderr)")
        #expect(back.stderr.contains("the decision went from GO to NO-GO BLOCKED_PENDING_DRY_RUN"), "\(back.stderr)")
        #expect(back.stdout.contains("Production decision: GO → NO-GO BLOCKED_PENDING_DRY_RUN — regressed"))
        let forward = try Run.evpack(["diff", Self.packs.demo, Self.packs.readyArchive, "--fail-on-regression"])
        #expect(forward.status == 0, "\(forward.stderr)")
        let paused = try Run.evpack(["diff", Self.packs.ready, Self.packs.paused, "--fail-on-regression", "--format", "markdown"])
        #expect(paused.status == 3)
        #expect(paused.stderr.contains("1 check regressed: operations.no_release_pause"), "\(paused.stderr)")
        // Without the flag a regression is reported, not an exit code.
        #expect(try Run.evpack(["diff", Self.packs.readyArchive, Self.packs.demo]).status == 0)
    }

    /// A missing pack is an input error (exit 2); a tampered one failed verification (exit 1,
    /// as `verify` and `summary` say), named with the reason.
    @Test func aMissingOrTamperedPackIsNamedWithItsExitStatus() throws {
        let missing = Self.packs.root.appendingPathComponent("no-such-pack").path
        let result = try Run.evpack(["diff", missing, Self.packs.demo])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(missing): old pack: cannot read"), "\(result.stderr)")
        // A payload file changed after sealing: BagIt fails, nothing is compared.
        let copy = Self.packs.root.appendingPathComponent("tampered").path
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: Self.packs.demo, toPath: copy)
        try Data("BFG_RELEASE_DECISION=GO\n".utf8).write(to: URL(fileURLWithPath: copy + "/data/packets/release.env"))
        let tampered = try Run.evpack(["diff", Self.packs.demo, copy])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("new pack \(copy): not a valid BagIt bag: data/packets/release.env"), "\(tampered.stderr)")
        #expect(tampered.stdout.isEmpty)
    }

    @Test func historyShowsEachPackOnceAndSaysWhenItsCopiesDisagree() throws {
        let folder = Self.packs.root.appendingPathComponent("history")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = URL(fileURLWithPath: Self.packs.ready).lastPathComponent
        try FileManager.default.copyItem(atPath: Self.packs.ready, toPath: folder.appendingPathComponent(name).path)
        // The paused build's archive holds a bag of the same name: the same pack, told apart.
        try FileManager.default.copyItem(atPath: Self.packs.paused + ".tar.gz", toPath: folder.appendingPathComponent(name + ".tar.gz").path)
        try FileManager.default.copyItem(atPath: Self.packs.demo, toPath: folder.appendingPathComponent(URL(fileURLWithPath: Self.packs.demo).lastPathComponent).path)
        let out = folder.appendingPathComponent("page/history.html").path
        try FileManager.default.createDirectory(atPath: folder.appendingPathComponent("page").path, withIntermediateDirectories: true)
        let result = try Run.evpack(["history", folder.path, "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2 packs in 2 sessions"), "\(result.stdout)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("default-src 'none'") && !html.contains("<script"))
        #expect(html.contains("href=\"../\(name)/data/index.html\""), "links are relative to the page")
        #expect(html.contains("folder and archive differ: decision GO → NO-GO BLOCKED_BY_OPERATIONS; 1 regressed"))
        #expect(html.components(separatedBy: "<svg class=\"spark\"").count - 1 == 2 * 13)
        let bad = try Run.evpack(["history", folder.appendingPathComponent("missing").path])
        #expect(bad.status == 2 && bad.stderr.contains("not a folder"))
    }
}
