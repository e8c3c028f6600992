import Foundation
import Testing
import TestSupport

/// The ledger many runners share, `--ledger postgres://…` (SPEC §11, issue 15), against a real
/// PostgreSQL 15 started by the test (TLS, a non-superuser role): the same answers and the same
/// packs as the SQLite ledger, many writers at once, and nothing half-added by a killed ingest
/// or a dropped connection.
@Suite(.serialized) struct PostgresLedgerTests {
    /// A cluster with its application role's password in PGPASSWORD for every evpack run.
    struct Cluster: Sendable {
        let server: PostgresServer
        let folder: URL
        var url: String { server.url() }
        var environment: [String: String] { ["PGPASSWORD": server.appPassword] }

        init() throws {
            server = try PostgresServer.start()
            folder = TestPaths.temporaryFolder("evpack-pg-ledger")
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(at: folder)
        }

        func evpack(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
            let result = try Run.evpack(arguments, environment: environment)
            #expect(!result.stdout.contains(server.appPassword) && !result.stderr.contains(server.appPassword),
                    "the password reached the output", sourceLocation: sourceLocation)
            return result
        }

        func start(_ arguments: [String]) throws -> SpawnedProcess {
            try Run.start(TestPaths.evpack, arguments, environment: environment)
        }

        /// One number from the ledger, read by the superuser.
        func count(_ sql: String) throws -> Int {
            let result = try server.psql(command: sql, database: server.database)
            #expect(result.status == 0, "\(result.stderr)")
            return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        /// Every row of the ledger: the documents, each kind, the rejects, the files.
        func rows() throws -> [Int] {
            try ["record_doc", "audit", "run", "usage", "control", "deploy", "approval", "reject", "ingest_file"].map {
                try count("SELECT count(*) FROM evpack.\($0)")
            }
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// A file of generated records (ids start with `prefix`).
        func generate(_ name: String, records: Int, seed: Int, prefix: String) throws -> String {
            let out = path(name)
            let made = try Run.process(TestPaths.generator, ["--records", String(records), "--seed", String(seed), "--id-prefix", prefix, "--out", out])
            #expect(made.status == 0, "\(made.stderr)")
            return out
        }

        /// Polls the server until the application role runs a statement that `matches`; its pid.
        func waitForStatement(timeout: Double, _ matches: (String) -> Bool) throws -> Int? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let active = try server.psql(command: """
                    SELECT pid || ' ' || replace(left(query, 40), E'\\n', ' ') FROM pg_stat_activity
                    WHERE usename = '\(server.appUser)' AND state = 'active'
                    """)
                for line in active.stdout.split(separator: "\n") {
                    let parts = line.split(separator: " ", maxSplits: 1)
                    if parts.count == 2, matches(String(parts[1])) { return Int(parts[0]) }
                }
                usleep(20_000)
            }
            return nil
        }
    }

    /// Records with every path through the rules: rejects, duplicates (identical content written
    /// differently), conflicts, across files and a file given twice.
    static func mixedRecords(_ folder: URL) throws -> [String] {
        let lines = try String(contentsOfFile: TestPaths.snapshot("ready-records.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        let run = #"{"kind":"run","id":"r-x","type":"t","status":"queued","workspace_id":"w","created_at":"2026-11-20T08:00:00Z"}"#
        let a = lines.prefix(20) + ["not json", #"{"kind":"audit","id":"zz"}"#, lines[3], lines[4].replacingOccurrences(of: #""id":"#, with: #""x":1,"id":"#)]
        let b = [lines[5], lines[5].replacingOccurrences(of: " ", with: "")] + lines.dropFirst(20)
            + [run, run.replacingOccurrences(of: #""w""#, with: #""w2""#), run.replacingOccurrences(of: #""kind":"run","#, with: #""kind": "run", "#)]
        let paths = [folder.appendingPathComponent("a.jsonl").path, folder.appendingPathComponent("b.jsonl").path]
        try (a.joined(separator: "\n") + "\n").write(toFile: paths[0], atomically: true, encoding: .utf8)
        try (b.joined(separator: "\n") + "\n").write(toFile: paths[1], atomically: true, encoding: .utf8)
        return [paths[0], paths[1], paths[0]]
    }

    @Test func bothBackendsGiveTheSameReportsAndByteIdenticalPacks() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let files = try Self.mixedRecords(cluster.folder)
        let sqlite = cluster.path("ledger.sqlite")
        let initialized = try cluster.evpack(["ledger", "init", cluster.url])
        #expect(initialized.status == 0 && initialized.stdout.contains("created"), "\(initialized.stdout) \(initialized.stderr)")
        #expect(!initialized.stdout.contains(cluster.server.appUser + "@"), "the URL is shown without its user info")
        #expect(try cluster.evpack(["ledger", "init", cluster.url]).stdout.contains("already there"))
        #expect(try cluster.count("SELECT max(version) FROM evpack.schema_version") == 1)

        var reports: [String] = []
        for ledger in [sqlite, cluster.url] {
            let ingest = try cluster.evpack(["ingest"] + files + ["--ledger", ledger])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            reports.append(ingest.stdout)
        }
        #expect(reports[0] == reports[1])
        #expect(reports[1].contains("duplicate audit id with different content (first at a.jsonl:5)"), "\(reports[1])")
        #expect(reports[1].contains("a.jsonl: already ingested"), "\(reports[1])")

        var archives: [Data] = []
        var checks: [String] = []
        for (index, ledger) in [sqlite, cluster.url].enumerated() {
            let check = try cluster.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", ledger, "--format", "json"])
            #expect(check.status == 0, "\(check.stderr)")
            checks.append(check.stdout)
            let out = cluster.path("out\(index)")
            let build = try cluster.evpack(["build", TestPaths.snapshot("ready.json"), "--ledger", ledger, "--out", out, "--format", "json"])
            #expect(build.status == 0, "\(build.stderr)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(build.stdout.utf8)) as? [String: Any])
            let archive = try #require(object["archive"] as? String)
            archives.append(try Data(contentsOf: URL(fileURLWithPath: archive.hasPrefix("/") ? archive : out + "/" + (archive as NSString).lastPathComponent)))
        }
        #expect(checks[0] == checks[1])
        #expect(archives[0] == archives[1], "the archives from both backends are byte-identical")

        // The password never in a URL; a reader on a database without a ledger says so.
        let withPassword = try cluster.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger",
                                               cluster.url.replacingOccurrences(of: "evpack_app@", with: "evpack_app:hunter2@")])
        #expect(withPassword.status == 2 && withPassword.stderr.contains("holds a password") && !withPassword.stderr.contains("hunter2"))
        let noLedger = try cluster.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", cluster.server.url(user: cluster.server.appUser).replacingOccurrences(of: "/evpack_target", with: "/postgres")])
        #expect(noLedger.status == 2 && noLedger.stderr.contains("no ledger there"), "\(noLedger.stderr)")
        let noPassword = try Run.process("/usr/bin/env", ["-u", "PGPASSWORD", TestPaths.evpack, "ingest", files[0], "--ledger", cluster.url])
        #expect(noPassword.status == 2 && noPassword.stderr.contains("PGPASSWORD"), "\(noPassword.stderr)")
        let byReference = try Run.process("/usr/bin/env", ["-u", "PGPASSWORD", "LEDGER_PW=\(cluster.server.appPassword)", TestPaths.evpack,
                                                           "check", TestPaths.snapshot("ready.json"), "--ledger", cluster.url,
                                                           "--ledger-credentials", "env://LEDGER_PW", "--format", "json"])
        #expect(byReference.status == 0 && byReference.stdout == checks[0], "\(byReference.stderr)")
    }

    /// One table of operations cases, each answered by both backends: the same JSON from
    /// `check`, and the status the case is about.
    @Test func theOperationsQueriesMeanTheSameOnBothBackends() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let at = "2026-11-20T"
        let cases: [(name: String, records: [String], check: String, status: String)] = [
            ("no records", [], "records_present", "review"),
            ("stuck queued run", [#"{"kind":"run","id":"r1","type":"t","status":"queued","workspace_id":"w1","created_at":"\#(at)07:00:00Z"}"#], "no_stuck_runs", "review"),
            ("failed run in window", [#"{"kind":"run","id":"r2","type":"t","status":"completed","outcome":"failed","workspace_id":"w1","created_at":"\#(at)07:00:00Z","completed_at":"\#(at)08:00:00Z"}"#], "no_failed_runs", "review"),
            ("release pause", [#"{"kind":"control","id":"c1","control_key":"release.cutover","scope":"global","reason":"freeze for audit","actor_id":"u1","activated_at":"\#(at)07:00:00Z"}"#], "no_release_pause", "blocked"),
            ("resumed pause", [#"{"kind":"control","id":"c2","control_key":"release.cutover","scope":"global","reason":"freeze for audit","actor_id":"u1","activated_at":"\#(at)07:00:00Z","resumed_at":"\#(at)08:00:00Z"}"#], "no_release_pause", "ready"),
            ("prod deploy without approvals, overlapping", [
                #"{"kind":"deploy","id":"d1","project":"p","environment":"prod","type":"deploy","ref_type":"tag","ref_name":"v1.0.0","requested_by":"u1","requested_at":"\#(at)07:00:00Z","status":"success","started_at":"\#(at)07:10:00Z","finished_at":"\#(at)07:40:00Z"}"#,
                #"{"kind":"deploy","id":"d2","project":"p","environment":"prod","type":"deploy","ref_type":"branch","ref_name":"main","requested_by":"u1","requested_at":"\#(at)07:20:00Z","status":"running","started_at":"\#(at)07:30:00Z"}"#,
                #"{"kind":"approval","id":"a1","job_id":"d1","user_id":"u1","decision":"approved","decided_at":"\#(at)07:05:00Z"}"#,
                #"{"kind":"approval","id":"a2","job_id":"d1","user_id":"u2","decision":"rejected","decided_at":"\#(at)07:06:00Z"}"#,
            ], "deploy_policy", "review"),
            ("touching deploy holds", [
                #"{"kind":"deploy","id":"d3","project":"p","environment":"stage","type":"deploy","ref_type":"branch","ref_name":"develop","requested_by":"u1","requested_at":"\#(at)07:00:00Z","status":"success","started_at":"\#(at)07:00:00Z","finished_at":"\#(at)07:30:00Z"}"#,
                #"{"kind":"deploy","id":"d4","project":"p","environment":"stage","type":"deploy","ref_type":"branch","ref_name":"develop","requested_by":"u1","requested_at":"\#(at)07:30:00Z","status":"success","started_at":"\#(at)07:30:00Z","finished_at":"\#(at)08:00:00Z"}"#,
            ], "deploy_policy", "ready"),
            ("telemetry at the 90-day edge", [
                #"{"kind":"usage","id":"u1","event_name":"product.operations.started","workspace_id":"w1","tenant_id":"t1","user_id":"x","subject_type":"s","subject_id":"s1","occurred_at":"2026-08-22T09:00:00Z"}"#,
                #"{"kind":"usage","id":"u2","event_name":"product.operations.started","workspace_id":"w2","tenant_id":"t1","user_id":"x","subject_type":"s","subject_id":"s1","occurred_at":"\#(at)08:30:00Z"}"#,
                #"{"kind":"audit","id":"au1","recorded_at":"\#(at)08:00:00Z","action":"x","status":"denied","workspace_id":"w3"}"#,
            ], "records_present", "ready"),
        ]
        for (index, item) in cases.enumerated() {
            let file = cluster.path("case\(index).jsonl")
            try (item.records.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let sqlite = cluster.path("case\(index).sqlite")
            // Each case on its own PostgreSQL ledger: a schema of its own is a database of its own.
            let database = "case\(index)"
            #expect(try cluster.server.psql(command: "CREATE DATABASE \(database) OWNER \(cluster.server.appUser)").status == 0)
            let url = cluster.url.replacingOccurrences(of: "/\(cluster.server.database)", with: "/\(database)")
            var outputs: [String] = []
            for ledger in [sqlite, url] {
                let ingest = try cluster.evpack(["ingest", file, "--ledger", ledger])
                #expect(ingest.status == 0, "\(item.name): \(ingest.stderr)")
                let check = try cluster.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", ledger, "--format", "json"])
                #expect(check.status == 0, "\(item.name): \(check.stderr)")
                outputs.append(check.stdout)
            }
            #expect(outputs[0] == outputs[1], "\(item.name): the backends disagree")
            let object = try #require(JSONSerialization.jsonObject(with: Data(outputs[1].utf8)) as? [String: Any])
            let operations = (object["families"] as? [String: Any])?["operations"] as? [String: Any]
            let status = (operations?["checks"] as? [String: Any])?[item.check] as? String
            #expect(status == item.status, "\(item.name): \(item.check) is \(status ?? "missing")")
        }
    }

    /// 4 × 50 000 generated records ingested at once (and one file twice) while a reader loops
    /// `check`: every ingest exits 0, every record is stored once, the repeated file is reported
    /// as already ingested by one of its two ingests, and the reader sees only whole ingests.
    @Test func concurrentIngestsAndAReaderDuringThem() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let files = try (0..<4).map { try cluster.generate("part\($0).jsonl", records: 50_000, seed: $0 + 1, prefix: "p\($0)-") }
        let reference = cluster.path("reference.sqlite")
        let sequential = try cluster.evpack(["ingest"] + files + ["--ledger", reference])
        #expect(sequential.status == 0, "\(sequential.stderr)")
        let perFile = LedgerConcurrencyTests.accepted(sequential.stdout)
        #expect(perFile.count == 4)
        #expect(try cluster.evpack(["ledger", "init", cluster.url]).status == 0)

        let log = CheckLoop { try? cluster.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", cluster.url, "--format", "json"]) }
        let started = Date()
        let ingests = try (files + [files[0]]).map { try cluster.start(["ingest", $0, "--ledger", cluster.url]) }
        let codes = ingests.map { $0.wait(timeout: 900) }
        let seconds = Date().timeIntervalSince(started)
        log.finish()

        for (index, ingest) in ingests.enumerated() {
            #expect(codes[index] == 0, "ingest \(index): \(ingest.stderr)")
        }
        let twice = [ingests[0].stdout, ingests[4].stdout]
        #expect(twice.filter { $0.contains("already ingested") }.count == 1, "\(twice)")
        let expected = perFile.values.reduce(0, +)
        let rows = try cluster.rows()
        #expect(rows[0] == expected && rows[1...6].reduce(0, +) == expected, "\(rows)")
        #expect(rows[8] == 4, "four files, the repeated one once")
        // The same records as the SQLite ledger holds, so the same checks and counts (the lists
        // of rejects follow commit order, which here is not the files' order).
        let answers = try [reference, cluster.url].map { ledger in
            let check = try cluster.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", ledger, "--format", "json"])
            let object = try #require(JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
            return [object["families"], object["records"], object["production"]].map { value in
                (try? JSONSerialization.data(withJSONObject: value ?? NSNull(), options: [.sortedKeys])) ?? Data()
            }
        }
        #expect(answers[0] == answers[1])

        log.expectWholeIngests(base: 0, perFile: Array(perFile.values))
        print("postgres ledger: 5 ingests of 50000 records at once in \(String(format: "%.1f", seconds)) s; \(log.totals.count) checks during them, totals \(Set(log.totals).sorted())")
    }

    /// An ingest killed (SIGKILL) while it streams, one whose connection the
    /// server drops (pg_terminate_backend), and one that waits too long for its turn: nothing of
    /// any is in the ledger, the last two say
    /// why, and the ledger takes the same file afterwards.
    @Test func aKilledIngestAndADroppedConnectionAddNothing() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let seed = try cluster.evpack(["ingest", TestPaths.snapshot("ready-records.jsonl"), "--ledger", cluster.url])
        #expect(seed.status == 0, "\(seed.stderr)")
        let before = try cluster.rows()
        let big = try cluster.generate("big.jsonl", records: 100_000, seed: 5, prefix: "k-")

        let killed = try cluster.start(["ingest", big, "--ledger", cluster.url])
        let copying = try cluster.waitForStatement(timeout: 120) { $0.hasPrefix("COPY") }
        #expect(copying != nil, "the ingest was seen streaming")
        killed.send(SIGKILL)
        _ = killed.wait(timeout: 60)
        // The server notices the closed connection and rolls the transaction back.
        var after = try cluster.rows()
        for _ in 0..<100 where after != before {
            usleep(100_000)
            after = try cluster.rows()
        }
        #expect(after == before, "a killed ingest added nothing")

        let dropped = try cluster.start(["ingest", big, "--ledger", cluster.url])
        let pid = try cluster.waitForStatement(timeout: 120) { $0.hasPrefix("COPY") }
        let terminated = try cluster.server.psql(command: "SELECT pg_terminate_backend(\(try #require(pid)))")
        #expect(terminated.stdout.contains("t"), "\(terminated.stderr)")
        let code = dropped.wait(timeout: 120)
        #expect(code == 2, "exit \(code.map(String.init) ?? "none"): \(dropped.stderr)")
        #expect(dropped.stderr.contains("nothing was added") && dropped.stderr.contains("127.0.0.1"), "\(dropped.stderr)")
        #expect(!dropped.stderr.contains(cluster.server.appPassword))
        #expect(try cluster.rows() == before, "a dropped connection added nothing")

        // Another holder of the ledger's turn for longer than --busy-timeout: the ingest stops
        // after the bound, says the ledger was busy, adds nothing; a reader is not held up.
        let psql = (getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []) + ["\(PostgresServer.bin)/psql", "-X", "-q", "-h",
            cluster.server.folder.path, "-p", String(cluster.server.port), "-U", "postgres", "-d", cluster.server.database, "-c",
            "BEGIN; LOCK TABLE evpack.ingest_file IN EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT"]
        let holder = try Run.start(psql[0], Array(psql.dropFirst()))
        defer { holder.send(SIGKILL) }
        var held = 0
        for _ in 0..<300 where held == 0 {
            held = try cluster.count("""
                SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE c.relname = 'ingest_file' AND l.mode = 'ExclusiveLock' AND l.granted
                """)
            if held == 0 { usleep(20_000) }
        }
        #expect(held == 1, "the holder took the ledger's turn")
        let started = Date()
        let busy = try cluster.evpack(["ingest", TestPaths.snapshot("records-bad-lines.jsonl"), "--ledger", cluster.url, "--busy-timeout", "1"])
        let waited = Date().timeIntervalSince(started)
        #expect(busy.status == 2 && busy.stderr.contains("busy") && busy.stderr.contains("nothing was added"), "\(busy.stderr)")
        #expect(waited < 6, "waited for the bound, not for the lock: \(waited) s")
        let reader = try cluster.evpack(["check", TestPaths.snapshot("ready.json"), "--ledger", cluster.url, "--format", "json"])
        #expect(reader.status == 0, "\(reader.stderr)")
        #expect(try cluster.rows() == before)

        let again = try cluster.evpack(["ingest", big, "--ledger", cluster.url])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try cluster.rows()[8] == before[8] + 1)
    }
}
