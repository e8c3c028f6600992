import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// Golden files under `Tests/EvidenceKitTests/Golden/`. `EVPACK_RECORD_GOLDEN=1` rewrites them
/// and still fails the run, so a recording never passes unnoticed.
enum Golden {
    static let folder = TestPaths.root.appendingPathComponent("Tests/EvidenceKitTests/Golden")
    static var recording: Bool { ProcessInfo.processInfo.environment["EVPACK_RECORD_GOLDEN"] == "1" }

    static func check(_ actual: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = folder.appendingPathComponent(name)
        if recording {
            try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try! Data(actual).write(to: url)
            Issue.record("recorded golden \(name); run again without EVPACK_RECORD_GOLDEN to check it", sourceLocation: sourceLocation)
            return
        }
        guard let expected = try? Data(contentsOf: url) else {
            Issue.record("golden \(name) is missing; record it with EVPACK_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        let expectedBytes = Array(expected)
        guard expectedBytes != actual else { return }
        let index = zip(expectedBytes, actual).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedBytes.count, actual.count)
        let line = expectedBytes.prefix(index).filter { $0 == UInt8(ascii: "\n") }.count + 1
        func around(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[max(0, index - 60)..<min(bytes.count, index + 60)], as: UTF8.self)
        }
        Issue.record("""
            \(name) differs from its golden at byte \(index), line \(line) (\(expectedBytes.count) vs \(actual.count) bytes)
            golden: …\(around(expectedBytes))…
            actual: …\(around(actual))…
            If the change is intended, re-record with EVPACK_RECORD_GOLDEN=1 and review the diff.
            """, sourceLocation: sourceLocation)
    }

    static func check(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        check(Array(text.utf8), name, sourceLocation: sourceLocation)
    }
}

/// Packs and evaluations for the render tests.
enum RenderFixtures {
    static func evaluation(_ name: String) throws -> (Evaluation, [UInt8]) {
        let (snapshot, bytes) = try InputFile.snapshot(TestPaths.snapshot(name))
        return (Evaluator.evaluate(snapshot), bytes)
    }

    static func templates(_ language: Language = .en) throws -> TemplateSet {
        try TemplateSet.load(language: language)
    }

    /// Writes `data/` for a sample snapshot into a new temporary folder and returns it.
    static func data(_ name: String, language: Language = .en, operations: OperationsSummary? = nil) throws -> URL {
        var (evaluation, bytes) = try evaluation(name)
        if let operations { evaluation = withOperations(evaluation, operations) }
        let folder = TestPaths.temporaryFolder("evpack-render").appendingPathComponent("data")
        try BuildAction.writeData(evaluation: evaluation, snapshotBytes: bytes, templates: templates(language), into: folder)
        return folder
    }

    /// Every file under `folder`, by relative path, sorted.
    static func files(_ folder: URL) throws -> [(path: String, bytes: [UInt8])] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
        var out: [(String, [UInt8])] = []
        let prefix = folder.standardizedFileURL.path + "/"
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out.append((String(url.standardizedFileURL.path.dropFirst(prefix.count)), Array(try Data(contentsOf: url))))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// `evaluation` as if these records had been read: the summary, and the operations family
    /// (blocked by a stuck run) in the registry's place.
    static func withOperations(_ evaluation: Evaluation, _ summary: OperationsSummary, family: Bool = true) -> Evaluation {
        var evaluation = evaluation
        evaluation.operations = summary
        if family {
            let operations = FamilyResult(
                id: .operations,
                checks: [
                    CheckResult("records_present", .ready, "\(summary.counts.totalAccepted) records accepted"),
                    CheckResult("no_stuck_runs", .review, "\(summary.stuckRuns.total) stuck runs"),
                    CheckResult("no_failed_runs", .review, "\(summary.failedRuns.total) failed runs in the window"),
                    CheckResult("no_release_pause", .ready, "no active release.cutover pause"),
                    CheckResult("signoffs_corroborated", .ready, "nothing accepted"),
                    CheckResult("deploy_policy", .review, "\(summary.deployFindings.total) findings"),
                ],
                decision: "BLOCKED_BY_OPERATIONS", successDecision: "OPERATIONS_CLEAR")
            if let index = evaluation.families.firstIndex(where: { $0.id == .operations }) {
                evaluation.families[index] = operations
            } else {
                let index = evaluation.families.firstIndex { $0.id == .integration } ?? evaluation.families.count
                evaluation.families.insert(operations, at: index)
            }
            evaluation.production = ProductionDecision(families: evaluation.families)
        }
        return evaluation
    }
}

/// Operations summaries made by hand (the records engineer's code fills the real ones).
enum SampleOperations {
    static let asOf = Instant(rfc3339: "2026-11-20T09:00:00Z")!

    static func at(_ minutesBefore: Int) -> Instant { asOf.adding(seconds: Int64(-60 * minutesBefore)) }

