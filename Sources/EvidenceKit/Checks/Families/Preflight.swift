/// ProductionAdapterMigrationPreflight.v1: the snapshot is ready to be migrated (SPEC §3).
struct PreflightFamily: CheckFamily {
    let id = FamilyID.preflight
    static let contract = "ProductionAdapterMigrationPreflight.v1"
    static let ready = "PREFLIGHT_READY"

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let board = context.result(.board)
        let dryRun = context.result(.dryRun)
        let rollbackDecision = context.decision(.rollback)
        let checks = [
            CheckResult("snapshot_payload", ready: snapshot.rowCount > 0, "\(snapshot.rowCount) rows; \(snapshot.payloadChecksumShort)"),
            CheckResult("schema_map", ready: board.isComplete, "board \(board.count)"),
            CheckResult("rbac_claims", ready: context.actorClaimsReady, context.actorClaimsDetail),
            CheckResult("adapter_replay", ready: dryRun.isComplete, "dry-run \(dryRun.count)"),
            CheckResult("rollback_evidence", ready: rollbackDecision == "GO", otherwise: .blocked, "rollback decision \(rollbackDecision)"),
        ]
        let decision = checks.allSatisfy(\.isReady) ? Self.ready : "BLOCKED_PENDING_PREFLIGHT"
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
            "rollback_decision=\(rollbackDecision)",
        ].joined(separator: " ")
        return FamilyResult(
            id: id, contract: Self.contract, checks: checks, decision: decision, successDecision: Self.ready,
            packet: Packet(key: "preflight", fileName: "preflight.txt", lines: [line])
        )
    }
}
