/// ProductionRollbackDrill.v1: the file-local fallback, its owner and the audit packet
/// (SPEC §3).
struct RollbackFamily: DecidingFamily {
    static let contract = "ProductionRollbackDrill.v1"

    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.rollback
        case freezeWindow = "freeze_window"
        case ownerAck = "owner_ack"
        case storageFallback = "storage_fallback"
        case auditPacket = "audit_packet"
    }

    /// Until the release is GO, the rollback decision is the release's.
    enum Decision: String, FamilyDecision {
        case blockedPendingDryRun = "BLOCKED_PENDING_DRY_RUN"
        case blockedPendingOwnerSignoff = "BLOCKED_PENDING_OWNER_SIGNOFF"
        case blockedPendingReleaseGates = "BLOCKED_PENDING_RELEASE_GATES"
        case blockedPendingRollbackDrill = "BLOCKED_PENDING_ROLLBACK_DRILL"
        case go = "GO"
        static let success = Decision.go

        /// The release decision, carried over.
        init(release: ReleaseFamily.Decision) {
            switch release {
            case .blockedPendingDryRun: self = .blockedPendingDryRun
            case .blockedPendingOwnerSignoff: self = .blockedPendingOwnerSignoff
            case .blockedPendingReleaseGates: self = .blockedPendingReleaseGates
            case .go: self = .go
            }
        }
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let release = context.result(.release)
        let releaseDecision = context.decision(of: ReleaseFamily.self)
        let checkpoint = context.dryRunStepReady(.rollbackCheckpoint)
        let checks = [
            CheckResult(CheckID.freezeWindow, ready: releaseDecision == .go, "release decision \(releaseDecision.rawValue)"),
            CheckResult(CheckID.ownerAck, ready: snapshot.rollback.ownerAckAt != nil,
                        snapshot.rollback.ownerAckAt.map { "acknowledged \($0.rfc3339)" } ?? "not acknowledged",
                        owner: snapshot.rollback.owner),
            CheckResult(CheckID.storageFallback, ready: checkpoint,
                        checkpoint ? "rollback_checkpoint passed; fallback \(snapshot.adapter.fallback ?? "")" : "dry-run rollback_checkpoint not passed"),
            CheckResult(CheckID.auditPacket, ready: release.isComplete, otherwise: .blocked, "release \(release.count)"),
        ]
        let decision: Decision
        if releaseDecision != .go {
            decision = Decision(release: releaseDecision)
        } else {
            decision = checks.allSatisfy(\.isReady) ? .go : .blockedPendingRollbackDrill
        }
        let env = [
            "BFG_ROLLBACK_DECISION=\(decision.rawValue)",
            "BFG_ROLLBACK_OWNER=\(snapshot.rollback.owner ?? "")",
            "BFG_ROLLBACK_STORAGE=\(snapshot.adapter.fallback ?? "")",
            "BFG_ROLLBACK_AUTH=\(snapshot.adapter.authMode ?? "")",
            "BFG_ROLLBACK_EVIDENCE=\(ReleaseFamily.contract)",
            "BFG_ROLLBACK_PACKET=\(Self.contract)",
        ]
        return result(
            contract: Self.contract, checks: checks, decision: decision,
            packet: Packet(key: "rollback_env", fileName: "rollback.env", lines: env)
        )
    }
}
