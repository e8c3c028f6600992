import Foundation

/// `no_failed_runs`: no run completed with outcome failed in the window, timed by
/// `completed_at` (else `created_at`) (SPEC §4).

extension OperationsFamily {
    static func noFailedRuns(_ context: EvaluationContext) -> CheckResult {
        let summary = context.operations.summary
        let failed = summary.failedRuns.total
        return CheckResult(CheckID.noFailedRuns, ready: failed == 0, otherwise: .review,
                           failed == 0 ? "no failed runs in the \(summary.window) window" : "\(failed) failed runs in the \(summary.window) window")
    }
}

extension OperationsQueries {
    var failedCondition: String {
        "(status = 'completed' AND outcome = 'failed' AND coalesce(completed_at, created_at) BETWEEN \(windowStart) AND \(asOf))"
    }

}
