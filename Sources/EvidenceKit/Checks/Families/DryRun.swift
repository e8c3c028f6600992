/// ProductionAdapterDryRun.v1: the five replay steps passed with a transcript (SPEC §3).
struct DryRunFamily: CheckFamily {
    let id = FamilyID.dryRun
    static let contract = "ProductionAdapterDryRun.v1"
    static let complete = "DRY_RUN_COMPLETE"
    static let blocked = "BLOCKED_PENDING_DRY_RUN"

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let checks = DryRunStep.allCases.map { step -> CheckResult in
            guard let evidence = context.freshDryRun else {
                return CheckResult(step.rawValue, .next, context.dryRunAbsence)
            }
            guard let recorded = evidence.steps[step] else {
                return CheckResult(step.rawValue, .next, "step not recorded")
            }
            let detail: String
            switch (recorded.passed, recorded.transcript.isSet) {
            case (true, true): detail = "passed"
            case (true, false): detail = "passed without a transcript"
            case (false, _): detail = "failed"
            }
            return CheckResult(step.rawValue, ready: recorded.isReady, detail)
        }
        let done = checks.allSatisfy(\.isReady)
        return FamilyResult(
            id: id, contract: Self.contract, checks: checks,
            decision: done ? Self.complete : Self.blocked, successDecision: Self.complete
        )
    }
}
