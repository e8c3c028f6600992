/// Operations: what the audit and telemetry records say about running production (SPEC §3, §4).
/// The queries behind each rule are in `Records/LedgerQueries.swift`.
struct OperationsFamily: DecidingFamily {
    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.operations
        case recordsPresent = "records_present"
        case noStuckRuns = "no_stuck_runs"
        case noFailedRuns = "no_failed_runs"
        case noReleasePause = "no_release_pause"
        case signoffsCorroborated = "signoffs_corroborated"
        case deployPolicy = "deploy_policy"
    }

    enum Decision: String, FamilyDecision {
        case clear = "OPERATIONS_CLEAR"
        case blockedByOperations = "BLOCKED_BY_OPERATIONS"
        static let success = Decision.clear
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let findings = context.operations
        let summary = findings.summary
        let stuck = summary.stuckRuns.total
        let failed = summary.failedRuns.total
        let signoffs = findings.signoffs
        let missing = signoffs.filter { !$0.corroborated }
        let pauseStatus: CheckStatus = findings.releasePauses > 0 ? .blocked : (findings.otherPauses > 0 ? .review : .ready)
        let pauses = summary.activeControls.map { "\($0.controlKey) (\($0.scope == "global" ? "global" : $0.workspaceID ?? "workspace"))" }
        let deploy = summary.deployFindings
        let checks = [
            CheckResult(
                CheckID.recordsPresent, ready: findings.acceptedRecords > 0, otherwise: .review,
                // Only what replay can reproduce: the rejects and duplicates of the original
                // ingest are reported by the operations summary, not by this check.
                findings.acceptedRecords > 0
                    ? "\(findings.acceptedRecords) accepted records"
                    : "no accepted records: production cannot be GO without an audit trail"
            ),
            CheckResult(CheckID.noStuckRuns, ready: stuck == 0, otherwise: .review,
                        stuck == 0 ? "no stuck runs" : "\(stuck) stuck runs (queued ≥ \(context.options.stuckQueuedMinutes) min without a start, or running ≥ \(context.options.stuckRunningMinutes) min)"),
            CheckResult(CheckID.noFailedRuns, ready: failed == 0, otherwise: .review,
                        failed == 0 ? "no failed runs in the \(summary.window) window" : "\(failed) failed runs in the \(summary.window) window"),
            CheckResult(CheckID.noReleasePause, pauseStatus,
                        pauses.isEmpty ? "no active operational controls" : "active: " + pauses.prefix(5).joined(separator: ", ") + (pauses.count > 5 ? ", …" : "")),
            CheckResult(
                CheckID.signoffsCorroborated, ready: missing.isEmpty, otherwise: .review,
                signoffs.isEmpty ? "nothing accepted yet, nothing to corroborate"
                    : missing.isEmpty ? "\(signoffs.count)/\(signoffs.count) sign-offs backed by signoff.recorded audit events"
                    : "\(signoffs.count - missing.count)/\(signoffs.count) sign-offs corroborated; missing: "
                        + missing.map { "\($0.subject) (\($0.owner ?? "no owner"))" }.joined(separator: ", ")
            ),
            CheckResult(CheckID.deployPolicy, ready: deploy.total == 0, otherwise: .review,
                        deploy.total == 0 ? "every deploy job in the window complies with its policy" : "\(deploy.total) policy findings in the \(summary.window) window"),
        ]
        return result(checks: checks, decision: checks.allSatisfy(\.isReady) ? .clear : .blockedByOperations)
    }
}
