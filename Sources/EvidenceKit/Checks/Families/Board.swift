/// The adapter decision board: what must be accepted before the production cutover
/// (SPEC §3). No decision code; each detail is "accepted/required".
struct BoardFamily: CheckFamily {
    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.board
        case adapterSelection = "adapter_selection"
        case environmentReadiness = "environment_readiness"
        case secretsRBACOwner = "secrets_rbac_owner"
        case schemaRLS = "schema_rls"
        case migrationDryRun = "migration_dry_run"
        case rollbackWindow = "rollback_window"
        case releaseOwnerApprovals = "release_owner_approvals"
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let dryRunDone = context.isComplete(.dryRun)
        func owner(_ key: RehearsalKey) -> String? { snapshot.rehearsals[key]?.owner }
        func item(_ id: CheckID, _ accepted: Int, _ required: Int, owner: String?) -> CheckResult {
            CheckResult(id, ready: accepted == required, fraction(accepted, required), owner: owner)
        }
        /// Accepted when every rehearsal of `keys` is.
        func rehearsals(_ id: CheckID, _ keys: [RehearsalKey], owner: String?) -> CheckResult {
            item(id, context.acceptedRehearsals(keys), keys.count, owner: owner)
        }
        return FamilyResult(id: id, checks: [
            item(.adapterSelection, snapshot.adapter.target.isSet ? 1 : 0, 1, owner: snapshot.infrastructure.owner),
            rehearsals(.environmentReadiness, [.contractsFrozen, .scenarioStoreRehearsal], owner: owner(.scenarioStoreRehearsal)),
            rehearsals(.secretsRBACOwner, [.roleHeadersMapped, .secretsAuth], owner: owner(.secretsAuth)),
            rehearsals(.schemaRLS, [.dbSchema], owner: owner(.dbSchema)),
            item(.migrationDryRun, dryRunDone ? 1 : 0, 1, owner: snapshot.rollback.owner),
            item(.rollbackWindow,
                 context.acceptedRehearsals([.migrationRollback]) + (context.dryRunStepReady(.rollbackCheckpoint) ? 1 : 0), 2,
                 owner: owner(.migrationRollback)),
            rehearsals(.releaseOwnerApprovals, RehearsalKey.allCases, owner: owner(.migrationRollback)),
        ])
    }
}
