/// ProductionRollbackDrill.v1: the file-local fallback, its owner and the audit packet
/// (SPEC §3).
struct RollbackFamily: CheckFamily {
    let id = FamilyID.rollback
    static let contract = "ProductionRollbackDrill.v1"

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let release = context.result(.release)
        let releaseDecision = release.decision ?? ""
        let checkpoint = context.dryRunStepReady(.rollbackCheckpoint)
        let checks = [
            CheckResult("freeze_window", ready: releaseDecision == "GO", "release decision \(releaseDecision)"),
            CheckResult("owner_ack", ready: snapshot.rollback.ownerAckAt != nil,
                        snapshot.rollback.ownerAckAt.map { "acknowledged \($0.rfc3339)" } ?? "not acknowledged",
                        owner: snapshot.rollback.owner),
            CheckResult("storage_fallback", ready: checkpoint,
                        checkpoint ? "rollback_checkpoint passed; fallback \(snapshot.adapter.fallback ?? "")" : "dry-run rollback_checkpoint not passed"),
            CheckResult("audit_packet", ready: release.isComplete, otherwise: .blocked, "release \(release.count)"),
        ]
        let decision: String
        if releaseDecision != "GO" {
            decision = releaseDecision
        } else {
            decision = checks.allSatisfy(\.isReady) ? "GO" : "BLOCKED_PENDING_ROLLBACK_DRILL"
        }
        let env = [
            "BFG_ROLLBACK_DECISION=\(decision)",
            "BFG_ROLLBACK_OWNER=\(snapshot.rollback.owner ?? "")",
            "BFG_ROLLBACK_STORAGE=\(snapshot.adapter.fallback ?? "")",
            "BFG_ROLLBACK_AUTH=\(snapshot.adapter.authMode ?? "")",
            "BFG_ROLLBACK_EVIDENCE=\(ReleaseFamily.contract)",
            "BFG_ROLLBACK_PACKET=\(Self.contract)",
        ]
        return FamilyResult(
            id: id, contract: Self.contract, checks: checks, decision: decision, successDecision: "GO",
            packet: Packet(key: "rollback_env", fileName: "rollback.env", lines: env)
        )
    }
}
