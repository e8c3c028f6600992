/// The six owner-led DB/auth migration rehearsals, each accepted by its owner (SPEC §3).
struct RehearsalsFamily: CheckFamily {
    let id = FamilyID.rehearsals

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let checks = RehearsalKey.allCases.map { key -> CheckResult in
            let rehearsal = context.snapshot.rehearsals[key]
            let detail: String
            if let accepted = rehearsal?.acceptedAt {
                detail = "accepted \(accepted.rfc3339)"
            } else {
                detail = rehearsal == nil ? "not listed" : "not accepted"
            }
            return CheckResult(key.rawValue, ready: rehearsal?.isAccepted ?? false, detail, owner: rehearsal?.owner)
        }
        return FamilyResult(id: id, checks: checks)
    }
}
