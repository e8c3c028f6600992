import Foundation

/// `no_stuck_runs`: a run queued without a start for `--stuck-queued-minutes`, or running for
/// `--stuck-running-minutes`, whenever it was created (SPEC §4).

extension OperationsFamily {
    static func noStuckRuns(_ context: EvaluationContext) -> CheckResult {
        let stuck = context.operations.summary.stuckRuns.total
        return CheckResult(CheckID.noStuckRuns, ready: stuck == 0, otherwise: .review,
                           stuck == 0 ? "no stuck runs" : "\(stuck) stuck runs (queued ≥ \(context.options.stuckQueuedMinutes) min without a start, or running ≥ \(context.options.stuckRunningMinutes) min)")
    }
}

extension OperationsQueries {
    static let minute: Int64 = 60_000_000_000

    var stuckCondition: String {
        let queued = asOf - Int64(options.stuckQueuedMinutes) * Self.minute
        let running = asOf - Int64(options.stuckRunningMinutes) * Self.minute
        // `status != 'completed'` lets SQLite use the partial index of open runs.
        return "(status != 'completed' AND ((status = 'queued' AND started_at IS NULL AND created_at <= \(queued)) OR (status = 'running' AND started_at <= \(running))))"
    }

    func stuckNote(_ run: RunSummary) -> String {
        if run.status == "queued" {
            return "queued \(Instant(seconds: asOf / 1_000_000_000).seconds(since: run.createdAt) / 60) min without a start"
        }
        let started = run.startedAt ?? run.createdAt
        return "running for \(Instant(seconds: asOf / 1_000_000_000).seconds(since: started) / 60) min"
    }

    func runs(where condition: String, note: (RunSummary) -> String) throws -> Bounded<RunSummary> {
        let total = try sql.integer("SELECT count(*) FROM run WHERE \(condition)")
        let rows = try sql.rows("""
            SELECT id, type, status, outcome, workspace_id, created_at, started_at, completed_at FROM run
            WHERE \(condition) ORDER BY created_at, id LIMIT \(Ledger.listLimit)
            """)
        let items = rows.map { row -> RunSummary in
            var run = RunSummary(
                id: row.text(0), type: row.text(1), status: row.text(2), outcome: row.optionalText(3), workspaceID: row.text(4),
                createdAt: row.instant(5), startedAt: row.optionalInstant(6), completedAt: row.optionalInstant(7), note: ""
            )
            run.note = note(run)
            return run
        }
        return Bounded(items: items, total: total)
    }

}
