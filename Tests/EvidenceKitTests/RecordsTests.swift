import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The rules of SPEC §4 and every class of bad input: rejected with file, line and reason,
/// never crashing, never echoing content.
@Suite struct RecordsTests {
    /// Ingests `text` as a records file named `name` into a new temporary ledger.
    static func ingest(_ text: String, name: String = "r.jsonl", format: RecordFormat = .jsonl, kind: RecordKind? = nil,
                       strict: Bool = false) throws -> (Ledger, IngestReport) {
        try ingest(Array(text.utf8), name: name, format: format, kind: kind, strict: strict)
    }

    static func ingest(_ bytes: [UInt8], name: String = "r.jsonl", format: RecordFormat = .jsonl, kind: RecordKind? = nil,
                       strict: Bool = false) throws -> (Ledger, IngestReport) {
        let ledger = try Ledger.temporary()
        var source = RecordSource(name: name, bytes: bytes, format: format)
        source.kind = kind
        return (ledger, try ledger.ingest([source], strict: strict))
    }

    static func allRejects(_ ledger: Ledger) throws -> [RecordReject] { try ledger.rejects(limit: 1000) }

    static func exported(_ ledger: Ledger, asOf: String = "2026-11-20T09:00:00Z") throws -> [String] {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("records.jsonl").path
        try ledger.exportRecords(to: path, asOf: Instant(rfc3339: asOf)!)
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static let audit = #"{"kind":"audit","id":"a-1","recorded_at":"2026-11-20T08:00:00Z","action":"scenario.write"}"#
    static let run = #"{"kind":"run","id":"r-1","type":"replay","status":"completed","outcome":"succeeded","workspace_id":"ws-1","created_at":"2026-11-20T08:00:00Z"}"#
    static let usage = #"{"kind":"usage","id":"u-1","event_name":"product.operations.started","workspace_id":"ws-1","tenant_id":"t-1","user_id":"u-1","subject_type":"workspace","subject_id":"ws-1","occurred_at":"2026-11-20T08:00:00Z","metadata":{"operation_type":"restore"}}"#
    static let control = #"{"kind":"control","id":"c-1","control_key":"release.cutover","scope":"workspace","workspace_id":"ws-1","reason":"incident review","actor_id":"user-1","activated_at":"2026-11-20T08:00:00Z"}"#
    static let deploy = #"{"kind":"deploy","id":"d-1","project":"bfg","environment":"prod","type":"deploy","ref_type":"tag","ref_name":"v1.2.3","requested_by":"u-1","requested_at":"2026-11-20T08:00:00Z","status":"queued"}"#
    static let approval = #"{"kind":"approval","id":"p-1","job_id":"d-1","user_id":"u-2","decision":"approved","decided_at":"2026-11-20T08:00:00Z"}"#
    static let good = [audit, run, usage, control, deploy, approval]

    /// A good record of a kind with one field replaced (nil removes it).
    static func edited(_ line: String, _ key: String, _ value: JSONValue?) -> String {
        var object = try! JSONParser.parse(Array(line.utf8))
        object.set(key, value)
        return JSONWriter.compact(object)
    }

    @Test func oneGoodRecordOfEveryKindIsAccepted() throws {
        let (_, report) = try Self.ingest(Self.good.joined(separator: "\n") + "\n")
        #expect(report.rejected == 0, "\(report.rejects.map(\.message))")
        for kind in RecordKind.allCases { #expect(report.accepted[kind] == 1, "\(kind)") }
    }

    /// Each stored document names its kind (the kind text is bound by copy, never a freed temporary).
    @Test func storedDocumentsNameTheirKind() throws {
        let (ledger, _) = try Self.ingest((Self.good + Self.good.reversed()).joined(separator: "\n") + "\n")
        let kinds = try ledger.database.read { db in try String.fetchAll(db, sql: "SELECT kind FROM record_doc ORDER BY seq") }
        #expect(kinds == RecordKind.allCases.map(\.rawValue))
    }

    struct RuleCase: CustomStringConvertible, Sendable {
        var name: String
        var line: String
        var reason: String
        var description: String { name }
    }

    static let s = JSONValue.string
    static let ruleCases: [RuleCase] = {
        var cases: [RuleCase] = []
        let required: [(String, [String])] = [
            (audit, ["id", "recorded_at", "action"]),
            (run, ["id", "type", "status", "workspace_id", "created_at"]),
            (usage, ["id", "event_name", "workspace_id", "tenant_id", "user_id", "subject_type", "subject_id", "occurred_at"]),
            (control, ["id", "control_key", "scope", "reason", "actor_id", "activated_at", "workspace_id"]),
            (deploy, ["id", "project", "environment", "type", "ref_type", "ref_name", "requested_by", "requested_at", "status"]),
            (approval, ["id", "job_id", "user_id", "decision", "decided_at"]),
        ]
        for (line, fields) in required {
            for field in fields {
                cases.append(RuleCase(name: "missing \(field)", line: edited(line, field, nil), reason: "field \(field): required"))
                cases.append(RuleCase(name: "empty \(field)", line: edited(line, field, s("")), reason: "field \(field): required"))
            }
        }
        let enums: [(String, String)] = [
            (audit, "status"), (run, "status"), (run, "outcome"), (usage, "event_name"), (control, "control_key"), (control, "scope"),
            (deploy, "environment"), (deploy, "type"), (deploy, "ref_type"), (deploy, "status"), (approval, "decision"),
        ]
        for (line, field) in enums {
            cases.append(RuleCase(name: "bad \(field)", line: edited(line, field, s("bogus-value")), reason: "field \(field): not one of"))
        }
        let times: [(String, String)] = [
            (audit, "recorded_at"), (run, "created_at"), (run, "started_at"), (run, "completed_at"), (usage, "occurred_at"),
            (control, "activated_at"), (control, "expires_at"), (control, "resumed_at"), (deploy, "requested_at"),
            (deploy, "started_at"), (deploy, "finished_at"), (approval, "decided_at"),
        ]
        for (line, field) in times {
            for bad in ["2026-11-20 08:00:00", "2026-11-20T08:00:00", "yesterday"] {
                cases.append(RuleCase(name: "\(field) \(bad)", line: edited(line, field, s(bad)), reason: "field \(field): not an RFC 3339 time"))
            }
            cases.append(RuleCase(name: "\(field) no such date", line: edited(line, field, s("2026-02-30T08:00:00Z")),
                                  reason: "field \(field): the date 2026-02-30 does not exist"))
            cases.append(RuleCase(name: "\(field) year 0000", line: edited(line, field, s("0000-11-20T08:00:00Z")),
                                  reason: "field \(field): year 0000 is out of range"))
            cases.append(RuleCase(name: "\(field) beyond the ledger", line: edited(line, field, s("2300-01-01T00:00:00Z")),
                                  reason: "field \(field): out of the range records may use"))
        }
        let tokens: [(String, String)] = [
            (audit, "id"), (audit, "action"), (audit, "actor_id"), (audit, "workspace_id"), (audit, "tenant_id"), (audit, "subject_type"),
            (audit, "subject_id"), (run, "type"), (run, "workspace_id"), (usage, "user_id"), (deploy, "project"), (deploy, "ref_name"),
            (deploy, "commit_sha"), (deploy, "requested_by"), (approval, "job_id"),
        ]
        for (line, field) in tokens {
            for bad in ["anna@example.com", "two words", String(repeating: "x", count: 121), "tab\there"] {
                cases.append(RuleCase(name: "\(field) token \(bad.prefix(12))", line: edited(line, field, s(bad)), reason: "field \(field): not a machine-safe token"))
            }
        }
        cases += [
            RuleCase(name: "string id as number", line: edited(audit, "id", .number(7)), reason: "field id: expected a string, found a number"),
            RuleCase(name: "reason too short", line: edited(control, "reason", s("oops")), reason: "field reason: must be 5 to 500 characters"),
            RuleCase(name: "reason too long", line: edited(control, "reason", s(String(repeating: "é", count: 501))), reason: "must be 5 to 500 characters"),
            RuleCase(name: "metadata not an object", line: edited(audit, "metadata", .array([])), reason: "field metadata: expected an object"),
            RuleCase(name: "failure_summary not an array", line: edited(run, "failure_summary", s("x")), reason: "field failure_summary: expected an array"),
            RuleCase(name: "usage metadata key not allowed", line: edited(usage, "metadata.report_type", s("weekly")), reason: "a key not allowed for product.operations.started"),
            RuleCase(name: "e-mail in usage metadata", line: edited(usage, "metadata.operation_type", s("anna@example.com")), reason: "e-mail addresses are not allowed"),
            RuleCase(name: "nested object in usage metadata", line: edited(usage, "metadata.operation_type", .object(JSONObject(["a": .number(1)]))), reason: "nested values are not allowed"),
            RuleCase(name: "free text in usage metadata", line: edited(usage, "metadata.operation_type", s("restore everything now")), reason: "free text is not allowed"),
            RuleCase(name: "unknown kind", line: edited(audit, "kind", s("ledger")), reason: "field kind: not one of"),
            RuleCase(name: "no kind", line: edited(audit, "kind", nil), reason: "field kind: required"),
        ]
        return cases
    }()

    @Test(arguments: ruleCases)
    func ruleBreakIsRejectedWithReasonAndLine(_ c: RuleCase) throws {
        let text = Self.run + "\n" + c.line + "\n"
        let (_, report) = try Self.ingest(text, name: "rules.jsonl")
        #expect(report.rejected == 1, "\(c.name): \(report.rejects.map(\.message))")
        let reject = try #require(report.rejects.first)
        #expect(reject.file == "rules.jsonl" && reject.line == 2)
        #expect(reject.reason.contains(c.reason), "\(c.name): \(reject.reason)")
        // Never the content: no value from the line reaches the reason.
        for secret in ["bogus-value", "anna@example.com", "two words", "yesterday", "restore everything now"] where c.line.contains(secret) {
            #expect(!reject.reason.contains(secret))
        }
    }

    @Test func usageMetadataMayHoldTokensBooleansNumbersAndTimes() throws {
        let line = Self.edited(Self.edited(Self.edited(Self.usage, "event_name", Self.s("product.review_pack.requested")),
                                           "metadata", .object(JSONObject(["source_surface": Self.s("console"), "include_pii": .bool(false), "include_operations": .bool(true)]))),
                               "id", Self.s("u-2"))
        let checkpoint = Self.edited(Self.edited(Self.usage, "event_name", Self.s("product.onboarding.checkpoint_completed")), "metadata",
                                     .object(JSONObject(["checkpoint_key": Self.s("first_cutover"), "completed_at": Self.s("2026-11-20T08:00:00+01:00"), "lifecycle_state": .null])))
        let (_, report) = try Self.ingest(line + "\n" + checkpoint + "\n")
        #expect(report.rejected == 0, "\(report.rejects.map(\.message))")
    }

    // MARK: - bad inputs

    @Test func everyClassOfBadLineIsRejectedAndTheRestGoesOn() throws {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]  // a BOM is tolerated
        let lines: [[UInt8]] = [
            Array(Self.audit.utf8),                                         // 1 good
            Array("{\"kind\":\"audit\",\"id\":".utf8),                      // 2 invalid JSON
            [0x7B, 0x22, 0x6B, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D],  // 3 invalid UTF-8
            Array("[1,2,3]".utf8),                                          // 4 not an object
            Array("   ".utf8),                                              // 5 blank: skipped
            Array(Self.run.utf8),                                           // 6 good
            Array(repeating: UInt8(ascii: "x"), count: 10 << 20),           // 7 a 10 MB line
            Array(Self.usage.utf8) + [0x0D],                                // 8 good, CRLF
        ]
        for line in lines { bytes += line + [0x0A] }
        bytes += Array(Self.deploy.dropLast(5).utf8)                        // 9 truncated last line, no LF
        let (ledger, report) = try Self.ingest(bytes, name: "bad.jsonl")
        #expect(report.accepted.values.reduce(0, +) == 3)
        let rejects = try Self.allRejects(ledger)
        #expect(rejects.map(\.line) == [2, 3, 4, 7, 9])
        #expect(rejects[0].reason.hasPrefix("not valid JSON"))
        #expect(rejects[1].reason == "invalid UTF-8")
        #expect(rejects[2].reason == "not a JSON object")
        #expect(rejects[3].reason.contains("line longer than"))
        #expect(rejects[4].reason.hasPrefix("not valid JSON"))
        #expect(rejects.allSatisfy { $0.file == "bad.jsonl" })
    }

    @Test func anEmptyFileAddsNothing() throws {
        let (_, report) = try Self.ingest("", name: "empty.jsonl")
        #expect(report.accepted.isEmpty && report.rejected == 0)
        #expect(report.files.count == 1)
    }

    @Test func csvRowsWithMissingOrExtraColumnsAreRejected() throws {
        let csv = """
            kind,id,recorded_at,action,metadata
            audit,a-1,2026-11-20T08:00:00Z,scenario.write,
            audit,a-2,2026-11-20T08:00:00Z
            audit,a-3,2026-11-20T08:00:00Z,scenario.write,,extra
            audit,a-4,2026-11-20T08:00:00Z,"scenario.write","{""ip"":""office"",""password"":""hunter2""}"
            audit,a-5,2026-11-20T08:00:00Z,scenario.write,"{not json"
            "audit","a-6","2026-11-20T08:00:00Z","multi
            line",
            audit,a-7,2026-11-20T08:00:00Z,scenario.write,

            """
        let (ledger, report) = try Self.ingest(csv, name: "audit.csv", format: .csv)
        let rejects = try Self.allRejects(ledger)
        #expect(rejects.map(\.line) == [3, 4, 6, 7], "\(rejects.map(\.message))")
        #expect(rejects[0].reason == "3 fields, but the header has 5")
        #expect(rejects[1].reason == "6 fields, but the header has 5")
        #expect(rejects[2].reason.contains("field metadata: the cell is not valid JSON"))
        #expect(rejects[3].reason.contains("field action: not a machine-safe token"))
        #expect(report.accepted[.audit] == 3)
        let docs = try Self.exported(ledger).joined(separator: "\n")
        #expect(docs.contains("\"password\":\"[REDACTED]\"") && !docs.contains("hunter2"))
    }

    @Test func csvTakesItsKindFromTheOptionOrAKindCell() throws {
        let text = "id,recorded_at,action\na-1,2026-11-20T08:00:00Z,signoff.recorded\n"
        let (_, report) = try Self.ingest(text, name: "a.csv", format: .csv, kind: .audit)
        #expect(report.accepted[.audit] == 1)
        do {
            _ = try Self.ingest(text, name: "a.csv", format: .csv)
            Issue.record("a CSV without kind column or --kind must be refused")
        } catch IngestError.badFile(let file, let line, let message) {
            #expect(file == "a.csv" && line == 1 && message.contains("no kind column"))
        }
        do {
            _ = try Self.ingest("kind,id,id\n", name: "b.csv", format: .csv)
            Issue.record("a header naming a column twice must be refused")
        } catch IngestError.badFile(_, _, let message) {
            #expect(message.contains("twice"))
        }
    }

    @Test func strictMakesTheFirstRejectFatalAndAddsNothing() throws {
        let ledger = try Ledger.temporary()
        let text = Self.audit + "\n{oops\n" + Self.run + "\n"
        let result = Result<IngestReport, IngestError> { () throws(IngestError) in
            try ledger.ingest([RecordSource(name: "s.jsonl", bytes: Array(text.utf8))], strict: true)
        }
        guard case .failure(let error) = result, case IngestError.strict(let reject) = error else {
            Issue.record("--strict must stop at the first reject")
            return
        }
        #expect(reject.line == 2)
        #expect(try ledger.counts(asOf: Instant(rfc3339: "2026-11-20T09:00:00Z")!).totalAccepted == 0)
    }

    // MARK: - duplicates and idempotence

    @Test func repeatedIdsAreSkippedWhenIdenticalAndRejectedWhenNot() throws {
        let reordered = #"{"action":"scenario.write","recorded_at":"2026-11-20T08:00:00Z","id":"a-1",  "kind":"audit"}"#
        let different = #"{"kind":"audit","id":"a-1","recorded_at":"2026-11-20T08:00:01Z","action":"scenario.write"}"#
        let secretA = #"{"kind":"audit","id":"a-2","recorded_at":"2026-11-20T08:00:00Z","action":"x","metadata":{"token":"one"}}"#
        let secretB = #"{"kind":"audit","id":"a-2","recorded_at":"2026-11-20T08:00:00Z","action":"x","metadata":{"token":"two"}}"#
        let secretA2 = #"{"metadata":{"token":"one"},"kind":"audit","id":"a-2","recorded_at":"2026-11-20T08:00:00Z","action":"x"}"#
        let text = [Self.audit, reordered, different, secretA, secretA2, secretB].joined(separator: "\n") + "\n"
        let (ledger, report) = try Self.ingest(text, name: "dup.jsonl")
        #expect(report.duplicates == 2)
        let rejects = try Self.allRejects(ledger)
        #expect(rejects.map(\.line) == [3, 6])
        #expect(rejects[0].reason == "duplicate audit id with different content (first at dup.jsonl:1)")
        // Differences hidden by redaction still count: the content before sanitizing is compared.
        #expect(rejects[1].reason.hasPrefix("duplicate audit id with different content"))
        // The first occurrence wins, across files too.
        let second = try ledger.ingest([RecordSource(name: "later.jsonl", bytes: Array((different + "\n" + Self.run + "\n").utf8))])
        #expect(second.rejected == 1 && second.accepted[.run] == 1)
    }

    @Test func ingestingTheSameFileTwiceAddsNothing() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Ledger.open(path: folder.appendingPathComponent("ledger.sqlite").path)
        let source = RecordSource(path: TestPaths.snapshot("records-bad-lines.jsonl"))
        let first = try ledger.ingest([source, RecordSource(path: TestPaths.snapshot("ready-records.jsonl"))])
        let asOf = Instant(rfc3339: "2026-11-20T09:00:00Z")!
        let before = try ledger.counts(asOf: asOf)
        let again = try ledger.ingest([source, RecordSource(path: TestPaths.snapshot("ready-records.jsonl"))])
        #expect(again.files.allSatisfy { $0.alreadyIngested })
        #expect(try ledger.counts(asOf: asOf) == before)
        #expect(first.rejected == before.rejected && before.rejected > 0)
    }

