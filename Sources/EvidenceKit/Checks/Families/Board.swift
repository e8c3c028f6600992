/// The adapter decision board: what must be accepted before the production cutover
/// (SPEC §3). No decision code; each detail is "accepted/required".
struct BoardFamily: CheckFamily {
    let id = FamilyID.board

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let dryRunDone = context.isComplete(.dryRun)
        func owner(_ key: RehearsalKey) -> String? { snapshot.rehearsals[key]?.owner }
        func item(_ id: String, _ accepted: Int, _ required: Int, owner: String?) -> CheckResult {
            CheckResult(id, ready: accepted == required, fraction(accepted, required), owner: owner)
        }
        return FamilyResult(id: id, checks: [
            item("adapter_selection", snapshot.adapter.target.isSet ? 1 : 0, 1, owner: snapshot.infrastructure.owner),
            item("environment_readiness", context.acceptedRehearsals([.contractsFrozen, .scenarioStoreRehearsal]), 2,
                 owner: owner(.scenarioStoreRehearsal)),
            item("secrets_rbac_owner", context.acceptedRehearsals([.roleHeadersMapped, .secretsAuth]), 2, owner: owner(.secretsAuth)),
            item("schema_rls", context.acceptedRehearsals([.dbSchema]), 1, owner: owner(.dbSchema)),
            item("migration_dry_run", dryRunDone ? 1 : 0, 1, owner: snapshot.rollback.owner),
            item("rollback_window",
                 context.acceptedRehearsals([.migrationRollback]) + (context.dryRunStepReady(.rollbackCheckpoint) ? 1 : 0), 2,
                 owner: owner(.migrationRollback)),
            item("release_owner_approvals", context.acceptedRehearsals(RehearsalKey.allCases), 6, owner: owner(.migrationRollback)),
        ])
    }
}
