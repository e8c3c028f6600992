import Foundation
import Testing
import TestSupport

/// `evpack rehearse` against a real PostgreSQL 15 with TLS and a non-superuser application
/// role, started by the test (SPEC §9). Every case asserts the evidence written, that the
/// password reaches no output, and that the target is exactly as before (a full `pg_dump`).
@Suite(.serialized) struct RehearsePostgresTests {
    static let at = "2026-11-30T10:00:00Z"
    static let demoChecksum = "7b2c7a5b"

    /// One rehearsal run: the process and the snapshot it wrote.
    struct Rehearsed {
        var result: ProcessResult
        var document: [String: Any]?
        var outPath: String
        var connection: [String: Any] { document?["connection"] as? [String: Any] ?? [:] }
        var dryRun: [String: Any] { document?["dry_run"] as? [String: Any] ?? [:] }
        func step(_ name: String) -> (status: String, transcript: String) {
            let steps = dryRun["steps"] as? [String: Any] ?? [:]
            let step = steps[name] as? [String: Any] ?? [:]
            return (step["status"] as? String ?? "", step["transcript"] as? String ?? "")
        }
        var connectionTranscript: String { connection["transcript"] as? String ?? "" }
        var verified: [String] { dryRun["verified_objects"] as? [String] ?? [] }
    }

    static let steps = ["snapshot_export", "schema_map_validation", "rbac_claims_rehearsal", "adapter_replay_transcript", "rollback_checkpoint"]
    static let objects = ["tenants", "users", "scenario_snapshots", "audit_events", "rls_enabled", "tenant_policies"]

