/// ProductionAdapterMigrationPreflight.v1: the snapshot is ready to be migrated (SPEC §3).
struct PreflightFamily: DecidingFamily {
    static let contract = "ProductionAdapterMigrationPreflight.v1"

    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.preflight
        case snapshotPayload = "snapshot_payload"
        case schemaMap = "schema_map"
        case rbacClaims = "rbac_claims"
        case adapterReplay = "adapter_replay"
        case rollbackEvidence = "rollback_evidence"
    }

    enum Decision: String, FamilyDecision {
        case ready = "PREFLIGHT_READY"
        case blockedPendingPreflight = "BLOCKED_PENDING_PREFLIGHT"
        static let success = Decision.ready
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let board = context.result(.board)
        let dryRun = context.result(.dryRun)
        let rollbackDecision = context.decision(of: RollbackFamily.self)
        let checks = [
            CheckResult(CheckID.snapshotPayload, ready: snapshot.rowCount > 0, "\(snapshot.rowCount) rows; \(snapshot.payloadChecksumShort)"),
            CheckResult(CheckID.schemaMap, ready: board.isComplete, "board \(board.count)"),
            CheckResult(CheckID.rbacClaims, ready: context.actorClaimsReady, context.actorClaimsDetail),
            CheckResult(CheckID.adapterReplay, ready: dryRun.isComplete, "dry-run \(dryRun.count)"),
            CheckResult(CheckID.rollbackEvidence, ready: rollbackDecision == .go, otherwise: .blocked, "rollback decision \(rollbackDecision.rawValue)"),
        ]
        let decision: Decision = checks.allSatisfy(\.isReady) ? .ready : .blockedPendingPreflight
        let line = [
            Self.contract,
            "schema=\(Snapshot.schemaName)",
            "target=\(snapshot.adapter.target ?? "")",
            "session=\(snapshot.session)",
            "checksum=\(snapshot.payloadChecksumShort)",
            "rows=\(snapshot.rowCount)",
            "adapter_contract=\(snapshot.adapter.contract ?? "")",
            "dry_run=\(dryRun.count)",
            "connection=\(context.result(.connection).count)",
            "rollback_decision=\(rollbackDecision.rawValue)",
        ].joined(separator: " ")
        return result(
            contract: Self.contract, checks: checks, decision: decision,
            packet: Packet(key: "preflight", fileName: "preflight.txt", lines: [line])
        )
    }
}
