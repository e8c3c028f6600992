/// Integration gates: the cross-family view the control centre's copilot shows (SPEC §3).
struct IntegrationFamily: CheckFamily {
    let id = FamilyID.integration
    static let ready = "INTEGRATION_READY"
    /// The six providers every production setup maps from a local mode to a target.
    static let providerKeys = ["scenario_store", "auth_rbac", "document_intelligence", "ksef_invoice", "maps_eta", "driver_offline_sync"]

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let mapped = Self.providerKeys.filter { key in
            snapshot.providers.contains { $0.key == key && $0.current.isSet && $0.target.isSet }
        }.count
        let sessionOK = snapshot.adapter.contract.isSet && snapshot.adapter.authMode.isSet
        func gate(_ id: String, _ family: FamilyID) -> CheckResult {
            let result = context.result(family)
            return CheckResult(id, ready: result.isComplete, otherwise: .review, "\(family.rawValue) \(result.count)")
        }
        let release = context.decision(.release)
        let checks = [
            CheckResult("provider_contracts", ready: mapped == Self.providerKeys.count, otherwise: .review,
                        "\(fraction(mapped, Self.providerKeys.count)) providers have a current and a target mode"),
            CheckResult("session_adapter", ready: sessionOK, otherwise: .review,
                        sessionOK ? "\(snapshot.adapter.contract!) with \(snapshot.adapter.authMode!)" : "adapter contract or auth mode not set"),
            gate("migration_preflight", .preflight),
            gate("migration_runbook", .runbook),
            gate("adapter_connection", .connection),
            gate("adapter_dry_run", .dryRun),
            CheckResult("release_handoff", ready: release == "GO", otherwise: .review, "release decision \(release)"),
            gate("infrastructure_decision", .infrastructure),
            gate("rollback_drill", .rollback),
        ]
        return FamilyResult(
            id: id, checks: checks,
            decision: checks.allSatisfy(\.isReady) ? Self.ready : "BLOCKED_PENDING_INTEGRATION", successDecision: Self.ready
        )
    }
}
