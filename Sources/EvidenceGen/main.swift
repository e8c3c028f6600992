// evpack-gen: synthetic audit/telemetry records for benchmarks and large-input tests.
// Not a user command of evpack. Deterministic: the same arguments give the same bytes.
import ArgumentParser
import Foundation

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evpack-gen",
        abstract: "Writes synthetic audit/telemetry records for benchmarks and large-input tests.",
        discussion: """
            The records are of all six kinds (audit, run, usage, control, deploy, approval), for \
            as-of 2026-11-20T09:00:00Z; about P% of them are bad lines (invalid JSON, missing \
            fields, wrong enums and times, e-mails in usage metadata, conflicting duplicates). \
            The same arguments give the same bytes.
            """
    )

    /// What a file is written as.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv
    }

    @Option(name: .customLong("records"), help: ArgumentHelp("How many records (lines) to write.", valueName: "N"))
    var count = 100_000

    @Option(help: ArgumentHelp("About this percentage of the lines are bad, from 0 to 100.", valueName: "P"))
    var badPercent = 2.0

    @Option(help: ArgumentHelp("The seed of the random choices: another seed, other records.", valueName: "S"))
    var seed: UInt64 = 1

    @Option(help: "How the records are written: JSON Lines, or CSV with a header row.")
    var format = Format.jsonl

    @Option(help: ArgumentHelp("The records' workspaces are ws-1 … ws-N (and tenants tn-1 … tn-3N).", valueName: "N"))
    var workspaces = 200

    /// Put before every id, so that files made with different prefixes share no id.
    @Option(help: ArgumentHelp("Start every id with P, so that files made with different prefixes share no id.", valueName: "P"))
    var idPrefix = ""

    @Option(help: ArgumentHelp("The file to write, or - for standard output.", valueName: "FILE"))
    var out = "-"

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--records takes a whole number from 0 up, not \(count)") }
        guard (0...100).contains(badPercent) else { throw ValidationError("--bad-percent takes a number from 0 to 100, not \(badPercent)") }
        guard workspaces >= 1 else { throw ValidationError("--workspaces takes a whole number from 1 up, not \(workspaces)") }
    }
}

