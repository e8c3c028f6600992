import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The one sanitizer of SPEC §4: by key and by value, for records and the snapshot.
@Suite struct SanitizerTests {
    @Test func theWholeKeyPatternIsSecret() {
        for key in ["bearer", "Bearer_Token", "pwd", "DB_PWD", "ssh_key", "sshKey", "ssh-key", "session_id", "sessionId", "SESSION-ID",
                    "access_key", "AccessKey", "access-key", "aws_access_key_id", "passwd", "X-Authorization", "cookie", "credential"] {
            #expect(Sanitizer.isSecretKey(key), "\(key)")
        }
        for key in ["session", "sessions", "ssh", "access", "access_level", "keys", "secrets_backup_x".replacingOccurrences(of: "secrets", with: "backups"),
                    "pw", "id", "checkpoint_key", "source_surface"] {
            #expect(!Sanitizer.isSecretKey(key), "\(key)")
        }
    }

    /// The per-file memo of secret keys answers as the pattern does, for names that share a
    /// slot, repeat, are too long for it or differ only in case.
    @Test func theKeyCacheAnswersAsThePattern() {
        let cache = SecretKeyCache()
        var names = ["kind", "id", "token", "Token", "tokens", "started_at", "stopped_at", "status", "statys", "api_key", "apikey", "api-kez",
                     "pwd", "pwe", "ab", "", "x" + String(repeating: "y", count: 70) + "password", String(repeating: "z", count: 64),
                     "session_id", "session_ix", "metadata", "checkpoint_key", "ssh_key", "ssh_kez", "X-Authorization"]
        var state: UInt64 = 11
        let letters = Array("abcdeiknoprstwy_-ASKP")
        for _ in 0..<3_000 {
            var name = ""
            for _ in 0..<(3 + Int(state >> 60)) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                name.append(letters[Int((state >> 33) % UInt64(letters.count))])
            }
            names.append(name)
        }
        for round in 0..<3 {
            for name in names {
                var copy = name
                let cached = copy.withUTF8 { cache.isSecretKey($0) }
                #expect(cached == Sanitizer.isSecretKey(name), "round \(round): \(name)")
            }
        }
    }

    static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm5hIn0.c2lnbmF0dXJlLXZhbHVlLTEyMw"
    static let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzz9plantedkeybody\n-----END RSA PRIVATE KEY-----"

    @Test(arguments: [
        // URLs anywhere in a string lose user info, query and fragment.
        ("see https://anna:hunter2@ci.example/run/1?token=abc#frag for details", "see https://ci.example/run/1 for details"),
        ("postgres://u:p@db:5432/x?sslmode=require", "postgres://db:5432/x"),
        ("jdbc:postgresql://db:5432/x?user=sa&password=pw1", "jdbc:postgresql://db:5432/x"),
        ("https://medium.com/@anna/post", "https://medium.com/@anna/post"),
        ("https://host/path", "https://host/path"),
        // key=value connection strings.
        ("host=db port=5432 user=bfg password=S3cr3t dbname=x", "host=db port=5432 user=bfg password=[REDACTED] dbname=x"),
        ("Server=db;User Id=sa;Password=My Pass!;Database=x", "Server=db;User Id=sa;Password=[REDACTED];Database=x"),
        ("jdbc:sqlserver://db:1433;databaseName=x;user=sa;password=Pw0rd;", "jdbc:sqlserver://db:1433;databaseName=x;user=sa;password=[REDACTED];"),
        ("host=db password='with space' sslmode=require", "host=db password=[REDACTED] sslmode=require"),
        ("Pwd=abc123", "Pwd=[REDACTED]"),
        ("password=[REDACTED]", "password=[REDACTED]"),
        // Shapes.
        ("token \(jwt) end", "token [REDACTED] end"),
        ("key:\n\(pem)\nafter", "key:\n[REDACTED]\nafter"),
        ("Authorization: Bearer abc.DEF-123_xyz", "Authorization: [REDACTED]"),
        ("Basic YW5uYTpodW50ZXIy", "[REDACTED]"),
        ("id AKIAIOSFODNN7EXAMPLE here", "id [REDACTED] here"),
        ("ghp_" + String(repeating: "a1B2", count: 9), "[REDACTED]"),
        ("gho_" + String(repeating: "Z9", count: 18) + " tail", "[REDACTED] tail"),
        // Ordinary text stays.
        ("Basic plan for the bearer of news", "Basic plan for the bearer of news"),
        ("2026-11-20T09:00:00Z", "2026-11-20T09:00:00Z"),
        ("a = b; c=d", "a = b; c=d"),
    ])
    func valuesAreRedacted(_ input: String, _ expected: String) {
        #expect(Redaction.sanitize(input) == expected)
        // Idempotent, and the cheap test never misses what the full one finds.
        #expect(Redaction.sanitize(expected) == expected)
        var bytes = input
        let cheap = bytes.withUTF8 { Redaction.mayHoldSecret($0) }
        if input != expected { #expect(cheap, "the cheap test missed \(input)") }
    }

    @Test func theEndpointLosesItsPasswordInEveryForm() {
        #expect(Redaction.endpoint("postgres://bfg:S3cr3t@db:5432/x?sslmode=require") == "postgres://db:5432/x")
        #expect(Redaction.endpoint("host=db user=bfg password=S3cr3t") == "host=db user=bfg password=[REDACTED]")
        #expect(Redaction.endpoint("Server=db;Password=S3cr3t;") == "Server=db;Password=[REDACTED];")
        #expect(Redaction.endpoint("bfg:S3cr3t@db:5432") == "db:5432")
    }

    /// The cheap test lets a plain URL, a time and an id pass (ingest keeps such records on
    /// the in-place path), but not a URL with user info, query or fragment, nor a secret in
    /// a plain URL's path or after it.
    @Test func theCheapTestPassesPlainURLsOnly() {
        func cheap(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { Redaction.mayHoldSecret($0) }
        }
        for plain in ["https://ci.example/runs/67613", "see https://ci.example/runs/1 and http://x.example/", "2026-11-20T09:00:00Z",
                      "dep-12345", "product.onboarding.checkpoint_completed", "release/1.3", "Paused while the incident 30 is investigated"] {
            #expect(!cheap(plain), "\(plain)")
            #expect(Redaction.sanitize(plain) == plain)
        }
        for secret in ["https://ci.example/runs/1?token=abc", "https://ci.example/runs/1#t", "https://anna:pw@ci.example/runs/1",
                       "https://ci.example/runs/1 then https://a@b.example", "https://ci.example/\(Self.jwt)",
                       "https://ci.example/x;password=pw1", "https://ci.example/AKIAIOSFODNN7EXAMPLE",
                       "https://ci.example/ghp_" + String(repeating: "a1B2", count: 9), "https://ci.example/x Bearer abcDEF123456"] {
            #expect(cheap(secret), "\(secret)")
            #expect(Redaction.sanitize(secret) != secret, "\(secret)")
        }
    }

    /// Random text: whatever the sanitizer changes, the cheap test flagged first.
    @Test func theCheapTestCoversTheFullOne() {
        var state: UInt64 = 7
        let pieces = ["://", "@", "?", "#", "=", "password", "pwd", "token", " ", "eyJ", "AKIA", "ghp_", "Bearer ", "basic ", "-----BEGIN ",
                      "PRIVATE KEY-----", "a", "Z", "0", ".", "_", "-", ";", "'", "\t", "https", "x:y"]
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<12 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            let clean = Redaction.sanitize(text)
            var copy = text
            if clean != text { #expect(copy.withUTF8 { Redaction.mayHoldSecret($0) }, "\(text)") }
            #expect(Redaction.sanitize(clean) == clean, "not idempotent: \(text)")
        }
    }

    // MARK: - records

    static let usage = #"{"kind":"usage","id":"u-1","event_name":"product.review_pack.requested","workspace_id":"ws-1","tenant_id":"t-1","user_id":"u-1","subject_type":"workspace","subject_id":"ws-1","occurred_at":"2026-11-20T08:00:00Z","metadata":{"source_surface":"console","include_pii":null}}"#

    @Test func nullUsageMetadataIsDroppedButAnUnknownKeyIsRejectedEvenWhenNull() throws {
        let unknown = Self.usage.replacingOccurrences(of: #""include_pii":null"#, with: #""include_pii":null,"colour":null"#)
            .replacingOccurrences(of: "\"u-1\",\"event", with: "\"u-2\",\"event")
        let (ledger, report) = try RecordsTests.ingest(Self.usage + "\n" + unknown)
        #expect(report.rejected == 1)
        #expect(try RecordsTests.allRejects(ledger).first?.reason.contains("a key not allowed") == true)
        let docs = try RecordsTests.exported(ledger)
        #expect(docs.count == 1)
        #expect(docs[0].contains(#""metadata":{"source_surface":"console"}"#), "\(docs)")
        // The same through CSV.
        let csv = "kind,id,event_name,workspace_id,tenant_id,user_id,subject_type,subject_id,occurred_at,metadata\n"
            + #"usage,u-1,product.review_pack.requested,ws-1,t-1,u-1,workspace,ws-1,2026-11-20T08:00:00Z,"{""include_pii"":null}""#
        let (csvLedger, csvReport) = try RecordsTests.ingest(csv, name: "u.csv", format: .csv)
        let csvRejects = try RecordsTests.allRejects(csvLedger).map(\.reason)
        #expect(csvReport.rejected == 0, "\(csvRejects)")
        #expect(try RecordsTests.exported(csvLedger).first?.contains(#""metadata":{}"#) == true)
    }

    @Test func metadataKeysAndValuesAreRedactedEverywhere() throws {
        let gh = "ghp_" + String(repeating: "Q7", count: 18)
        let audit = #"{"kind":"audit","id":"a-1","recorded_at":"2026-11-20T08:00:00Z","action":"scenario.write","metadata":{"bearer":"b-val-1","pwd":"p-val-2","ssh_key":"s-val-3","session_id":"sid-val-4","access_key":"ak-val-5","note":"see https://anna:pw-val-6@ci.example/x?token=tq-val-7 and AKIAIOSFODNN7EXAMPL8","deep":[{"conn":"host=db password=pw-val-9"},"\#(Self.jwt)","\#(gh)"]}}"#
        let (ledger, report) = try RecordsTests.ingest(audit)
        #expect(report.rejected == 0)
        let docs = try RecordsTests.exported(ledger).joined()
        for secret in ["b-val-1", "p-val-2", "s-val-3", "sid-val-4", "ak-val-5", "pw-val-6", "tq-val-7", "EXAMPL8", "pw-val-9", "eyJzdWIi", gh] {
            #expect(!docs.contains(secret), "\(secret) kept")
        }
        #expect(docs.contains(#""bearer":"[REDACTED]""#) && docs.contains("https://ci.example/x and [REDACTED]"))
        // Sanitized records ingest to themselves.
        let (again, _) = try RecordsTests.ingest(docs)
        #expect(try RecordsTests.exported(again).joined() == docs)
    }

    @Test func aSecretInATokenFieldRejectsTheRecordWithoutShowingIt() throws {
        let gh = "ghp_" + String(repeating: "k3", count: 18)
        let audit = #"{"kind":"audit","id":"a-1","recorded_at":"2026-11-20T08:00:00Z","action":"scenario.write","subject_id":"\#(gh)"}"#
        let (ledger, report) = try RecordsTests.ingest(audit)
        #expect(report.rejected == 1)
        let reason = try RecordsTests.allRejects(ledger).first?.reason ?? ""
        #expect(reason.contains("field subject_id: holds a GitHub token") && !reason.contains(gh), "\(reason)")
    }

    @Test func aControlReasonIsStoredSanitizedInItsColumnToo() throws {
        let control = #"{"kind":"control","id":"c-1","control_key":"release.cutover","scope":"global","reason":"rotating password=hunter2-col","actor_id":"user-1","activated_at":"2026-11-20T08:00:00Z"}"#
        let (ledger, report) = try RecordsTests.ingest(control)
        #expect(report.rejected == 0)
        let snapshot = try Fixtures.snapshot(Fixtures.json("ready.json"))
        let findings = try ledger.operations(snapshot: snapshot, options: RunOptions(asOf: snapshot.capturedAt))
        let text = "\(findings)"
        #expect(!text.contains("hunter2-col") && text.contains("password=[REDACTED]"), "\(text.prefix(400))")
    }

    // MARK: - the snapshot

    @Test func everythingOutsideThePayloadIsStoredSanitized() throws {
        var value = Fixtures.json("ready.json")
        value.set("connection.Authorization", .string("Bearer conn-auth-1234567"))
        value.set("connection.write_probe.secret", .string("probe-secret-1"))
        value.set("connection.endpoint", .string("host=db.example user=bfg password=ep-pass-1 dbname=x"))
        value.set("dry_run.steps.snapshot_export.transcript", .string("exported with Authorization: Bearer dr-tok-ABC12345"))
        value.set("rollback.notes", .object(JSONObject(["a": .object(JSONObject(["b": .object(JSONObject(["api_key": .string("rb-key-1")]))]))])))
        value.set("release.link", .string("https://u:rel-pw-1@ci.example/r?sig=rel-sig-1"))
        value.set("infrastructure.secrets_backup.value", .string("nightly to vault, password=inf-pw-1"))
        let snapshot = try Fixtures.snapshot(value)
        let stored = String(decoding: ReportStage.storedSnapshot(Fixtures.bytes(value), snapshot), as: UTF8.self)
        for secret in ["conn-auth-1234567", "probe-secret-1", "ep-pass-1", "dr-tok-ABC12345", "rb-key-1", "rel-pw-1", "rel-sig-1", "inf-pw-1"] {
            #expect(!stored.contains(secret), "\(secret) stored")
        }
        // The known key secrets_backup keeps its decision; the checks see what is stored.
        #expect(snapshot.infrastructure.isAccepted(.secretsBackup))
        #expect(snapshot.connection?.endpoint == "host=db.example user=bfg password=[REDACTED] dbname=x")
        let reread = try SnapshotReader.read(Array(stored.utf8), file: "stored.json")
        #expect(reread.payloadChecksum == snapshot.payloadChecksum)
        #expect(reread.sanitizedDocument == nil, "sanitizing is idempotent")
        let options = RunOptions(asOf: snapshot.capturedAt)
        let first = Evaluator.evaluate(snapshot, options: options, operations: nil)
        let again = Evaluator.evaluate(reread, options: options, operations: nil)
        #expect(JSONWriter.pretty(CheckReport.json(first)) == JSONWriter.pretty(CheckReport.json(again)))
        // A snapshot without secrets is stored byte for byte.
        let plain = Fixtures.bytes(Fixtures.json("ready.json"))
        #expect(ReportStage.storedSnapshot(plain, try SnapshotReader.read(plain, file: "r.json")) == plain)
    }

    @Test(arguments: [
        ("rows.orders[0].api_key", JSONValue.string("ord-key-1"), "named like a secret"),
        ("rows.orders[0].note", JSONValue.string("call https://anna:pw-row-2@crm.example/x"), "a URL with user info"),
        ("rows.orders[0].meta", JSONValue.object(JSONObject(["deep": .array([.string("AKIAIOSFODNN7EXAMPLE")])])), "an AWS access key id"),
        ("tenant.name", JSONValue.string("BFG Bearer abcDEF12345"), "a Bearer/Basic credential"),
        ("actors[0].desk", JSONValue.string("host=db password=desk-pw-3"), "key=value"),
        ("adapter.password", JSONValue.string("adapter-pw-4"), "named like a secret"),
    ])
    func aSecretInThePayloadIsAnInputErrorNamingThePath(_ path: String, _ secret: JSONValue, _ kind: String) throws {
        var value = Fixtures.json("ready.json")
        value.set(path, secret)
        do {
            _ = try SnapshotReader.read(Fixtures.bytes(value), file: "bad.json")
            Issue.record("accepted a secret at \(path)")
        } catch {
            let text = error.description
            let expectedPath = path == "rows.orders[0].meta" ? "rows.orders[0].meta.deep[0]" : path
            #expect(text.contains("\(expectedPath): "), "\(text)")
            #expect(text.contains(kind), "\(text)")
            for word in ["ord-key-1", "pw-row-2", "AKIAIOSFODNN7EXAMPLE", "abcDEF12345", "desk-pw-3", "adapter-pw-4"] {
                #expect(!text.contains(word), "\(word) echoed")
            }
        }
    }

    @Test func aURLQueryInThePayloadIsKeptAsGiven() throws {
        var value = Fixtures.json("ready.json")
        value.set("rows.orders[0].link", .string("https://maps.example/route?from=lviv&to=krakow"))
        let bytes = Fixtures.bytes(value)
        let snapshot = try SnapshotReader.read(bytes, file: "ok.json")
        #expect(ReportStage.storedSnapshot(bytes, snapshot) == bytes)
    }
}