    @Test func usageOlderThanNinetyDaysExpiresAndExactlyNinetyIsKept() throws {
        let kept = Self.edited(Self.edited(Self.usage, "occurred_at", Self.s("2026-08-22T09:00:00Z")), "id", Self.s("u-90"))
        let expired = Self.edited(Self.edited(Self.usage, "occurred_at", Self.s("2026-08-22T08:59:59Z")), "id", Self.s("u-91"))
        let (ledger, _) = try Self.ingest([Self.usage, kept, expired].joined(separator: "\n"))
        let counts = try ledger.counts(asOf: Instant(rfc3339: "2026-11-20T09:00:00Z")!)
        #expect(counts.accepted[.usage] == 2 && counts.expired == 1)
        let docs = try Self.exported(ledger)
        #expect(docs.count == 2 && !docs.contains { $0.contains("u-91") })
    }

    // MARK: - sanitizing

    @Test func sanitizingRedactsCapsAndBounds() throws {
        let failures = (0..<12).map { i in JSONValue.object(JSONObject(["code": .string("E\(i)"), "Authorization": .string("Bearer abc\(i)")])) }
        var record = try JSONParser.parse(Array(Self.run.utf8))
        record.set("summary_counts", .object(JSONObject(["rows": .number(5), "ok": .bool(true), "note": .string("x"), "api_key": .number(1)])))
        record.set("failure_summary", .array(failures))
        record.set("initiator", .string(String(repeating: "ł", count: 600)))
        record.set("notes", .object(JSONObject(["deep": .object(JSONObject(["Client_Secret": .string("s3cr3t"), "list": .array([.object(JSONObject(["cookie": .string("c=1")]))])]))])))
        var deploy = try JSONParser.parse(Array(Self.deploy.utf8))
        deploy.set("external_run_url", .string("https://bot:ghp_x@ci.example/run/1?token=abc#frag"))
        var audit = try JSONParser.parse(Array(Self.audit.utf8))
        audit.set("metadata", .object(JSONObject(["ip": .string("office"), "X-Api-Key": .string("k-123"), "private_key": .string("-----BEGIN")])))
        let text = [record, deploy, audit].map(JSONWriter.compact).joined(separator: "\n")
        let (ledger, report) = try Self.ingest(text)
        #expect(report.rejected == 0, "\(report.rejects.map(\.message))")
        let docs = try Self.exported(ledger)
        let run = try JSONParser.parse(Array(docs.first { $0.contains("\"kind\":\"run\"") }!.utf8))
        #expect(run["summary_counts"] == .object(JSONObject(["rows": .number(5)])))
        #expect(run["failure_summary"]?.arrayValue?.count == 10)
        #expect(run["failure_summary"]?.arrayValue?.first?["Authorization"] == .string("[REDACTED]"))
        #expect(run["initiator"]?.stringValue?.unicodeScalars.count == 500)
        #expect(run["notes"]?["deep"]?["Client_Secret"] == .string("[REDACTED]"))
        let deployDoc = docs.first { $0.contains("\"kind\":\"deploy\"") }!
        #expect(deployDoc.contains("\"external_run_url\":\"https://ci.example/run/1\""))
        let auditDoc = docs.first { $0.contains("\"kind\":\"audit\"") }!
        #expect(auditDoc.contains("\"X-Api-Key\":\"[REDACTED]\"") && auditDoc.contains("\"ip\":\"office\""))
        for secret in ["Bearer abc", "s3cr3t", "c=1", "ghp_x", "token=abc", "k-123", "BEGIN"] {
            #expect(!docs.joined().contains(secret), "\(secret) leaked")
        }
        // Sanitizing is idempotent: the exported records ingest to themselves (what replay relies on).
        let (again, _) = try Self.ingest(docs.joined(separator: "\n"))
        #expect(try Self.exported(again) == docs)
    }

