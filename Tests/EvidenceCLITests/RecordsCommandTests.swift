import Foundation
import Testing
import TestSupport

/// `evpack ingest`, `check --records/--ledger` and `build --records` end to end.
@Suite struct RecordsCommandTests {
    static let secrets = ["tok_live_9f8e7d6c5b4a", "sk_live_should_never_leave", "ghp_tokenvalue", "token=abc", "S3cr3t", "bfg_admin"]

    @Test func ingestAppendsIdempotentlyAndCheckReadsTheLedger() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = folder.appendingPathComponent("ops.sqlite").path
        let first = try Run.evpack(["ingest", TestPaths.snapshot("ready-records.jsonl"), TestPaths.snapshot("records-bad-lines.jsonl"), "--ledger", ledger])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("ready-records.jsonl: 33 accepted, 0 rejected, 0 duplicates skipped"))
        #expect(first.stdout.contains("records-bad-lines.jsonl: 0 accepted, 10 rejected"))
        #expect(first.stdout.contains("rejected records-bad-lines.jsonl:1: not valid JSON"))
        #expect(first.stderr.isEmpty, "no progress bar when stderr is not a terminal")
        let again = try Run.evpack(["ingest", TestPaths.snapshot("ready-records.jsonl"), "--ledger", ledger])
        #expect(again.stdout.contains("already ingested"))
        #expect(again.stdout.contains("accepted: audit 0, run 0, usage 0, control 0, deploy 0, approval 0"))
        let check = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", ledger, "--require-go"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("32 accepted") && check.stdout.contains("10 rejected"))
        #expect(check.stdout.contains("Production GO"))
    }

    @Test func csvAndJSONLinesGiveTheSameAnswer() throws {
        let jsonl = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"), "--format", "json"])
        let csv = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.csv"), "--format", "json"])
        #expect(jsonl.status == 0 && csv.status == 0)
        // The rejects list names the file; everything else is the same.
        #expect(jsonl.stdout == csv.stdout)
        let signoffs = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("signoffs-audit.csv"), "--kind", "audit"])
        // The sign-offs alone corroborate the snapshot and break no other operations check.
        #expect(signoffs.stdout.contains("operations      6/6   OPERATIONS_CLEAR"), "\(signoffs.stdout)")
    }

    @Test func strictAndBadOptionsExitTwo() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = folder.appendingPathComponent("l.sqlite").path
        let strict = try Run.evpack(["ingest", TestPaths.snapshot("records-bad-lines.jsonl"), "--ledger", ledger, "--strict"])
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("records-bad-lines.jsonl:1: not valid JSON") && strict.stderr.contains("nothing was added"))
        let both = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("ready-records.jsonl"), "--ledger", ledger])
        #expect(both.status == 2 && both.stderr.contains("not both"))
        let missing = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", folder.appendingPathComponent("none.sqlite").path])
        #expect(missing.status == 2 && missing.stderr.contains("evpack ingest"))
        let window = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--window", "2d"])
        #expect(window.status == 2)
        let badPolicy = folder.appendingPathComponent("policy.json")
        try Data(#"{"prod": {"allowed_tags": ["v(\\d+"]}}"#.utf8).write(to: badPolicy)
        let policy = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--policy", badPolicy.path])
        #expect(policy.status == 2 && policy.stderr.contains("policy.prod.allowed_tags[0]: not a valid regular expression"), "\(policy.stderr)")
        let unreadable = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", "/nonexistent/r.jsonl"])
        #expect(unreadable.status == 2 && unreadable.stderr.contains("/nonexistent/r.jsonl"))
    }

    @Test func aPolicyFileAndTheWindowChangeTheAnswer() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let relaxed = folder.appendingPathComponent("policy.json")
        try Data(#"{"prod": {"allowed_ref_types": ["tag", "branch"], "allowed_branches": ["main"], "allowed_tags": ["v.*"], "approvals_required": 0}, "stage": {"allowed_ref_types": ["branch"], "allowed_branches": [".*"]}}"#.utf8).write(to: relaxed)
        let strict = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("records-deploy-violations.jsonl")])
        #expect(strict.stdout.contains("6 policy findings"))
        let loose = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("records-deploy-violations.jsonl"), "--policy", relaxed.path])
        // Branch refs, approvals and the window are relaxed; the overlapping stage jobs still hold the lock together.
        #expect(loose.stdout.contains("2 policy findings"), "\(loose.stdout)")
        // A one-hour window leaves yesterday's failed run out.
        let hour = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--records", TestPaths.snapshot("records-failed-run.jsonl"), "--window", "1h"])
        #expect(hour.stdout.contains("0 failed in the window"))
    }

    /// No secret from the inputs reaches the pack, its archive or what the commands print.
    @Test func noSecretFromTheInputsReachesAnyOutput() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        var printed = ""
        for snapshot in ["ready.json", "endpoint-secret.json"] {
            let build = try Run.evpack(["build", TestPaths.snapshot(snapshot), "--records", TestPaths.snapshot("ready-records.jsonl"),
                                        "--records", TestPaths.snapshot("ready-records.csv"), "--out", out.path])
            #expect(build.status == 0, "\(build.stderr)")
            printed += build.stdout + build.stderr
            let check = try Run.evpack(["check", TestPaths.snapshot(snapshot), "--records", TestPaths.snapshot("ready-records.jsonl"), "--format", "json"])
            printed += check.stdout + check.stderr
        }
        let ingest = try Run.evpack(["ingest", TestPaths.snapshot("ready-records.jsonl"), "--ledger", out.appendingPathComponent("l.sqlite").path])
        printed += ingest.stdout + ingest.stderr
        // Everything written, with the archives decompressed.
        let unpacked = out.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        for archive in try FileManager.default.contentsOfDirectory(atPath: out.path) where archive.hasSuffix(".tar.gz") {
            #expect(try Run.process("tar", ["-xzf", out.appendingPathComponent(archive).path, "-C", unpacked.path]).status == 0)
        }
        let grep = try Run.process("grep", ["-r", "-l", "-a", "-E", Self.secrets.joined(separator: "|"), out.path])
        #expect(grep.stdout.isEmpty, "secrets found in: \(grep.stdout)")
        for secret in Self.secrets { #expect(!printed.contains(secret), "\(secret) printed") }
        // The redactions are there instead.
        let records = try String(contentsOf: out.appendingPathComponent("evidence-grant-ready-bfg-d6f24eb0/data/inputs/records.jsonl"), encoding: .utf8)
        #expect(records.contains("\"session_token\":\"[REDACTED]\"") && records.contains("\"api_key\":\"[REDACTED]\""))
        #expect(records.contains("\"external_run_url\":\"https://ci.example/bfg/runs/1442\""))
    }
}
