import Foundation
import Testing
import TestSupport

/// SPEC §4 "Sanitizing", end to end: secrets planted in every place an input can hold one
/// reach no output — not stdout or stderr, not a pack file, not an archive, not a ledger,
/// not a temporary file.
@Suite(.serialized) struct SecretPlantTests {
    /// The planted secrets: each string must never be found in any output.
    final class Plant {
        var needles: [String] = []
        private var counter = 0

        /// A new distinct secret word.
        func word(_ label: String) -> String {
            counter += 1
            let secret = "plant\(label)\(counter)Zq"
            needles.append(secret)
            return secret
        }

        func add(_ secret: String) -> String {
            needles.append(secret)
            return secret
        }

        func jwt() -> String {
            counter += 1
            let body = Data(#"{"sub":"plant-jwt-\#(counter)"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            return add("eyJhbGciOiJIUzI1NiJ9.\(body).c2lnLXBsYW50LTAw\(counter)")
        }

        func aws() -> String {
            counter += 1
            return add("AKIAPLNT" + String(format: "%012d", counter))
        }

        func github(_ type: Character = "p") -> String {
            counter += 1
            let body = "PlantGitHubToken" + String(format: "%020d", counter)
            return add("gh\(type)_" + body)
        }

        func pem() -> String {
            let body = word("PemBody")
            return "-----BEGIN PRIVATE KEY-----\nMIIEvQ\(body)AgEAMA0\n-----END PRIVATE KEY-----"
        }

        func bearer() -> String { "Bearer " + word("Bearer") + "X9.y" }

        func basic() -> String {
            let user = word("BasicUser"), password = word("BasicPass")
            return "Basic " + add(Data("\(user):\(password)".utf8).base64EncodedString())
        }

        func url() -> String {
            "https://" + word("UrlUser") + ":" + word("UrlPass") + "@ci.example/run/7?token=" + word("UrlQuery") + "#" + word("UrlFrag")
        }

        func libpq() -> String { "host=db.example port=5432 user=bfg password=" + word("Libpq") + " dbname=bfg" }
        func ado() -> String { "Server=db.example;User Id=bfg;Password=" + word("Ado") + ";Database=bfg" }
        func jdbc() -> String { "jdbc:sqlserver://db.example:1433;databaseName=bfg;user=sa;password=" + word("Jdbc") + ";" }

        /// One value of every shape, for a place that takes free text.
        func everyShape() -> [String] {
            [url(), libpq(), ado(), jdbc(), jwt(), pem(), bearer(), basic(), aws(), github("o")]
        }
    }