    @Test func secretKeysAreFoundInAnyCase() {
        for key in ["token", "SESSION_TOKEN", "ClientSecret", "password", "passwd", "Authorization", "set-cookie", "apiKey",
                    "api_key", "API-KEY", "privateKey", "private_key", "Private-Key", "credentials"] {
            #expect(Sanitizer.isSecretKey(key), "\(key)")
        }
        for key in ["id", "kind", "recorded_at", "action", "subject_id", "summary_counts", "api", "key", "private", "to_ken"] {
            #expect(!Sanitizer.isSecretKey(key), "\(key)")
        }
    }

    /// Deploy window times are HH:MM, two digits each: no sign, no single digit.
    @Test func windowTimesAreTwoDigitsEach() {
        #expect(LocalTime.minutes("00:00") == 0)
        #expect(LocalTime.minutes("09:30") == 570)
        #expect(LocalTime.minutes("24:00") == 1440)
        for bad in ["+9:00", "-9:00", "09:+5", "+0:00", "9:00", "09:0", " 9:00", "24:01", "25:00", "09:60", "09:00:00", "", ":"] {
            #expect(LocalTime.minutes(bad) == nil, "\(bad)")
        }
    }

    /// Invalid UTF-8 in a string is told apart from other errors by its kind, in both the parser and the scanner.
    @Test func invalidUTF8IsAKindOfParseError() {
        let cases: [([UInt8], JSONParseError.Kind)] = [
            (Array(#"{"k":"#.utf8) + [0x22, 0xC3, 0x28, 0x22, 0x7D], .invalidUTF8),
            (Array(#"{"k":"\u00e9"#.utf8) + [0xFF, 0x22, 0x7D], .invalidUTF8),
            (Array(#"{"UTF-8":1,"UTF-8":2}"#.utf8), .syntax),
            (Array(#"{"k":}"#.utf8), .syntax),
        ]
        for (bytes, kind) in cases {
            do throws(JSONParseError) {
                _ = try JSONParser.parse(bytes)
                Issue.record("the parser accepted \(bytes)")
            } catch {
                #expect(error.kind == kind, "\(error)")
            }
            bytes.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(bytes: buffer)
                var members: [ScannedMember] = [], keys: [Range<Int>] = [], flags = ScanFlags()
                do throws(JSONParseError) {
                    _ = try parser.scanObject(members: &members, keys: &keys, flags: &flags)
                    Issue.record("the scanner accepted \(bytes)")
                } catch {
                    #expect(error.kind == kind, "\(error)")
                }
            }
        }
    }

    /// The in-place scanner accepts and rejects exactly what the full parser does.
    @Test func scannerAgreesWithTheParser() throws {
        var generator = SplitMix64(seed: 4)
        let pieces = ["{", "}", "[", "]", ",", ":", "\"a\"", "\"b\"", "1", "-0.5e3", "true", "null", "\"\\u00e9\"", "\"\\ud800\"",
                      " ", "\"x\":", "01", "1e999", "\"\u{01}\"", "\"é\""]
        var documents = [Self.audit, Self.usage, #"{"a":1,"a":2}"#, #"{"a":{"b":1,"b":2}}"#, #"{"a":[{"k":1},{"k":2}]}"#, "{}", "{\"a\":\"\u{7F}\"}"]
        for _ in 0..<3000 {
            documents.append((0..<Int(generator.next() % 9 + 1)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined())
        }
        for document in documents {
            let bytes = Array(document.utf8)
            let parsed = try? JSONParser.parse(bytes)
            var members: [ScannedMember] = [], keys: [Range<Int>] = [], flags = ScanFlags()
            let scanned: Bool? = bytes.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(bytes: buffer)
                return try? parser.scanObject(members: &members, keys: &keys, flags: &flags)
            }
            #expect((parsed != nil) == (scanned != nil), "\(document)")
            if case .object(let object)? = parsed, scanned == true {
                #expect(object.keys.count == members.count, "\(document)")
            }
        }
    }

    /// A quoted last field that ends the file (no final line break) is a field, not an
    /// unterminated quote.
    @Test func aCSVFileMayEndWithAQuotedField() throws {
        let csv = "kind,id,recorded_at,action,note\naudit,a-1,2026-11-20T08:00:00Z,x,\"q, r\""
        let (ledger, report) = try RecordsTests.ingest(csv, name: "q.csv", format: .csv)
        let rejects = try RecordsTests.allRejects(ledger).map(\.reason)
        #expect(report.rejected == 0, "\(rejects)")
        #expect(try RecordsTests.exported(ledger).first?.contains(#""note":"q, r""#) == true)
    }
}