    /// A few of everything, with hostile strings where the records allow free text.
    static var small: OperationsSummary {
        OperationsSummary(
            window: "24h", windowStart: at(24 * 60), windowEnd: asOf,
            counts: IngestCounts(accepted: [.audit: 12, .run: 5, .usage: 7, .control: 2, .deploy: 3, .approval: 2],
                                 rejected: 2, duplicatesSkipped: 1, expired: 1),
            rejects: [
                RecordReject(file: "records.jsonl", line: 4, kind: .run, reason: "status: unknown value \"paused\""),
                RecordReject(file: "records.csv", line: 9, reason: "not valid JSON in metadata"),
            ],
            stuckRuns: Bounded(items: [
                RunSummary(id: "run-17", type: "restore", status: "queued", outcome: nil, workspaceID: "ws-north", createdAt: at(45),
                           startedAt: nil, completedAt: nil, note: "queued 45 min without start"),
            ], total: 1),
            failedRuns: Bounded(items: [
                RunSummary(id: "run-21", type: "findings.backfill", status: "completed", outcome: "failed", workspaceID: "ws-south",
                           createdAt: at(130), startedAt: at(125), completedAt: at(50), note: "failed at \(at(50).rfc3339)"),
            ], total: 1),
            runsByOutcome: [.init("succeeded", 2), .init("failed", 1), .init("pending", 1), .init("none", 1)],
            recordsPerDay: [.init("2026-11-18", 9), .init("2026-11-19", 14), .init("2026-11-20", 8)],
            activeControls: [
                ControlSummary(id: "ctl-1", controlKey: "restore.execute", scope: "workspace", workspaceID: "ws-north",
                               actorID: "user_md_anna", activatedAt: at(90), expiresAt: asOf.adding(seconds: 3600),
                               reason: "<script>alert('pause')</script> restore drill in progress"),
            ],
            deployFindings: Bounded(items: [
                DeployFinding(jobID: "job-7", project: "control-center", environment: "prod", rule: "approvals",
                              message: "1 approval from distinct users other than the requester; 2 required"),
            ], total: 1),
            health: [
                WorkspaceHealth(workspace: "ws-north", level: .critical, reasons: ["1 stuck run", "workspace pause restore.execute"]),
                WorkspaceHealth(workspace: "ws-south", level: .critical, reasons: ["1 failed run in the window"]),
                WorkspaceHealth(workspace: "ws-west", level: .ok, reasons: []),
            ],
            telemetry: [
                TelemetryFamily(family: "onboarding", events: 3, workspaces: 2),
                TelemetryFamily(family: "operations", events: 4, workspaces: 2),
                TelemetryFamily(family: "all", events: 7, workspaces: 3),
            ])
    }

    /// What a million records could give: exact totals, lists as long as the records
    /// engineer might make them (and longer), long free text.
    static func large(records: Int = 1_000_000, listed: Int = 500) -> OperationsSummary {
        let long = String(repeating: "x", count: 480)
        let runs = (0..<listed).map { i in
            RunSummary(id: "run-\(i)", type: "restore", status: "queued", outcome: nil, workspaceID: "ws-\(i % 900)",
                       createdAt: at(60 + i), startedAt: nil, completedAt: nil, note: "queued \(60 + i) min without start \(long)")
        }
        return OperationsSummary(
            window: "7d", windowStart: at(7 * 24 * 60), windowEnd: asOf,
            counts: IngestCounts(accepted: [.audit: records * 4 / 10, .run: records * 3 / 10, .usage: records * 2 / 10,
                                            .control: records / 20, .deploy: records / 25, .approval: records / 100],
                                 rejected: records / 100, duplicatesSkipped: records / 1000, expired: records / 50),
            rejects: (0..<listed).map { RecordReject(file: "records-\($0 % 3).jsonl", line: $0 * 7 + 2, kind: .usage, reason: "metadata.note: free text \(long)") },
            stuckRuns: Bounded(items: runs, total: records / 20),
            failedRuns: Bounded(items: runs, total: records / 30),
            runsByOutcome: ["pending", "succeeded", "partially_succeeded", "failed", "canceled", "blocked", "none"].enumerated().map {
                .init($0.element, records / 10 * ($0.offset + 1))
            },
            recordsPerDay: (0..<30).map { .init(Instant(seconds: asOf.seconds - Int64(29 - $0) * 86_400).utcDay, records / 30 + $0) },
            activeControls: (0..<listed).map {
                ControlSummary(id: "ctl-\($0)", controlKey: "restore.execute", scope: "workspace", workspaceID: "ws-\($0)",
                               actorID: "user_md_anna", activatedAt: at(90), expiresAt: nil, reason: long)
            },
            deployFindings: Bounded(items: (0..<listed).map {
                DeployFinding(jobID: "job-\($0)", project: "control-center", environment: "prod", rule: "deploy_window", message: long)
            }, total: records / 40),
            health: (0..<5_000).map { WorkspaceHealth(workspace: "ws-\($0)", level: $0 % 3 == 0 ? .critical : .warning, reasons: [long, long]) },
            telemetry: ["onboarding", "support_diagnostics", "operations", "stored_report", "review_pack", "all"].map {
                TelemetryFamily(family: $0, events: records / 10, workspaces: 900)
            })
    }
}

extension HTMLRenderer {
    /// The page of one family of `evaluation`, as the pack shows it.
    func familyPage(_ family: FamilyResult, _ evaluation: Evaluation) -> HTMLPage {
        let report = EvidenceReport(evaluation: evaluation)
        return familyPage(report.family(family.id)!, report, snapshot: evaluation.snapshot)
    }
}