    static func object(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func write(_ value: Any, to url: URL) throws {
        try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }

    /// ready.json with secrets outside the payload: unknown keys at depth 1 to 5 in every
    /// section, value shapes in free-text fields, the endpoint in the given form.
    static func plantedSnapshot(_ plant: Plant, endpoint: String) throws -> [String: Any] {
        var root = try object(TestPaths.snapshot("ready.json"))
        var connection = root["connection"] as! [String: Any]
        connection["endpoint"] = endpoint
        connection["Authorization"] = plant.bearer()
        connection["api_key"] = plant.word("ConnKey")
        var probe = connection["write_probe"] as! [String: Any]
        probe["secret"] = plant.word("ProbeSecret")
        probe["details"] = ["nested": ["session_id": plant.word("ProbeSession"), "deeper": ["ssh_key": plant.word("ProbeSsh")]]]
        connection["write_probe"] = probe
        connection["notes"] = plant.everyShape()
        root["connection"] = connection

        var dryRun = root["dry_run"] as! [String: Any]
        var steps = dryRun["steps"] as! [String: Any]
        var export = steps["snapshot_export"] as! [String: Any]
        export["transcript"] = "exported; " + plant.bearer() + " and " + plant.libpq()
        export["cookie"] = plant.word("StepCookie")
        steps["snapshot_export"] = export
        var replay = steps["adapter_replay_transcript"] as! [String: Any]
        replay["transcript"] = "replayed with " + plant.jwt()
        replay["meta"] = ["a": ["b": ["access_key": plant.word("StepAccess")]]]
        steps["adapter_replay_transcript"] = replay
        dryRun["steps"] = steps
        dryRun["operator"] = ["token": plant.word("DryToken"), "log": plant.everyShape()]
        root["dry_run"] = dryRun

        var rehearsals = root["rehearsals"] as! [[String: Any]]
        rehearsals[0]["password"] = plant.word("RehPassword")
        rehearsals[1]["evidence"] = ["link": plant.url(), "x": ["y": ["z": ["private_key": plant.pem()]]]]
        rehearsals[2]["note"] = plant.ado()
        root["rehearsals"] = rehearsals

        var infrastructure = root["infrastructure"] as! [String: Any]
        var hosting = infrastructure["hosting"] as! [String: Any]
        hosting["credential"] = plant.word("InfraCredential")
        hosting["vendor_contact"] = plant.url()
        infrastructure["hosting"] = hosting
        var backup = infrastructure["secrets_backup"] as! [String: Any]
        backup["value"] = (backup["value"] as! String) + "; restore with " + plant.jdbc()
        infrastructure["secrets_backup"] = backup
        root["infrastructure"] = infrastructure

        root["release"] = ["environment": "staging", "Bearer": plant.word("RelBearer"), "pipeline": plant.url(),
                           "keys": ["aws": plant.aws(), "gh": plant.github(), "passwd": plant.word("RelPasswd")]]
        root["rollback"] = ["owner": "user_md_anna", "owner_ack_at": "2026-11-19T15:30:00Z", "pwd": plant.word("RbPwd"),
                            "runbook": ["step": ["dsn": plant.libpq(), "deep": ["deeper": ["api-key": plant.word("RbApiKey")]]]]]
        var environments = root["environments"] as! [[String: Any]]
        environments[1]["session-id"] = plant.word("EnvSession")
        environments[1]["console"] = plant.basic()
        root["environments"] = environments
        return root
    }

    /// JSON Lines records with secrets by key (metadata, failure summaries, unknown fields at
    /// any depth) and by value, and rejected lines that hold secrets.
    static func plantedJSONLines(_ plant: Plant) throws -> String {
        var metadata: [String: Any] = [:]
        for key in ["bearer", "pwd", "ssh_key", "session_id", "access_key", "Authorization", "cookie", "api_key", "private_key",
                    "credential", "token", "password", "passwd", "secret", "X-Session-Id", "sessionId", "sshKey", "accessKey"] {
            metadata[key] = plant.word("Meta")
        }
        metadata["links"] = [plant.url(), plant.url()]
        metadata["free"] = plant.everyShape()
        let audit: [String: Any] = [
            "kind": "audit", "id": "plant-aud-1", "recorded_at": "2026-11-20T08:00:00Z", "action": "scenario.write",
            "actor_id": "user_md_anna", "workspace_id": "ws-bfg-control", "metadata": metadata,
            "api_token": plant.word("TopToken"), "extra": ["a": ["b": ["c": ["password": plant.word("DeepPassword")]]]],
            "comment": plant.libpq(),
        ]
        let run: [String: Any] = [
            "kind": "run", "id": "plant-run-1", "type": "replay", "status": "completed", "outcome": "succeeded",
            "workspace_id": "ws-bfg-control", "created_at": "2026-11-20T07:00:00Z", "initiator": plant.pem(),
            "failure_summary": [["Authorization": plant.bearer()], ["message": "auth failed for " + plant.url()], ["dsn": plant.ado()]],
            "summary_counts": ["rows": 3, "token": plant.word("CountToken")],
        ]
        let deploy: [String: Any] = [
            "kind": "deploy", "id": "plant-dep-1", "project": "bfg", "environment": "stage", "type": "deploy", "ref_type": "branch",
            "ref_name": "develop", "requested_by": "user_md_anna", "requested_at": "2026-11-20T08:10:00Z", "status": "queued",
            "external_run_url": plant.url(),
        ]
        let approval: [String: Any] = [
            "kind": "approval", "id": "plant-apr-1", "job_id": "plant-dep-1", "user_id": "user_dispatcher_marek", "decision": "approved",
            "decided_at": "2026-11-20T08:20:00Z", "note": "approved; " + plant.basic() + " " + plant.jwt(),
        ]
        let control: [String: Any] = [
            "kind": "control", "id": "plant-ctl-1", "control_key": "restore.execute", "scope": "workspace", "workspace_id": "ws-other",
            "reason": "restore paused: " + plant.libpq(), "actor_id": "user_md_anna", "activated_at": "2026-11-20T07:00:00Z",
            "resumed_at": "2026-11-20T07:30:00Z",
        ]
        var lines = try [audit, run, deploy, approval, control].map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
        }
        // Rejected lines: not JSON, a missing field, a secret in a token field, a secret usage value.
        lines.append(#"{"kind":"audit","id":"plant-bad-1","password":"\#(plant.word("BadJson"))", oops}"#)
        lines.append(#"{"kind":"audit","id":"plant-bad-2","action":"x","metadata":{"token":"\#(plant.word("BadMissing"))"}}"#)
        lines.append(#"{"kind":"audit","id":"plant-bad-3","recorded_at":"2026-11-20T08:00:00Z","action":"x","subject_id":"\#(plant.github("s"))"}"#)
        lines.append(#"{"kind":"usage","id":"plant-bad-4","event_name":"product.operations.started","workspace_id":"w","tenant_id":"t","user_id":"u","subject_type":"s","subject_id":"s","occurred_at":"2026-11-20T08:00:00Z","metadata":{"operation_type":"\#(plant.aws())"}}"#)
        lines.append(#"{"kind":"deploy","id":"plant-bad-5","project":"bfg","environment":"nowhere","ref_name":"\#(plant.jwt())"}"#)
        return lines.joined(separator: "\n") + "\n"
    }

    /// CSV records: an unknown secret-named column, JSON cells with secret keys, free-text
    /// cells with secret values, and a rejected row.
    static func plantedCSV(_ plant: Plant) -> String {
        func cell(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let header = "kind,id,recorded_at,action,metadata,db_password,note,job_id,user_id,decision,decided_at"
        let audit = ["audit", "plant-csv-aud-1", "2026-11-20T08:30:00Z", "scenario.read",
                     cell(#"{"session_id":"\#(plant.word("CsvSession"))","url":"\#(plant.url())","k":{"ssh-key":"\#(plant.word("CsvSsh"))"}}"#),
                     cell(plant.word("CsvColumn")), cell(plant.ado()), "", "", "", ""]
        let approval = ["approval", "plant-csv-apr-1", "", "", "", cell(plant.word("CsvColumn")), cell(plant.jwt() + " " + plant.bearer()),
                        "plant-dep-1", "user_accountant_olena", "approved", "2026-11-20T08:40:00Z"]
        let short = ["audit", "plant-csv-bad-1", cell(plant.word("CsvShortRow"))]
        return ([header] + [audit, approval, short].map { $0.joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    /// Every file under `folder` that holds one of the needles (grep -F over the bytes).
    static func grep(_ needles: [String], in folder: URL, patterns: URL) throws -> String {
        try needles.joined(separator: "\n").write(to: patterns, atomically: true, encoding: .utf8)
        return try Run.process("grep", ["-r", "-a", "-o", "-F", "-f", patterns.path, folder.path]).stdout
    }

    @Test func plantedSecretsReachNoOutput() throws {
        let root = TestPaths.temporaryFolder("evpack-plant")
        defer { try? FileManager.default.removeItem(at: root) }
        let inputs = root.appendingPathComponent("inputs"), results = root.appendingPathComponent("results")
        let tmp = results.appendingPathComponent("tmp")
        for folder in [inputs, tmp] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let environment = ["TMPDIR": tmp.path]

        let plant = Plant()
        let forms: [(String, String)] = [("url", "postgres://bfg_admin_" + plant.word("EpUser") + ":" + plant.word("EpPass")
                                              + "@db.staging.bfg.example:5432/bfg_flowcontrol?sslmode=require&password=" + plant.word("EpQuery")),
                                         ("libpq", plant.libpq()), ("jdbc", plant.jdbc())]
        var snapshots: [(String, String)] = []
        for (form, endpoint) in forms {
            let url = inputs.appendingPathComponent("ready-\(form).json")
            try Self.write(try Self.plantedSnapshot(plant, endpoint: endpoint), to: url)
            snapshots.append((form, url.path))
        }
        let jsonl = inputs.appendingPathComponent("plant.jsonl"), csv = inputs.appendingPathComponent("plant.csv")
        try Self.plantedJSONLines(plant).write(to: jsonl, atomically: true, encoding: .utf8)
        try Self.plantedCSV(plant).write(to: csv, atomically: true, encoding: .utf8)
        #expect(Set(plant.needles).count == plant.needles.count, "the planted secrets are distinct")
        #expect(plant.needles.count >= 80, "\(plant.needles.count) secrets planted")
        print("plant test: \(plant.needles.count) distinct secrets planted")

        var printed = ""
        func run(_ arguments: [String], expect status: Int32) throws {
            let result = try Run.evpack(arguments, environment: environment)
            #expect(result.status == status, "evpack \(arguments.joined(separator: " ")): \(result.stderr)")
            printed += result.stdout + "\n" + result.stderr + "\n"
        }
        let ledger = results.appendingPathComponent("ops.sqlite").path
        try run(["ingest", jsonl.path, csv.path, "--ledger", ledger], expect: 0)
        for (form, snapshot) in snapshots {
            let out = results.appendingPathComponent("out-\(form)").path
            try run(["check", snapshot, "--records", jsonl.path, "--records", csv.path], expect: 0)
            try run(["check", snapshot, "--records", jsonl.path, "--records", csv.path, "--format", "json"], expect: 0)
            try run(["check", snapshot, "--ledger", ledger, "--format", "json"], expect: 0)
            try run(["build", snapshot, "--records", jsonl.path, "--records", csv.path, "--out", out], expect: 0)
            try run(["build", snapshot, "--ledger", ledger, "--out", out + "-ledger"], expect: 0)
            for folder in [out, out + "-ledger"] {
                let entries = try FileManager.default.contentsOfDirectory(atPath: folder)
                let archive = try #require(entries.first { $0.hasSuffix(".tar.gz") })
                let pack = try #require(entries.first { !$0.hasPrefix(".") && !$0.contains(".tar") })
                // Replay judges the stored, sanitized snapshot as the build did.
                try run(["verify", folder + "/" + archive], expect: 0)
                try run(["verify", folder + "/" + pack], expect: 0)
                let unpacked = folder + "/unpacked"
                try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
                #expect(try Run.process("tar", ["-xzf", folder + "/" + archive, "-C", unpacked]).status == 0)
                let tar = try Run.process("gzip", ["-dc", folder + "/" + archive])
                try tar.stdoutData.write(to: URL(fileURLWithPath: folder + "/archive.tar"))
            }
        }
        #expect(printed.contains("[REDACTED]") || printed.contains("rejected"), "the commands ran")
        try printed.write(to: results.appendingPathComponent("printed.txt"), atomically: true, encoding: .utf8)

        let hits = try Self.grep(plant.needles, in: results, patterns: root.appendingPathComponent("needles.txt"))
        #expect(hits.isEmpty, "secrets found:\n\(hits.prefix(3000))")
        // The redactions stand in their place, and the bad lines were rejected.
        let outURL = results.appendingPathComponent("out-url").path
        let pack = try #require(try FileManager.default.contentsOfDirectory(atPath: outURL).first { $0.hasPrefix("evidence-") && !$0.contains(".tar") })
        let records = try String(contentsOfFile: "\(outURL)/\(pack)/data/inputs/records.jsonl", encoding: .utf8)
        #expect(records.contains(#""bearer":"[REDACTED]""#) && records.contains(#""ssh_key":"[REDACTED]""#))
        #expect(records.contains("https://ci.example/run/7"))
        #expect(printed.contains("plant.jsonl:8: field subject_id: holds a GitHub token"), "\(printed.prefix(2000))")
    }

    @Test func aSecretInThePayloadIsRefusedByPathWithoutItsValue() throws {
        let root = TestPaths.temporaryFolder("evpack-plant-payload")
        defer { try? FileManager.default.removeItem(at: root) }
        let plant = Plant()
        var snapshot = try Self.object(TestPaths.snapshot("ready.json"))
        var rows = snapshot["rows"] as! [String: Any]
        var orders = rows["orders"] as! [[String: Any]]
        orders[0]["api_key"] = plant.word("RowKey")
        orders[1]["contact"] = "ops via " + plant.url()
        orders[1]["extra"] = ["deep": [["note": plant.jwt()]]]
        rows["orders"] = orders
        snapshot["rows"] = rows
        var adapter = snapshot["adapter"] as! [String: Any]
        adapter["password"] = plant.word("AdapterPw")
        snapshot["adapter"] = adapter
        var tenant = snapshot["tenant"] as! [String: Any]
        tenant["name"] = "BFG " + plant.aws()
        snapshot["tenant"] = tenant
        let path = root.appendingPathComponent("payload.json")
        try Self.write(snapshot, to: path)
        let out = root.appendingPathComponent("out")
        for arguments in [["check", path.path], ["build", path.path, "--out", out.path]] {
            let result = try Run.evpack(arguments)
            #expect(result.status == 2, "\(arguments[0]): \(result.stdout)\(result.stderr)")
            for expected in ["rows.orders[0].api_key: is named like a secret", "rows.orders[1].contact: holds a URL with user info",
                             "rows.orders[1].extra.deep[0].note: holds a JSON Web Token", "adapter.password: is named like a secret",
                             "tenant.name: holds an AWS access key id"] {
                #expect(result.stderr.contains(expected), "\(expected) in \(result.stderr)")
            }
            for needle in plant.needles { #expect(!(result.stdout + result.stderr).contains(needle), "\(needle) echoed") }
        }
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(written.isEmpty, "nothing written: \(written)")
    }
}
