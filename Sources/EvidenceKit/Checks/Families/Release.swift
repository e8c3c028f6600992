/// ProductionReleaseHandoff.v1: the release env block and its gates (SPEC §3).
struct ReleaseFamily: DecidingFamily {
    static let contract = "ProductionReleaseHandoff.v1"

    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.release
        case envVars = "env_vars"
        case adapterTarget = "adapter_target"
        case dryRunTranscript = "dry_run_transcript"
        case rollback = "rollback"
        case ownerEvidence = "owner_evidence"
    }

    /// In the order they are tried: the first that applies is the decision.
    enum Decision: String, FamilyDecision {
        case blockedPendingDryRun = "BLOCKED_PENDING_DRY_RUN"
        case blockedPendingOwnerSignoff = "BLOCKED_PENDING_OWNER_SIGNOFF"
        case blockedPendingReleaseGates = "BLOCKED_PENDING_RELEASE_GATES"
        case go = "GO"
        static let success = Decision.go
    }

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
            CheckResult(CheckID.envVars, ready: valued == variables, "\(fraction(valued, variables)) release variables have values"),
            CheckResult(CheckID.adapterTarget, ready: adapter.target.isSet,
                        "\(adapter.target.isSet ? adapter.target! : "no target"); board \(context.result(.board).count)"),
            CheckResult(CheckID.dryRunTranscript, ready: dryRun.isComplete, "dry-run \(dryRun.count)"),
            CheckResult(CheckID.rollback, ready: fallbackOK,
                        adapter.fallback.isSet ? (fallbackOK ? "fallback \(adapter.fallback!)" : "fallback is the target itself") : "no fallback adapter named",
                        owner: snapshot.rollback.owner),
            CheckResult(CheckID.ownerEvidence, ready: owners == rehearsals, otherwise: .blocked, "\(fraction(owners, rehearsals)) rehearsals accepted"),
        ]
        let decision: Decision
        if !dryRun.isComplete {
            decision = .blockedPendingDryRun
        } else if owners < rehearsals {
            decision = .blockedPendingOwnerSignoff
        } else if !checks.allSatisfy(\.isReady) {
            decision = .blockedPendingReleaseGates
        } else {
            decision = .go
        }
        let env = sourced + [("BFG_RELEASE_DECISION", decision.rawValue)]
        return result(
            contract: Self.contract, checks: checks, decision: decision,
            packet: Packet(key: "release_env", fileName: "release.env", lines: env.map { "\($0.0)=\($0.1 ?? "")" })
        )
    }
}
