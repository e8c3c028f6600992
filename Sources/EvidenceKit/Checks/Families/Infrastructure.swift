/// ProductionInfrastructureDecision.v1: hosting, region, runtime owner and secrets/backup
/// boundary chosen and accepted (SPEC §3). No decision code.
struct InfrastructureFamily: CheckFamily {
    let id = FamilyID.infrastructure
    static let contract = "ProductionInfrastructureDecision.v1"

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let infrastructure = context.snapshot.infrastructure
        let checks = InfrastructureKey.allCases.map { key -> CheckResult in
            let decision = infrastructure.decisions[key]
            let value = decision?.value.isSet == true ? decision!.value! : "no value"
            let state = decision?.acceptedAt.map { "accepted \($0.rfc3339)" } ?? "not accepted"
            return CheckResult(key.rawValue, ready: infrastructure.isAccepted(key), "\(value); \(state)", owner: infrastructure.owner)
        }
        return FamilyResult(id: id, contract: Self.contract, checks: checks)
    }
}
