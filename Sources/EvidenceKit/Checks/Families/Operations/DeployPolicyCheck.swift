import Foundation

/// `deploy_policy`: every deploy job in the window complies with its environment's policy
/// (SPEC §4); the per-job rules are `DeployPolicyChecker`, beside the policy in
/// `Records/DeployPolicy.swift`, the environment lock is SQL here.

extension OperationsFamily {
    static func deployPolicy(_ context: EvaluationContext) -> CheckResult {
        let summary = context.operations.summary
        let deploy = summary.deployFindings
        return CheckResult(CheckID.deployPolicy, ready: deploy.total == 0, otherwise: .review,
                           deploy.total == 0 ? "every deploy job in the window complies with its policy" : "\(deploy.total) policy findings in the \(summary.window) window")
    }
}

extension OperationsQueries {
    /// Deploy jobs in the window checked against their environment's policy.
    ///
    /// A hold overlaps one before it when the latest end before it is past its start, and one
    /// after it when the next start (`lead`: the rows are in start order, so the next start is
    /// the least of those after) is before its end. `lead` rather than a `min` over the frame
    /// to the end, which PostgreSQL recomputes for every row.
    func deployFindings() throws -> Bounded<DeployFinding> {
        var checker = DeployPolicyChecker(policy: options.policy)
        var findings: [DeployFinding] = []
        var total = 0
        try sql.forEachRow("""
            WITH holds AS (
              SELECT id, project, environment, started_at AS s, coalesce(finished_at, ?) AS e FROM deploy
              WHERE started_at IS NOT NULL AND started_at <= ? AND coalesce(finished_at, ?) > started_at
            ), neighbours AS (
              SELECT id,
                max(e) OVER (PARTITION BY project, environment ORDER BY s, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > s AS after_overlap,
                lead(s) OVER (PARTITION BY project, environment ORDER BY s, id) < e AS before_overlap
              FROM holds
            )
            SELECT d.id, d.project, d.environment, d.ref_type, d.ref_name, d.requested_by, d.status, d.started_at, d.finished_at,
              (SELECT count(DISTINCT a.user_id) FROM approval a WHERE a.job_id = d.id AND a.decision = 'approved'
                 AND a.decided_at <= ? AND a.user_id != d.requested_by),
              (SELECT count(*) FROM approval a WHERE a.job_id = d.id AND a.decision = 'rejected'
                 AND a.decided_at < coalesce(d.finished_at, ?)),
              CASE WHEN coalesce(n.after_overlap, FALSE) OR coalesce(n.before_overlap, FALSE) THEN 1 ELSE 0 END
            FROM deploy d LEFT JOIN neighbours n ON n.id = d.id
            WHERE d.requested_at BETWEEN ? AND ?
            ORDER BY d.requested_at, d.id
            """, [asOf, asOf, asOf, asOf, asOf, windowStart, asOf].map(LedgerValue.integer)) { row in
            let job = DeployPolicyChecker.Job(
                id: row.text(0), project: row.text(1), environment: row.text(2), refType: row.text(3), refName: row.text(4),
                requestedBy: row.text(5), status: row.text(6), startedAt: row.optionalInstant(7), finishedAt: row.optionalInstant(8),
                approvals: row.int(9), rejections: row.int(10), overlaps: row.int(11) != 0
            )
            for finding in checker.check(job) {
                total += 1
                if findings.count < Ledger.listLimit { findings.append(finding) }
            }
        }
        return Bounded(items: findings, total: total)
    }

}
