/// ProductionDataCutoverPlan.v1: the batches that move the snapshot into the new adapter
/// (SPEC §3).
struct CutoverFamily: DecidingFamily {
    static let contract = "ProductionDataCutoverPlan.v1"

    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.cutover
        case snapshotFreeze = "snapshot_freeze"
        case tenantRLSSeed = "tenant_rls_seed"
        case batchReplay = "batch_replay"
        case auditParity = "audit_parity"
        case rollbackSeal = "rollback_seal"
    }

    enum Decision: String, FamilyDecision {
        case go = "GO_FOR_DATA_CUTOVER"
        case blockedPendingDataCutover = "BLOCKED_PENDING_DATA_CUTOVER"
        static let success = Decision.go
    }

    /// The four batch groups and the rows each carries.
    static func batches(_ snapshot: Snapshot) -> [(name: String, rows: Int)] {
        [
            ("tenant_rbac", snapshot.actors.count),
            ("operations", snapshot.rowCount(.orders) + snapshot.rowCount(.driverEvents)
                + snapshot.rowCount(.clientRequests) + snapshot.rowCount(.dispatchEvidence)),
            ("finance", snapshot.rowCount(.financeEvents)),
            ("audit", snapshot.rowCount(.auditEvents)),
        ]
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let connection = context.result(.connection)
        let dryRun = context.result(.dryRun)
        let runbook = context.result(.runbook)
        let rollbackDecision = context.decision(of: RollbackFamily.self)
        let batches = Self.batches(snapshot)
        let readyBatches = batches.filter { $0.rows > 0 }.count
        let batchCount = fraction(readyBatches, batches.count)
        let checks = [
            CheckResult(CheckID.snapshotFreeze, ready: snapshot.rowCount > 0, "\(snapshot.rowCount) rows"),
            CheckResult(CheckID.tenantRLSSeed, ready: runbook.isComplete, "runbook \(runbook.count)"),
            CheckResult(CheckID.batchReplay, ready: connection.isComplete && dryRun.isComplete, "\(connection.count) + \(dryRun.count)"),
            CheckResult(CheckID.auditParity, ready: readyBatches == batches.count,
                        batchCount + " batch groups have rows (" + batches.map { "\($0.name) \($0.rows)" }.joined(separator: ", ") + ")"),
            CheckResult(CheckID.rollbackSeal, ready: rollbackDecision == .go, "rollback decision \(rollbackDecision.rawValue)"),
        ]
        let steps = checks.filter(\.isReady).count
        let decision: Decision = steps == checks.count ? .go : .blockedPendingDataCutover
        let line = [
            Self.contract,
            "target=\(snapshot.adapter.target ?? "")",
            "session=\(snapshot.session)",
            "snapshot_schema=\(Snapshot.schemaName)",
            "snapshot_checksum=\(snapshot.payloadChecksumShort)",
            "snapshot_rows=\(snapshot.rowCount)",
            "batch_rows=\(batches.count + 1)",
            "batches=\(batchCount)",
            "steps=\(fraction(steps, checks.count))",
            "connection=\(connection.count)",
            "dry_run=\(dryRun.count)",
            "runbook_decision=\(context.decision(of: RunbookFamily.self).rawValue)",
            "release_decision=\(context.decision(of: ReleaseFamily.self).rawValue)",
            "rollback_decision=\(rollbackDecision.rawValue)",
            "cutover_decision=\(decision.rawValue)",
        ].joined(separator: " ")
        return result(
            contract: Self.contract, checks: checks, decision: decision,
            packet: Packet(key: "cutover", fileName: "cutover.txt", lines: [line]),
            facts: [.init("batches", batchCount), .init("batch_rows", String(batches.count + 1))]
        )
    }
}
