/// Integration gates: the cross-family view the control centre's copilot shows (SPEC §3).
struct IntegrationFamily: DecidingFamily {
    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.integration
        case providerContracts = "provider_contracts"
        case sessionAdapter = "session_adapter"
        case migrationPreflight = "migration_preflight"
        case migrationRunbook = "migration_runbook"
        case adapterConnection = "adapter_connection"
        case adapterDryRun = "adapter_dry_run"
        case releaseHandoff = "release_handoff"
        case infrastructureDecision = "infrastructure_decision"
        case rollbackDrill = "rollback_drill"
    }

    enum Decision: String, FamilyDecision {
        case ready = "INTEGRATION_READY"
        case blockedPendingIntegration = "BLOCKED_PENDING_INTEGRATION"
        static let success = Decision.ready
    }
    /// The six providers every production setup maps from a local mode to a target.
    static let providerKeys = ["scenario_store", "auth_rbac", "document_intelligence", "ksef_invoice", "maps_eta", "driver_offline_sync"]

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let mapped = Self.providerKeys.filter { key in
            snapshot.providers.contains { $0.key == key && $0.current.isSet && $0.target.isSet }
        }.count
        let sessionOK = snapshot.adapter.contract.isSet && snapshot.adapter.authMode.isSet
        func gate(_ id: CheckID, _ family: FamilyID) -> CheckResult {
            let result = context.result(family)
            return CheckResult(id, ready: result.isComplete, otherwise: .review, "\(family.rawValue) \(result.count)")
        }
        let release = context.decision(of: ReleaseFamily.self)
        let checks = [
            CheckResult(CheckID.providerContracts, ready: mapped == Self.providerKeys.count, otherwise: .review,
                        "\(fraction(mapped, Self.providerKeys.count)) providers have a current and a target mode"),
            CheckResult(CheckID.sessionAdapter, ready: sessionOK, otherwise: .review,
                        sessionOK ? "\(snapshot.adapter.contract!) with \(snapshot.adapter.authMode!)" : "adapter contract or auth mode not set"),
            gate(.migrationPreflight, .preflight),
            gate(.migrationRunbook, .runbook),
            gate(.adapterConnection, .connection),
            gate(.adapterDryRun, .dryRun),
            CheckResult(CheckID.releaseHandoff, ready: release == .go, otherwise: .review, "release decision \(release.rawValue)"),
            gate(.infrastructureDecision, .infrastructure),
            gate(.rollbackDrill, .rollback),
        ]
        return result(checks: checks, decision: checks.allSatisfy(\.isReady) ? .ready : .blockedPendingIntegration)
    }
}
