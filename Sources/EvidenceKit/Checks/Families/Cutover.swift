/// ProductionDataCutoverPlan.v1: the batches that move the snapshot into the new adapter
/// (SPEC §3).
struct CutoverFamily: CheckFamily {
    let id = FamilyID.cutover
    static let contract = "ProductionDataCutoverPlan.v1"
    static let go = "GO_FOR_DATA_CUTOVER"

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
        let rollbackDecision = context.decision(.rollback)
        let batches = Self.batches(snapshot)
        let readyBatches = batches.filter { $0.rows > 0 }.count
        let batchCount = fraction(readyBatches, batches.count)
        let checks = [
            CheckResult("snapshot_freeze", ready: snapshot.rowCount > 0, "\(snapshot.rowCount) rows"),
            CheckResult("tenant_rls_seed", ready: runbook.isComplete, "runbook \(runbook.count)"),
            CheckResult("batch_replay", ready: connection.isComplete && dryRun.isComplete, "\(connection.count) + \(dryRun.count)"),
            CheckResult("audit_parity", ready: readyBatches == batches.count,
                        batchCount + " batch groups have rows (" + batches.map { "\($0.name) \($0.rows)" }.joined(separator: ", ") + ")"),
            CheckResult("rollback_seal", ready: rollbackDecision == "GO", "rollback decision \(rollbackDecision)"),
        ]
        let steps = checks.filter(\.isReady).count
        let decision = steps == checks.count ? Self.go : "BLOCKED_PENDING_DATA_CUTOVER"
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
            "runbook_decision=\(runbook.decision ?? "")",
            "release_decision=\(context.decision(.release))",
            "rollback_decision=\(rollbackDecision)",
            "cutover_decision=\(decision)",
        ].joined(separator: " ")
        return FamilyResult(
            id: id, contract: Self.contract, checks: checks, decision: decision, successDecision: Self.go,
            packet: Packet(key: "cutover", fileName: "cutover.txt", lines: [line]),
            facts: [.init("batches", batchCount), .init("batch_rows", String(batches.count + 1))]
        )
    }
}
