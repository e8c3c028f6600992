/// Operations: what the audit and telemetry records say about running production (SPEC §3, §4).
/// Each check is a file of its own beside this one, its SQL (an `OperationsQueries` extension,
/// run on either ledger) beside its Swift; the operations summary's other queries are in
/// `Records/LedgerQueries.swift`.
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
        let checks = [
            Self.recordsPresent(context), Self.noStuckRuns(context), Self.noFailedRuns(context), Self.noReleasePause(context),
            Self.signoffsCorroborated(context), Self.deployPolicy(context),
        ]
        return result(checks: checks, decision: checks.allSatisfy(\.isReady) ? .clear : .blockedByOperations)
    }
}
