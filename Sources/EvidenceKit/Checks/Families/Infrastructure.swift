/// ProductionInfrastructureDecision.v1: hosting, region, runtime owner and secrets/backup
/// boundary chosen and accepted (SPEC §3). No decision code.
struct InfrastructureFamily: CheckFamily {
    static let contract = "ProductionInfrastructureDecision.v1"

    /// One check per infrastructure decision, in the order of `InfrastructureKey`.
    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.infrastructure
        case hosting = "hosting"
        case region = "region"
        case runtimeOwner = "runtime_owner"
        case secretsBackup = "secrets_backup"

        init(_ key: InfrastructureKey) {
            switch key {
            case .hosting: self = .hosting
            case .region: self = .region
            case .runtimeOwner: self = .runtimeOwner
            case .secretsBackup: self = .secretsBackup
            }
        }
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let infrastructure = context.snapshot.infrastructure
        let checks = InfrastructureKey.allCases.map { key -> CheckResult in
            let decision = infrastructure.decisions[key]
            let value = decision?.value.isSet == true ? decision!.value! : "no value"
            let state = decision?.acceptedAt.map { "accepted \($0.rfc3339)" } ?? "not accepted"
            return CheckResult(CheckID(key), ready: infrastructure.isAccepted(key), "\(value); \(state)", owner: infrastructure.owner)
        }
        return FamilyResult(id: id, contract: Self.contract, checks: checks)
    }
}
