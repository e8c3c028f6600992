/// ProductionReleaseHandoff.v1: the release env block and its gates (SPEC §3).
struct ReleaseFamily: CheckFamily {
    let id = FamilyID.release
    static let contract = "ProductionReleaseHandoff.v1"

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let adapter = snapshot.adapter
        let dryRun = context.result(.dryRun)
        let owners = context.acceptedRehearsals(RehearsalKey.allCases)
        // The eight variables that come from the snapshot; the decision is always set.
        let sourced: [(String, String?)] = [
            ("BFG_RELEASE_ENVIRONMENT", snapshot.release.environment),
            ("BFG_RELEASE_TARGET", adapter.target),
            ("BFG_SCENARIO_ADAPTER", adapter.contract),
            ("BFG_STORAGE_ADAPTER", adapter.storage),
            ("BFG_AUTH_MODE", adapter.authMode),
            ("BFG_TENANT_MODE", adapter.tenantMode),
            ("BFG_ROLLBACK_OWNER", snapshot.rollback.owner),
            ("BFG_RELEASE_EVIDENCE", DryRunFamily.contract),
        ]
        let variables = sourced.count + 1, valued = sourced.filter { $0.1.isSet }.count + 1
        let rehearsals = RehearsalKey.allCases.count
        let fallbackOK = adapter.fallback.isSet && adapter.fallback != adapter.target
        let checks = [
            CheckResult("env_vars", ready: valued == variables, "\(fraction(valued, variables)) release variables have values"),
            CheckResult("adapter_target", ready: adapter.target.isSet,
                        "\(adapter.target.isSet ? adapter.target! : "no target"); board \(context.result(.board).count)"),
            CheckResult("dry_run_transcript", ready: dryRun.isComplete, "dry-run \(dryRun.count)"),
            CheckResult("rollback", ready: fallbackOK,
                        adapter.fallback.isSet ? (fallbackOK ? "fallback \(adapter.fallback!)" : "fallback is the target itself") : "no fallback adapter named",
                        owner: snapshot.rollback.owner),
            CheckResult("owner_evidence", ready: owners == rehearsals, otherwise: .blocked, "\(fraction(owners, rehearsals)) rehearsals accepted"),
        ]
        let decision: String
        if !dryRun.isComplete {
            decision = "BLOCKED_PENDING_DRY_RUN"
        } else if owners < rehearsals {
            decision = "BLOCKED_PENDING_OWNER_SIGNOFF"
        } else if !checks.allSatisfy(\.isReady) {
            decision = "BLOCKED_PENDING_RELEASE_GATES"
        } else {
            decision = "GO"
        }
        let env = sourced + [("BFG_RELEASE_DECISION", decision)]
        return FamilyResult(
            id: id, contract: Self.contract, checks: checks, decision: decision, successDecision: "GO",
            packet: Packet(key: "release_env", fileName: "release.env", lines: env.map { "\($0.0)=\($0.1 ?? "")" })
        )
    }
}
