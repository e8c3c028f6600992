/// ProductionAdapterDryRun.v1: the five replay steps passed with a transcript (SPEC §3).
struct DryRunFamily: DecidingFamily {
    static let contract = "ProductionAdapterDryRun.v1"

    /// One check per dry-run step, in the order of `DryRunStep`.
    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.dryRun
        case snapshotExport = "snapshot_export"
        case schemaMapValidation = "schema_map_validation"
        case rbacClaimsRehearsal = "rbac_claims_rehearsal"
        case adapterReplayTranscript = "adapter_replay_transcript"
        case rollbackCheckpoint = "rollback_checkpoint"

        init(_ step: DryRunStep) {
            switch step {
            case .snapshotExport: self = .snapshotExport
            case .schemaMapValidation: self = .schemaMapValidation
            case .rbacClaimsRehearsal: self = .rbacClaimsRehearsal
            case .adapterReplayTranscript: self = .adapterReplayTranscript
            case .rollbackCheckpoint: self = .rollbackCheckpoint
            }
        }
    }

    enum Decision: String, FamilyDecision {
        case complete = "DRY_RUN_COMPLETE"
        case blockedPendingDryRun = "BLOCKED_PENDING_DRY_RUN"
        static let success = Decision.complete
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let checks = DryRunStep.allCases.map { step -> CheckResult in
            let id = CheckID(step)
            guard let evidence = context.freshDryRun else {
                return CheckResult(id, .next, context.dryRunAbsence)
            }
            guard let recorded = evidence.steps[step] else {
                return CheckResult(id, .next, "step not recorded")
            }
            let detail: String
            switch (recorded.passed, recorded.transcript.isSet) {
            case (true, true): detail = "passed"
            case (true, false): detail = "passed without a transcript"
            case (false, _): detail = "failed"
            }
            return CheckResult(id, ready: recorded.isReady, detail)
        }
        let done = checks.allSatisfy(\.isReady)
        return result(contract: Self.contract, checks: checks, decision: done ? .complete : .blockedPendingDryRun)
    }
}
