import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// Strict decoding of BFGScenarioSnapshot.v1: every problem named by path and line.
@Suite struct SnapshotReaderTests {
    func problems(_ value: JSONValue) -> [SnapshotProblem] {
        do {
            _ = try SnapshotReader.read(Fixtures.bytes(value), file: "bad.json")
            return []
        } catch {
            return error.problems
        }
    }

    func problems(_ text: String) -> [SnapshotProblem] {
        do {
            _ = try SnapshotReader.read(Array(text.utf8), file: "bad.json")
            return []
        } catch {
            return error.problems
        }
    }

    @Test(arguments: TestPaths.sampleSnapshots)
    func everySampleSnapshotReads(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let snapshot = try SnapshotReader.read(Array(data), file: path)
        #expect(snapshot.payloadChecksum.count == 64)
    }

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var edits: [(String, JSONValue?)]
        var path: String
        var message: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "wrong schema", edits: [("schema", .string("BFGScenarioSnapshot.v2"))], path: "schema", message: "expected \"BFGScenarioSnapshot.v1\""),
        Case(name: "unknown top-level key", edits: [("captured_by", .string("x"))], path: "captured_by", message: "unknown top-level key"),
        Case(name: "missing required field", edits: [("rollback", nil)], path: "rollback", message: "required key is missing"),
        Case(name: "missing tenant id", edits: [("tenant.id", nil)], path: "tenant.id", message: "required string is missing"),
        Case(name: "wrong type", edits: [("actors[3].permissions", .number(3))], path: "actors[3].permissions", message: "expected an array, found a number"),
        Case(name: "wrong element type", edits: [("actors[1].permissions[0]", .bool(true))], path: "actors[1].permissions[0]", message: "expected a string"),
        Case(name: "bad timestamp", edits: [("captured_at", .string("2026-11-20 09:00:00"))], path: "captured_at", message: "not an RFC 3339 time"),
        Case(name: "timestamp without offset", edits: [("rehearsals[2].accepted_at", .string("2026-11-18T09:15:00"))], path: "rehearsals[2].accepted_at", message: "not an RFC 3339 time"),
        Case(name: "impossible date", edits: [("rollback.owner_ack_at", .string("2026-02-30T10:00:00Z"))], path: "rollback.owner_ack_at", message: "the date 2026-02-30 does not exist"),
        Case(name: "year 0000", edits: [("captured_at", .string("0000-11-20T09:00:00Z"))], path: "captured_at", message: "year 0000 is out of range"),
        Case(name: "year 0000 by its offset", edits: [("rehearsals[0].accepted_at", .string("0001-01-01T00:30:00+01:00"))], path: "rehearsals[0].accepted_at", message: "year 0000 is out of range"),
        Case(name: "role that is given but unknown", edits: [("actors[1].role", .string("admin"))], path: "actors[1].role", message: "unknown value \"admin\""),
        Case(name: "role that is not a string", edits: [("actors[1].role", .number(1))], path: "actors[1].role", message: "expected a string"),
        Case(name: "duplicate actor id", edits: [("actors[2].id", .string("user_md_anna"))], path: "actors[2].id", message: "duplicate actor id"),
        Case(name: "rehearsal owner not an actor", edits: [("rehearsals[1].owner", .string("user_ghost"))], path: "rehearsals[1].owner", message: "not an actor id"),
        Case(name: "infrastructure owner not an actor", edits: [("infrastructure.owner", .string("nobody"))], path: "infrastructure.owner", message: "not an actor id"),
        Case(name: "rollback owner not an actor", edits: [("rollback.owner", .string("nobody"))], path: "rollback.owner", message: "not an actor id"),
        Case(name: "audit row actor not an actor", edits: [("rows.audit_events[0].actor_id", .string("nobody"))], path: "rows.audit_events[0].actor_id", message: "not an actor id"),
        Case(name: "duplicate row id", edits: [("rows.orders[1].id", .string("ord-1001"))], path: "rows.orders[1].id", message: "duplicate row id"),
        Case(name: "unknown row group", edits: [("rows.invoices", .array([]))], path: "rows.invoices", message: "unknown row group"),
        Case(name: "finance channel", edits: [("rows.finance_events[0].channel", .string("cash"))], path: "rows.finance_events[0].channel", message: "unknown value \"cash\""),
        Case(name: "audit source", edits: [("rows.audit_events[1].source", .string("gossip"))], path: "rows.audit_events[1].source", message: "unknown value"),
        Case(name: "unknown rehearsal key", edits: [("rehearsals[0].key", .string("contracts_frozzen"))], path: "rehearsals[0].key", message: "unknown value \"contracts_frozzen\""),
        Case(name: "rehearsal listed twice", edits: [("rehearsals[1].key", .string("contracts_frozen"))], path: "rehearsals[1].key", message: "listed twice"),
        Case(name: "unknown role", edits: [("actors[0].role", .string("admin"))], path: "actors[0].role", message: "unknown value \"admin\""),
        Case(name: "unknown infrastructure key", edits: [("infrastructure.hostname", .object(JSONObject()))], path: "infrastructure.hostname", message: "unknown infrastructure key"),
        Case(name: "unknown dry-run step", edits: [("dry_run.steps.smoke_test", .object(JSONObject()))], path: "dry_run.steps.smoke_test", message: "unknown dry-run step"),
        Case(name: "dry-run step status", edits: [("dry_run.steps.snapshot_export.status", .string("ok"))], path: "dry_run.steps.snapshot_export.status", message: "expected one of: passed, failed"),
        Case(name: "unknown verified object", edits: [("dry_run.verified_objects[0]", .string("tenantz"))], path: "dry_run.verified_objects[0]", message: "unknown value"),
        Case(name: "malformed evidence checksum", edits: [("connection.snapshot_checksum", .string("abc"))], path: "connection.snapshot_checksum", message: "64 hex digits or bfg-xxxxxxxx"),
        Case(name: "session not a token", edits: [("session", .string("grant/demo"))], path: "session", message: "1–80 characters"),
        Case(name: "line break in an adapter field", edits: [("adapter.target", .string("db\nBFG_RELEASE_DECISION=GO"))], path: "adapter.target", message: "single line"),
        Case(name: "control character in release environment", edits: [("release.environment", .string("stag\u{1B}ing"))], path: "release.environment", message: "single line"),
        Case(name: "line break in an actor id", edits: [("actors[4].id", .string("cp\r\nclient"))], path: "actors[4].id", message: "single line"),
        Case(name: "top level not an object", edits: [("", .array([]))], path: "", message: "a snapshot is a JSON object"),
    ]

    @Test(arguments: cases)
    func badSnapshotNamesPathAndProblem(_ c: Case) {
        let found = problems(Fixtures.ready(c.edits))
        #expect(found.count >= 1, "\(c.name): no problem reported")
        let match = found.first { $0.path == c.path }
        #expect(match != nil, "\(c.name): expected a problem at \(c.path), got \(found)")
        #expect(match?.message.contains(c.message) == true, "\(c.name): \(match?.message ?? "")")
        if !c.path.isEmpty { #expect(match?.line != nil, "\(c.name): no line number") }
    }

    @Test func lineNumbersPointAtTheOffendingValue() {
        let text = JSONWriter.pretty(Fixtures.ready([("actors[3].permissions", .number(3))]))
        let expectedLine = text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("\"permissions\": 3") }! + 1
        let found = problems(text)
        #expect(found.map(\.line) == [expectedLine])
        let error = SnapshotError(file: "bad.json", problems: found)
        #expect(error.description.contains("bad.json:\(expectedLine): actors[3].permissions: expected an array"))
    }

    @Test func notJSONNamesLineAndColumn() {
        let found = problems("{\n  \"schema\": \"BFGScenarioSnapshot.v1\",\n  \"session\": oops\n}")
        #expect(found.count == 1)
        #expect(found.first?.line == 3)
        #expect(found.first?.message.contains("not valid JSON") == true)
        #expect(problems("").first?.message.contains("empty document") == true)
        #expect(problems("{\"a\":1}{").first?.message.contains("unexpected data after") == true)
    }

    @Test func everyProblemIsCollectedInOneRun() {
        let found = problems(Fixtures.ready([
            ("schema", .string("nope")), ("colour", .string("blue")), ("actors[0].role", .string("admin")),
            ("rehearsals[5].owner", .string("ghost")), ("rows.orders[1].id", .string("ord-1001")),
            ("credentials_ref", .string("hunter2")),
        ]))
        #expect(Set(found.map(\.path)) == ["schema", "colour", "actors[0].role", "rehearsals[5].owner", "rows.orders[1].id", "credentials_ref"])
    }

    @Test(arguments: ["hunter2", "vault://bfg prod", "https://user:pw@vault.example/x", "secret://a@b", "env://1ABC", "vault://\t", "postgres://u:p@h/db"])
    func secretLikeCredentialsRefIsRefusedWithoutEcho(_ value: String) {
        let found = problems(Fixtures.ready([("credentials_ref", .string(value))]))
        #expect(found.map(\.path) == ["credentials_ref"])
        let text = SnapshotError(file: "bad.json", problems: found).description
        #expect(!text.contains(value))
    }

    @Test(arguments: ["vault://bfg/prod/db", "secret://team/db-auth", "env://BFG_DB_PASSWORD_REF", "env://_X1"])
    func referencesAreAccepted(_ value: String) throws {
        let snapshot = try Fixtures.snapshot(Fixtures.ready([("credentials_ref", .string(value))]))
        #expect(snapshot.credentialsRef == value)
    }

    @Test func endpointValueIsNeverEchoed() {
        let secret = "postgres://admin:Pa55\nword@db/x"
        let found = problems(Fixtures.ready([("connection.endpoint", .string(secret))]))
        let text = SnapshotError(file: "bad.json", problems: found).description
        #expect(found.map(\.path) == ["connection.endpoint"])
        #expect(!text.contains("Pa55"))
    }

    @Test func defaultsAndOptionalSections() throws {
        var value = Fixtures.json("demo-local.json")
        value.set("environments", nil)
        value.set("connection", nil)
        value.set("dry_run", nil)
        value.set("credentials_ref", nil)
        value.set("actors[1].tenant", nil)
        value.set("rows.orders", nil)
        let snapshot = try Fixtures.snapshot(value)
        #expect(snapshot.actors[1].tenant == "bfg-control")
        #expect(snapshot.rowCount(.orders) == 0)
        #expect(snapshot.connection == nil && snapshot.dryRun == nil && snapshot.credentialsRef == nil)
    }

    @Test func payloadIsExactlyAsGiven() throws {
        // A missing row group is not added to the payload: the checksum changes.
        var value = Fixtures.json("demo-local.json")
        let before = try Fixtures.snapshot(value).payloadChecksum
        value.set("rows.orders", nil)
        #expect(try Fixtures.snapshot(value).payloadChecksum != before)
        // Evidence and other sections are outside the payload.
        var other = Fixtures.json("demo-local.json")
        other.set("rollback.owner_ack_at", .string("2026-11-20T10:00:00Z"))
        other.set("captured_at", .string("2026-11-21T10:00:00+02:00"))
        #expect(try Fixtures.snapshot(other).payloadChecksum == before)
        // Member order and white space do not matter.
        let compact = Array(JSONWriter.compact(Fixtures.json("demo-local.json")).utf8)
        #expect(try SnapshotReader.read(compact, file: "c.json").payloadChecksum == before)
    }

    @Test func timesAreComparedAsInstants() throws {
        #expect(Instant(rfc3339: "2026-11-20T10:00:00+01:00") == Instant(rfc3339: "2026-11-20T09:00:00Z"))
        #expect(Instant(rfc3339: "2026-11-20T09:00:00.5Z")! > Instant(rfc3339: "2026-11-20T09:00:00Z")!)
        #expect(Instant(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(Instant(rfc3339: "2023-02-29T00:00:00Z") == nil)
        #expect(Instant(rfc3339: "2026-11-20T09:00:00.123456789-05:30")?.rfc3339 == "2026-11-20T14:30:00.123456789Z")
        #expect(Instant(rfc3339: "1969-12-31T23:59:59Z")?.seconds == -1)
        for bad in ["2026-11-20", "2026-11-20T09:00Z", "2026-11-20x09:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T09:00:00.Z", "2026-11-20T09:00:00+0100", " 2026-11-20T09:00:00Z"] {
            #expect(Instant(rfc3339: bad) == nil, "\(bad)")
        }
    }
}
