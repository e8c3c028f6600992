import Foundation

/// `no_release_pause`: no active `release.cutover` pause (blocked); other active pauses are
/// for review (SPEC §4). A control is active when activated at or before as-of and neither
/// resumed nor expired by then.

extension OperationsFamily {
    static func noReleasePause(_ context: EvaluationContext) -> CheckResult {
        let findings = context.operations
        let status: CheckStatus = findings.releasePauses > 0 ? .blocked : (findings.otherPauses > 0 ? .review : .ready)
        let pauses = findings.summary.activeControls.map { "\($0.controlKey) (\($0.scope == "global" ? "global" : $0.workspaceID ?? "workspace"))" }
        return CheckResult(CheckID.noReleasePause, status,
                           pauses.isEmpty ? "no active operational controls" : "active: " + pauses.prefix(5).joined(separator: ", ") + (pauses.count > 5 ? ", …" : ""))
    }
}

extension OperationsQueries {
    var activeCondition: String {
        "(activated_at <= \(asOf) AND (resumed_at IS NULL OR resumed_at > \(asOf)) AND (expires_at IS NULL OR expires_at > \(asOf)))"
    }

    func activeControls() throws -> [ControlSummary] {
        try sql.rows("""
            SELECT id, control_key, scope, workspace_id, actor_id, activated_at, expires_at, reason FROM control
            WHERE \(activeCondition) ORDER BY scope, activated_at, id
            """).map { row in
            ControlSummary(
                id: row.text(0), controlKey: row.text(1), scope: row.text(2), workspaceID: row.optionalText(3), actorID: row.text(4),
                activatedAt: row.instant(5), expiresAt: row.optionalInstant(6), reason: row.text(7)
            )
        }
    }

}