/// The options; `--help` prints the help and exits 0, a bad argument or value exits 2.
let options: Options = {
    do {
        return try Options.parse()
    } catch {
        if Options.exitCode(for: error) == .success { Options.exit(withError: error) }
        FileHandle.standardError.write(Data((Options.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
}()

struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Double) -> Bool { Double(next() % 1_000_000) < percent * 10_000 }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

@MainActor func iso(_ seconds: Int64) -> String {
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = Int(seconds - days * 86_400)
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    func p(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
    return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(Int64(secondOfDay / 3600), 2)):\(p(Int64(secondOfDay / 60 % 60), 2)):\(p(Int64(secondOfDay % 60), 2))Z"
}

let eventMetadata: [(String, [(String, [String])])] = [
    ("product.onboarding.checkpoint_completed", [("checkpoint_key", ["profile", "tenant_setup", "first_scenario"]), ("lifecycle_state", ["started", "completed"])]),
    ("product.support_diagnostics.opened", [("source_surface", ["console", "api", "help_center"]), ("operation_type", ["restore", "backfill"])]),
    ("product.operations.started", [("operation_type", ["restore", "backfill", "export"])]),
    ("product.stored_report.created", [("report_type", ["cutover", "weekly", "audit"])]),
    ("product.review_pack.requested", [("source_surface", ["console", "api"])]),
]

/// One JSON object as ordered (key, raw JSON value) pairs.
typealias Fields = [(String, String)]

@MainActor func q(_ s: String) -> String { "\"" + s + "\"" }

var random = Random(state: options.seed)
let asOf: Int64 = 1_795_165_200  // 2026-11-20T09:00:00Z
var ids: [String: Int] = [:]
var lastDeploy = 0

@MainActor func next(_ prefix: String) -> String {
    let n = (ids[prefix] ?? 0) + 1
    ids[prefix] = n
    return "\(options.idPrefix)\(prefix)-\(n)"
}

@MainActor func workspace() -> String { "ws-\(random.below(options.workspaces) + 1)" }
@MainActor func tenant() -> String { "tn-\(random.below(options.workspaces * 3) + 1)" }
@MainActor func user() -> String { "user-\(random.below(500) + 1)" }
/// A time within the last 7 days before as-of.
@MainActor func recent(_ span: Int64 = 7 * 86_400) -> Int64 { asOf - Int64(random.below(Int(span))) }

@MainActor func makeRecord() -> (kind: String, fields: Fields) {
    let roll = random.below(100)
    switch roll {
    case 0..<35:
        let actions = ["platform.auth.login", "scenario.write", "signoff.recorded", "cutover.approve", "platform.break_glass.enter"]
        let status = random.chance(5) ? random.pick(["failure", "denied", "blocked"]) : "success"
        var f: Fields = [("id", q(next("aud"))), ("recorded_at", q(iso(recent()))), ("action", q(random.pick(actions))),
                         ("status", q(status)), ("actor_id", q(user())), ("workspace_id", q(workspace())),
                         ("tenant_id", q(tenant())), ("subject_type", q("scenario")), ("subject_id", q("sc-\(random.below(9000))"))]
        if random.chance(30) {
            // Now and then an upstream forgot to strip a secret: the sanitizer redacts it.
            let secret = random.chance(15) ? ",\"session_token\":\"tok_\(random.next() % 1_000_000_007)\"" : ""
            f.append(("metadata", "{\"ip_class\":\"office\",\"attempt\":\(random.below(4))\(secret)}"))
        }
        return ("audit", f)
    case 35..<55:
        let created = recent()
        var status = random.pick(["completed", "completed", "completed", "running", "queued"])
        var f: Fields = [("id", q(next("run"))), ("type", q(random.pick(["restore.execute", "findings.backfill", "report.export"]))),
                         ("status", q(status)), ("workspace_id", q(workspace())), ("tenant_id", q(tenant())),
                         ("initiator", q("Operator \(random.below(40))")), ("created_at", q(iso(created)))]
        if status == "queued", random.chance(70) { status = "queued" } else if status != "queued" {
            f.append(("started_at", q(iso(min(asOf, created + Int64(random.below(600)))))))
        }
        if status == "completed" {
            let outcome = random.chance(6) ? "failed" : random.pick(["succeeded", "succeeded", "partially_succeeded", "canceled"])
            f.append(("outcome", q(outcome)))
            f.append(("completed_at", q(iso(min(asOf, created + 600 + Int64(random.below(3600)))))))
            let note = random.chance(5) ? ",\"note\":\"partial\"" : ""
            f.append(("summary_counts", "{\"processed\":\(random.below(5000)),\"failed\":\(random.below(20))\(note)}"))
            if outcome == "failed" {
                f.append(("failure_summary", "[{\"code\":\"E_TIMEOUT\",\"message\":\"upstream timed out\"},{\"code\":\"E_RETRY\",\"api_key\":\"sk_live_\(random.below(99999))\"}]"))
            }
        } else {
            f.append(("outcome", q("pending")))
        }
        return ("run", f)
    case 55..<80:
        let (event, keys) = random.pick(eventMetadata)
        let age: Int64 = random.chance(3) ? 95 * 86_400 : Int64(random.below(20 * 86_400))
        var metadata: [String] = []
        for (key, values) in keys { metadata.append("\(q(key)):\(q(random.pick(values)))") }
        if event == "product.review_pack.requested" { metadata.append("\"include_operations\":true,\"include_pii\":false") }
        return ("usage", [("id", q(next("use"))), ("event_name", q(event)), ("workspace_id", q(workspace())),
                          ("tenant_id", q(tenant())), ("user_id", q(user())), ("subject_type", q("workspace")),
                          ("subject_id", q(workspace())), ("occurred_at", q(iso(asOf - age))), ("metadata", "{" + metadata.joined(separator: ",") + "}")])
    case 80..<82:
        let activated = recent()
        let global = random.chance(10)
        var f: Fields = [("id", q(next("ctl"))), ("control_key", q(random.pick(["restore.execute", "findings.lifecycle.backfill", "release.cutover"]))),
                         ("scope", q(global ? "global" : "workspace"))]
        if !global { f.append(("workspace_id", q(workspace()))) }
        f += [("reason", q("Paused while the incident \(random.below(900)) is investigated")), ("actor_id", q(user())),
              ("activated_at", q(iso(activated))), ("resumed_at", q(iso(min(asOf + 3600, activated + 1800))))]
        return ("control", f)
    case 82..<92:
        let env = random.pick(["stage", "demo", "prod"])
        let requested = recent()
        let (refType, ref): (String, String) = {
            switch env {
            case "stage": return ("branch", random.pick(["develop", "feature/eta-\(random.below(90))", "bugfix/ksef-\(random.below(90))"]))
            case "demo": return ("branch", random.pick(["main", "release/1.\(random.below(9))"]))
            default: return ("tag", "v1.\(random.below(9)).\(random.below(20))")
            }
        }()
        let id = next("dep")
        lastDeploy = ids["dep"] ?? 0
        let started = requested + 60
        return ("deploy", [("id", q(id)), ("project", q("proj-\(random.below(10) + 1)")), ("environment", q(env)), ("type", q("deploy")),
                           ("ref_type", q(refType)), ("ref_name", q(ref)), ("commit_sha", q(String(format: "%016llx", random.next()))),
                           ("requested_by", q(user())), ("requested_at", q(iso(requested))), ("status", q("success")),
                           ("started_at", q(iso(started))), ("finished_at", q(iso(started + 240))),
                           ("external_run_url", q("https://ci.example/runs/\(random.below(99999))" + (random.chance(20) ? "?token=abc" : "")))])
    default:
        let job = options.idPrefix + (lastDeploy > 0 ? "dep-\(max(1, lastDeploy - random.below(3)))" : "dep-1")
        return ("approval", [("id", q(next("apr"))), ("job_id", q(job)), ("user_id", q(user())),
                             ("decision", q(random.chance(5) ? "rejected" : "approved")), ("decided_at", q(iso(recent()))),
                             ("note", q("looks good"))])
    }
}

/// Breaks a good record in one of the ways real inputs break.
@MainActor func breakRecord(_ kind: String, _ fields: Fields) -> (String, Fields, raw: String?) {
    var fields = fields
    switch random.below(9) {
    case 0: return (kind, fields, "{\"kind\":\"\(kind)\",\"id\":\"broken-\(random.below(1000))\",")  // invalid JSON
    case 1: fields.removeAll { $0.0 == "id" }
    case 2: if let i = fields.firstIndex(where: { $0.0.hasSuffix("_at") }) { fields[i].1 = q("2026-13-45 25:61") }
    case 3: if let i = fields.firstIndex(where: { ["status", "decision", "scope", "environment", "event_name"].contains($0.0) }) { fields[i].1 = q("bogus") }
    case 4:
        if kind == "usage" { fields.removeAll { $0.0 == "metadata" }; fields.append(("metadata", "{\"source_surface\":\"anna@example.com\"}")) }
        else { fields.removeAll { $0.0 == "id" } }
    case 5: if let i = fields.firstIndex(where: { $0.0 == "id" }) { fields[i].1 = q("has space@bad") }
    case 6:
        // A duplicate id with different content: a rejected conflict.
        let prefix = ["audit": "aud", "run": "run", "usage": "use", "control": "ctl", "deploy": "dep", "approval": "apr"][kind]!
        if let n = ids[prefix], n > 1, let i = fields.firstIndex(where: { $0.0 == "id" }) { fields[i].1 = q("\(options.idPrefix)\(prefix)-\(n - 1)") }
        else { fields.removeAll { $0.0 == "id" } }
    case 7: return (kind, fields, "[1,2,3]")
    default: return (kind, fields, "{\"kind\":\"\(kind)\",\"id\":\"bad\u{1}-\(random.below(100))\"}")
    }
    return (kind, fields, nil)
}

let csvColumns = ["kind", "id", "recorded_at", "action", "status", "actor_id", "workspace_id", "tenant_id", "subject_type", "subject_id",
                  "metadata", "type", "outcome", "initiator", "created_at", "started_at", "completed_at", "summary_counts",
                  "failure_summary", "event_name", "user_id", "occurred_at", "control_key", "scope", "reason", "activated_at",
                  "expires_at", "resumed_at", "project", "environment", "ref_type", "ref_name", "commit_sha", "requested_by",
                  "requested_at", "finished_at", "external_run_url", "job_id", "decision", "decided_at", "note"]
let csvIndex = Dictionary(uniqueKeysWithValues: csvColumns.enumerated().map { ($1, $0) })

@MainActor func csvCell(_ raw: String) -> String {
    // Strings lose their JSON quotes; JSON cells (objects, arrays) are written as JSON text.
    var text = raw
    if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 { text = String(raw.dropFirst().dropLast()) }
    if text.contains(",") || text.contains("\"") || text.contains("\n") {
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return text
}

var output = ""
output.reserveCapacity(1 << 22)
let handle: FileHandle
if options.out == "-" {
    handle = FileHandle.standardOutput
} else {
    _ = FileManager.default.createFile(atPath: options.out, contents: nil)
    guard let h = FileHandle(forWritingAtPath: options.out) else { FileHandle.standardError.write(Data("cannot write \(options.out)\n".utf8)); exit(1) }
    handle = h
}
@MainActor func flush(force: Bool = false) {
    if force || output.utf8.count >= 1 << 22 {
        handle.write(Data(output.utf8))
        output.removeAll(keepingCapacity: true)
    }
}
if options.format == .csv { output += csvColumns.joined(separator: ",") + "\n" }
for _ in 0..<options.count {
    var (kind, fields) = makeRecord()
    var raw: String?
    if random.chance(options.badPercent) { (kind, fields, raw) = breakRecord(kind, fields) }
    if options.format == .jsonl {
        if let raw { output += raw } else {
            output += "{\"kind\":\"\(kind)\"" + fields.map { ",\(q($0.0)):\($0.1)" }.joined() + "}"
        }
    } else {
        var cells = Array(repeating: "", count: csvColumns.count)
        cells[0] = kind
        if raw == nil { for (key, value) in fields { if let i = csvIndex[key] { cells[i] = csvCell(value) } } } else { cells[1] = "broken" }
        output += cells.joined(separator: ",")
        if raw != nil, random.chance(50) { output += ",extra" }
    }
    output += "\n"
    flush()
}
flush(force: true)
