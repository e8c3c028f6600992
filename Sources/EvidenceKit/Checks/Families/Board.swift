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
        /// Accepted when every rehearsal of `keys` is.
        func rehearsals(_ id: String, _ keys: [RehearsalKey], owner: String?) -> CheckResult {
            item(id, context.acceptedRehearsals(keys), keys.count, owner: owner)
        }
        return FamilyResult(id: id, checks: [
            item("adapter_selection", snapshot.adapter.target.isSet ? 1 : 0, 1, owner: snapshot.infrastructure.owner),
            rehearsals("environment_readiness", [.contractsFrozen, .scenarioStoreRehearsal], owner: owner(.scenarioStoreRehearsal)),
            rehearsals("secrets_rbac_owner", [.roleHeadersMapped, .secretsAuth], owner: owner(.secretsAuth)),
            rehearsals("schema_rls", [.dbSchema], owner: owner(.dbSchema)),
            item("migration_dry_run", dryRunDone ? 1 : 0, 1, owner: snapshot.rollback.owner),
            item("rollback_window",
                 context.acceptedRehearsals([.migrationRollback]) + (context.dryRunStepReady(.rollbackCheckpoint) ? 1 : 0), 2,
                 owner: owner(.migrationRollback)),
            rehearsals("release_owner_approvals", RehearsalKey.allCases, owner: owner(.migrationRollback)),
        ])
    }
}
