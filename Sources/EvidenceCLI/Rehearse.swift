import ArgumentParser
import EvidenceKit
import EvidenceRehearsal
import Foundation

/// `evpack rehearse`: connection and dry-run evidence recorded against a real PostgreSQL target.
struct Rehearse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record connection and dry-run evidence against a real PostgreSQL target.",
        discussion: """
            Connects to the DB/auth target (the scenario_store provider's Postgres/RLS), records \
            ProductionAdapterConnection.v1 evidence (reachability, the TLS certificate's SHA-256 \
            fingerprint from the handshake, the session's actor, a write probe in a temporary \
            table) and runs the five ProductionAdapterDryRun.v1 steps inside ONE transaction that \
            is rolled back: export the payload; run the runbook packet and read the catalog back; \
            prove tenant isolation with forced row level security; write the payload and audit \
            events and read them back with an equal RFC 8785 checksum; roll back and prove the \
            target is as it was.

            Writes the snapshot again with 'connection' and 'dry_run' filled in (the payload is \
            untouched, so its checksum holds); 'evpack check' or 'evpack build' on the result \
            judges that evidence as usual.

            The password never goes in the URL: it comes from the snapshot's credentials_ref when \
            that is env://NAME, else from PGPASSWORD (a vault:// or secret:// reference is \
            resolved by whoever runs evpack, e.g. a CI job injecting it as PGPASSWORD).

            Exit codes: 0 every probe and step passed; 1 a probe or step failed (the evidence is \
            still written, naming the failure); 2 usage or input error (nothing written).
            """
    )

    @Argument(help: ArgumentHelp("The BFGScenarioSnapshot.v1 JSON file.", valueName: "snapshot"))
    var snapshot: String

    @Option(help: ArgumentHelp(
        "The target: postgres://USER@HOST[:PORT]/DB[?sslmode=require|verify-ca|verify-full|disable&sslrootcert=FILE].",
        discussion: "sslmode defaults to require (encrypted; the certificate's fingerprint is the evidence).",
        valueName: "url"))
    var target: String

    @Option(help: ArgumentHelp("The actor the session is recorded for (default: the snapshot's infrastructure.owner).", valueName: "id"))
    var actor: String?

    @Option(help: ArgumentHelp(
        "Where to write the rehearsed snapshot; '-' for standard output.",
        discussion: "Default: SNAPSHOT with .rehearsed.json in place of .json, beside it.",
        valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("The time recorded as recorded_at/ran_at (RFC 3339; default: now).", valueName: "time"))
    var at: String?

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Seconds to wait for the connection (1–300).", valueName: "seconds"))
    var connectTimeout: Int64 = 10

    func validate() throws {
        if let at, Instant(rfc3339: at) == nil {
            throw ValidationError("--at '\(at)' is not an RFC 3339 time with 'T' and an offset, e.g. 2026-11-30T09:00:00Z")
        }
        if !(1...300).contains(connectTimeout) {
            throw ValidationError("--connect-timeout must be from 1 to 300 seconds")
        }
    }

    func run() async throws {
        let recordedAt = at.flatMap { Instant(rfc3339: $0) } ?? Instant(seconds: Int64(Date().timeIntervalSince1970))
        let action = RehearseAction(
            snapshotPath: snapshot, targetURL: target, actor: actor, outPath: out, recordedAt: recordedAt,
            connectTimeoutSeconds: connectTimeout, environment: ProcessInfo.processInfo.environment
        )
        let outcome = try await action.perform()
        if outcome.outPath == nil {
            FileHandle.standardOutput.write(Data(outcome.bytes))
        }
        // The summary goes to stderr when the snapshot itself goes to stdout.
        let report = RehearsalReport.text(outcome)
        if outcome.outPath == nil { printError(report) } else { print(report, terminator: "") }
        if outcome.evidence.failed { throw ExitCode(ExitStatus.verificationFailed) }
    }
}

/// The lines `evpack rehearse` prints: what each probe and step found, then what `check` says.
enum RehearsalReport {
    static func text(_ outcome: RehearseAction.Outcome) -> String {
        let evaluation = outcome.evaluation
        var lines = ["rehearsal of \(evaluation.snapshot.session) (\(evaluation.snapshot.payloadChecksumShort)) against \(outcome.target.redacted)"]
        if let family = evaluation.family(.connection) {
            lines.append("connection  \(family.count)  \(family.decision ?? "")")
            for check in family.checks { lines.append("  \(check.id.padding(to: 26)) \(check.status.rawValue.padding(to: 6)) \(check.detail)") }
        }
        if let family = evaluation.family(.dryRun) {
            lines.append("dry-run     \(family.count)  \(family.decision ?? "")")
            let steps = outcome.evidence.dryRun["steps"]?.objectValue
            for check in family.checks {
                let transcript = steps?[check.id]?["transcript"]?.stringValue ?? ""
                let last = transcript.split(separator: "\n").last.map(String.init) ?? ""
                lines.append("  \(check.id.padding(to: 26)) \(check.status.rawValue.padding(to: 6)) \(check.isReady ? "" : last)")
            }
        }
        if let path = outcome.outPath { lines.append("wrote \(path)") }
        lines.append(outcome.evidence.failed ? "a probe or step failed: the evidence names it (exit 1)" : "every probe and step passed")
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n") + "\n"
    }
}
