/// The six owner-led DB/auth migration rehearsals, each accepted by its owner (SPEC §3).
struct RehearsalsFamily: CheckFamily {
    /// One check per rehearsal, in the order of `RehearsalKey`.
    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.rehearsals
        case contractsFrozen = "contracts_frozen"
        case roleHeadersMapped = "role_headers_mapped"
        case scenarioStoreRehearsal = "scenario_store_rehearsal"
        case dbSchema = "db_schema"
        case secretsAuth = "secrets_auth"
        case migrationRollback = "migration_rollback"

        init(_ key: RehearsalKey) {
            switch key {
            case .contractsFrozen: self = .contractsFrozen
            case .roleHeadersMapped: self = .roleHeadersMapped
            case .scenarioStoreRehearsal: self = .scenarioStoreRehearsal
            case .dbSchema: self = .dbSchema
            case .secretsAuth: self = .secretsAuth
            case .migrationRollback: self = .migrationRollback
            }
        }
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let checks = RehearsalKey.allCases.map { key -> CheckResult in
            let rehearsal = context.snapshot.rehearsals[key]
            let detail: String
            if let accepted = rehearsal?.acceptedAt {
                detail = "accepted \(accepted.rfc3339)"
            } else {
                detail = rehearsal == nil ? "not listed" : "not accepted"
            }
            return CheckResult(CheckID(key), ready: rehearsal?.isAccepted ?? false, detail, owner: rehearsal?.owner)
        }
        return FamilyResult(id: id, checks: checks)
    }
}