    /// Runs `evpack rehearse` and checks what every run must hold: the target unchanged and
    /// no password anywhere in the output or the file written.
    func rehearse(
        _ server: PostgresServer, _ snapshot: String, url: String? = nil, environment: [String: String],
        unsetPGPASSWORD: Bool = false, extra: [String] = [], folder: URL, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Rehearsed {
        let out = folder.appendingPathComponent("rehearsed-\(UUID().uuidString).json").path
        let before = try dump(server)
        var arguments = ["rehearse", snapshot, "--target", url ?? server.url(), "--at", Self.at, "--out", out, "--connect-timeout", "5"] + extra
        var executable = TestPaths.evpack
        if unsetPGPASSWORD {
            arguments = ["-u", "PGPASSWORD", executable] + arguments
            executable = "/usr/bin/env"
        }
        let result = try Run.process(executable, arguments, environment: environment)
        let after = try dump(server)
        #expect(before == after, "the target changed: \(before.count) → \(after.count) bytes of pg_dump", sourceLocation: sourceLocation)
        let written = FileManager.default.contents(atPath: out)
        for secret in [server.appPassword, server.superPassword] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "a password reached the output", sourceLocation: sourceLocation)
            #expect(!String(decoding: written ?? Data(), as: UTF8.self).contains(secret), "a password reached the file", sourceLocation: sourceLocation)
        }
        let document = written.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        return Rehearsed(result: result, document: document, outPath: out)
    }

    /// The whole target database, schema and rows, as `pg_dump` writes it.
    func dump(_ server: PostgresServer) throws -> String {
        let dumped = try server.run("\(PostgresServer.bin)/pg_dump", ["-h", server.folder.path, "-p", String(server.port), "-U", "postgres", "-d", server.database])
        #expect(dumped.status == 0, "\(dumped.stderr)")
        // pg_dump 15.14+ brackets its output with \restrict/\unrestrict and a random key.
        return dumped.stdout.split(separator: "\n").filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }.joined(separator: "\n")
    }

    /// `evpack check --format json` of a snapshot file.
    func check(_ path: String) throws -> [String: Any] {
        let result = try Run.evpack(["check", path, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
    }

    func family(_ report: [String: Any], _ id: String) -> (ready: Int, decision: String?) {
        let family = (report["families"] as? [String: Any])?[id] as? [String: Any] ?? [:]
        return (family["ready"] as? Int ?? -1, family["decision"] as? String)
    }

    /// `openssl x509 -fingerprint -sha256` of the server certificate, in the evidence's form.
    func opensslFingerprint(_ server: PostgresServer) throws -> String {
        let result = try Run.process("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", server.certificatePath])
        let value = try #require(result.stdout.split(separator: "=", maxSplits: 1).last)
        return "SHA256:" + value.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
    }

    @Test func demoRehearsalRecordsEvidenceThatCheckAccepts() throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        let folder = TestPaths.temporaryFolder("evpack-rehearse")
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        let original = try check(TestPaths.snapshot("demo-local.json"))
        let run = try rehearse(server, TestPaths.snapshot("demo-local.json"), environment: ["PGPASSWORD": server.appPassword], folder: folder)
        #expect(run.result.status == 0, "\(run.result.stdout)\(run.result.stderr)")

        let connection = run.connection
        #expect(connection["snapshot_checksum"] as? String == original["payload_checksum"] as? String)
        #expect(connection["endpoint"] as? String == "postgres://127.0.0.1:\(server.port)/\(server.database)")
        #expect(connection["reachable"] as? Bool == true)
        #expect(connection["tls_fingerprint"] as? String == (try opensslFingerprint(server)))
        #expect(connection["rbac_actor"] as? String == "user_md_anna")
        #expect(connection["write_probe"] as? [String: Bool] == ["written": true, "read_back": true])
        #expect(connection["recorded_at"] as? String == Self.at)
        #expect(connection["recorded_by"] as? String == "user_md_anna")
        #expect(run.connectionTranscript.contains("select 1 -> 1"))

        let dryRun = run.dryRun
        #expect(dryRun["replay_id"] as? String == "replay-bfg-\(Self.demoChecksum)-20261130T100000Z")
        #expect(dryRun["ran_at"] as? String == Self.at)
        #expect(run.verified == Self.objects)
        for step in Self.steps {
            #expect(run.step(step).status == "passed", "\(step): \(run.step(step).transcript)")
        }
        #expect(run.step("snapshot_export").transcript.contains("bfg-\(Self.demoChecksum)"))
        #expect(run.step("schema_map_validation").transcript.contains("ran 14 of 14 statements"))
        #expect(run.step("rbac_claims_rehearsal").transcript.contains("tenant bfg-control sees 5 of its 5 actors"))
        #expect(run.step("rbac_claims_rehearsal").transcript.contains("tenant evpack-isolation-probe sees 0 actors"))
        #expect(run.step("adapter_replay_transcript").transcript.contains("equals the payload checksum"))
        #expect(run.step("rollback_checkpoint").transcript.contains("as before"))
        #expect(run.step("rollback_checkpoint").transcript.contains("fallback adapter file-local"))

        // The payload is untouched; check judges the evidence: 4/4 and 5/5, the next blocker.
        let rehearsed = try check(run.outPath)
        #expect(rehearsed["payload_checksum"] as? String == original["payload_checksum"] as? String)
        #expect(family(rehearsed, "connection").ready == 4)
        #expect(family(rehearsed, "dry_run").ready == 5)
        #expect(family(original, "release").decision == "BLOCKED_PENDING_DRY_RUN")
        #expect(family(rehearsed, "release").decision == "BLOCKED_PENDING_OWNER_SIGNOFF")
        #expect((rehearsed["production"] as? [String: Any])?["blocking"] as? String == "BLOCKED_PENDING_OWNER_SIGNOFF")

        // A pack of it verifies offline, replaying the recorded evidence.
        let packs = folder.appendingPathComponent("packs").path
        let built = try Run.evpack(["build", run.outPath, "--out", packs])
        #expect(built.status == 0, "\(built.stderr)")
        let archive = "\(packs)/evidence-grant-demo-local-bfg-\(Self.demoChecksum).tar.gz"
        let verified = try Run.evpack(["verify", archive])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let page = try String(contentsOfFile: "\(packs)/evidence-grant-demo-local-bfg-\(Self.demoChecksum)/data/connection.html", encoding: .utf8)
        #expect(page.contains("select 1 -&gt; 1"))
    }

    @Test func readySnapshotTakesItsPasswordFromTheCaller() throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        let folder = TestPaths.temporaryFolder("evpack-rehearse")
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        // vault:// is resolved by the caller, who injects the secret as PGPASSWORD.
        let ready = TestPaths.snapshot("ready.json")
        let viaVault = try rehearse(server, ready, environment: ["PGPASSWORD": server.appPassword], folder: folder)
        #expect(viaVault.result.status == 0, "\(viaVault.result.stdout)\(viaVault.result.stderr)")
        let report = try check(viaVault.outPath)
        #expect(family(report, "connection").ready == 4)
        #expect(family(report, "dry_run").ready == 5)
        #expect(viaVault.step("adapter_replay_transcript").transcript.contains("audit_events: wrote 5, read back 5"))

        // credentials_ref env://NAME is read from the environment, without PGPASSWORD.
        var document = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ready))) as? [String: Any])
        document["credentials_ref"] = "env://EVPACK_TARGET_PASSWORD"
        let envSnapshot = folder.appendingPathComponent("ready-env.json").path
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: envSnapshot))
        let viaEnv = try rehearse(server, envSnapshot, environment: ["EVPACK_TARGET_PASSWORD": server.appPassword], unsetPGPASSWORD: true, folder: folder)
        #expect(viaEnv.result.status == 0, "\(viaEnv.result.stdout)\(viaEnv.result.stderr)")
        #expect(viaEnv.connection["reachable"] as? Bool == true)

        // With neither: a usage error that names the reference; nothing written.
        let neither = try rehearse(server, ready, environment: [:], unsetPGPASSWORD: true, folder: folder)
        #expect(neither.result.status == 2)
        #expect(neither.result.stderr.contains("vault://bfg/staging/db-auth-session-adapter"))
        #expect(neither.document == nil)
        let unsetEnv = try rehearse(server, envSnapshot, environment: [:], unsetPGPASSWORD: true, folder: folder)
        #expect(unsetEnv.result.status == 2)
        #expect(unsetEnv.result.stderr.contains("EVPACK_TARGET_PASSWORD is not set"))
    }

    @Test func connectionFailuresAreEvidence() throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        let folder = TestPaths.temporaryFolder("evpack-rehearse")
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        let demo = TestPaths.snapshot("demo-local.json")

        // Unencrypted on a server that allows it: no fingerprint, connection 3/4, exit 0.
        let plain = try rehearse(server, demo, url: server.url(query: "sslmode=disable"), environment: ["PGPASSWORD": server.appPassword], folder: folder)
        #expect(plain.result.status == 0, "\(plain.result.stdout)\(plain.result.stderr)")
        #expect(plain.connection["tls_fingerprint"] is NSNull)
        #expect(family(try check(plain.outPath), "connection").ready == 3)
        #expect(family(try check(plain.outPath), "dry_run").ready == 5)

        // verify-full against the certificate the server presents (its SAN names localhost).
        let verifyFull = "postgres://\(server.appUser)@localhost:\(server.port)/\(server.database)?sslmode=verify-full&sslrootcert=\(server.certificatePath)"
        let verified = try rehearse(server, demo, url: verifyFull, environment: ["PGPASSWORD": server.appPassword], folder: folder)
        #expect(verified.result.status == 0, "\(verified.result.stdout)\(verified.result.stderr)")
        #expect(verified.connection["tls_fingerprint"] as? String == (try opensslFingerprint(server)))

        let wrongPassword = try rehearse(server, demo, environment: ["PGPASSWORD": "not-the-password"], folder: folder)
        let refusedPort = try PostgresServer.freePort()
        let refused = try rehearse(server, demo, url: "postgres://\(server.appUser)@127.0.0.1:\(refusedPort)/\(server.database)", environment: ["PGPASSWORD": server.appPassword], folder: folder)
        let started = Date()
        let unknown = try rehearse(server, demo, url: "postgres://\(server.appUser)@evpack-target.invalid/\(server.database)", environment: ["PGPASSWORD": server.appPassword], folder: folder)
        #expect(Date().timeIntervalSince(started) < 30, "an unknown host must fail within the connect timeout")
        for (run, reason) in [(wrongPassword, "password authentication failed"), (refused, "efused"), (unknown, "resolve")] {
            #expect(run.result.status == 1, "\(run.result.stdout)\(run.result.stderr)")
            #expect(run.connection["reachable"] as? Bool == false)
            #expect(run.connection["rbac_actor"] is NSNull)
            #expect(run.connection["write_probe"] as? [String: Bool] == ["written": false, "read_back": false])
            #expect(run.connectionTranscript.contains(reason), "\(run.connectionTranscript)")
            #expect(run.step("snapshot_export").status == "passed")
            #expect(run.step("schema_map_validation").status == "failed")
            #expect(run.step("schema_map_validation").transcript.contains("not connected"))
            for step in Self.steps.dropFirst(2) {
                #expect(run.step(step) == ("failed", "failed: not reached"))
            }
            #expect(!run.result.stdout.contains("not-the-password") && !run.result.stderr.contains("not-the-password"))
            #expect(!((try? String(contentsOfFile: run.outPath, encoding: .utf8)) ?? "").contains("not-the-password"))
        }
    }

    @Test func stepFailuresStopTheReplayAndLeaveTheTargetAsItWas() throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        let folder = TestPaths.temporaryFolder("evpack-rehearse")
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        let demo = TestPaths.snapshot("demo-local.json")

        // A superuser cannot prove isolation: the rbac step fails with the advice.
        let superuser = try rehearse(server, demo, url: server.url(user: "postgres"), environment: ["PGPASSWORD": server.superPassword], folder: folder)
        #expect(superuser.result.status == 1)
        #expect(superuser.step("schema_map_validation").status == "passed")
        #expect(superuser.step("rbac_claims_rehearsal").status == "failed")
        #expect(superuser.step("rbac_claims_rehearsal").transcript.contains("connect as the application role"))
        #expect(superuser.step("adapter_replay_transcript") == ("failed", "failed: not reached"))
        #expect(superuser.step("rollback_checkpoint") == ("failed", "failed: not reached"))
        #expect(family(try check(superuser.outPath), "dry_run").ready == 2)

        // A users table from before, without role_key: the schema map fails, nothing later runs.
        for statement in [
            "create schema bfg_flowcontrol authorization \(server.appUser)",
            "create table bfg_flowcontrol.users (user_id text primary key, tenant_id text not null)",
            "alter table bfg_flowcontrol.users owner to \(server.appUser)",
            "insert into bfg_flowcontrol.users values ('legacy_user', 'legacy')",
        ] {
            let made = try server.psql(command: statement, database: server.database)
            #expect(made.status == 0, "\(made.stderr)")
        }
        let legacy = try rehearse(server, demo, environment: ["PGPASSWORD": server.appPassword], folder: folder)
        #expect(legacy.result.status == 1)
        #expect(legacy.step("schema_map_validation").status == "failed")
        #expect(legacy.step("schema_map_validation").transcript.contains("users lacks the runbook columns role_key, display_name, permissions"))
        #expect(legacy.verified == ["tenants", "scenario_snapshots", "audit_events", "rls_enabled", "tenant_policies"])
        for step in Self.steps.dropFirst(2) {
            #expect(legacy.step(step) == ("failed", "failed: not reached"))
        }
        let kept = try server.psql(command: "select user_id from bfg_flowcontrol.users", database: server.database)
        #expect(kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "legacy_user")
        let dropped = try server.psql(command: "drop schema bfg_flowcontrol cascade", database: server.database)
        #expect(dropped.status == 0, "\(dropped.stderr)")

        // An actor without a role: the users table requires one, so the step names the actor.
        var document = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: demo))) as? [String: Any])
        var actors = try #require(document["actors"] as? [[String: Any]])
        actors[1]["role"] = NSNull()
        document["actors"] = actors
        let roleless = folder.appendingPathComponent("demo-roleless.json").path
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: roleless))
        let noRole = try rehearse(server, roleless, environment: ["PGPASSWORD": server.appPassword], folder: folder)
        #expect(noRole.result.status == 1, "\(noRole.result.stdout)\(noRole.result.stderr)")
        #expect(noRole.step("schema_map_validation").status == "passed")
        #expect(noRole.step("rbac_claims_rehearsal").status == "failed")
        #expect(noRole.step("rbac_claims_rehearsal").transcript.contains("inserting actor user_dispatcher_marek (role none"))
        #expect(noRole.step("rbac_claims_rehearsal").transcript.contains("role_key"))
        #expect(noRole.step("adapter_replay_transcript") == ("failed", "failed: not reached"))
        #expect(noRole.step("rollback_checkpoint") == ("failed", "failed: not reached"))
    }
}
