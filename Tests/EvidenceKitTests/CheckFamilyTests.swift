import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// Every check's ready and not-ready case and every decision branch, table-driven from
/// ready.json (GO everywhere) with one edit at a time.
@Suite struct CheckFamilyTests {
    // MARK: - the two reference states

    @Test func demoSnapshotGivesTheControlCentreExactly() throws {
        let evaluation = try Fixtures.evaluate(Fixtures.json("demo-local.json"), records: nil)
        let expected: [FamilyID: (String, String?)] = [
            .operations: ("5/6", "BLOCKED_BY_OPERATIONS"),
            .connection: ("0/4", "BLOCKED_PENDING_CONNECTION"),
            .dryRun: ("0/5", "BLOCKED_PENDING_DRY_RUN"),
            .board: ("1/7", nil),
            .infrastructure: ("0/4", nil),
            .release: ("3/5", "BLOCKED_PENDING_DRY_RUN"),
            .rollback: ("0/4", "BLOCKED_PENDING_DRY_RUN"),
            .preflight: ("1/5", "BLOCKED_PENDING_PREFLIGHT"),
            .runbook: ("1/6", "BLOCKED_PENDING_PREFLIGHT"),
            .cutover: ("0/5", "BLOCKED_PENDING_DATA_CUTOVER"),
            .wiring: ("0/7", "BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS"),
            .integration: ("2/9", "BLOCKED_PENDING_INTEGRATION"),
            .rehearsals: ("0/6", nil),
        ]
        #expect(Set(evaluation.families.map(\.id)) == Set(expected.keys))
        for family in evaluation.families {
            #expect(family.count == expected[family.id]?.0, "\(family.id)")
            #expect(family.decision == expected[family.id]?.1, "\(family.id)")
        }
        #expect(evaluation.family(.cutover)?.fact("batches") == "1/4")
        #expect(evaluation.production.summary == "Production NO-GO — BLOCKED_PENDING_DRY_RUN")
        #expect(evaluation.snapshot.rowCount == 0)
    }

    @Test func readySnapshotIsGoEverywhere() throws {
        let evaluation = try Fixtures.evaluate(Fixtures.json("ready.json"), rebind: false)
        for family in evaluation.families {
            #expect(family.isComplete, "\(family.id) \(family.count)")
            #expect(family.decision == family.successDecision, "\(family.id)")
        }
        #expect(evaluation.production.isGo)
        #expect(evaluation.production.blocking == nil)
        #expect(evaluation.family(.wiring)?.fact("traffic") == "production_traffic_allowed")
        #expect(evaluation.family(.cutover)?.fact("batches") == "4/4")
    }

    // MARK: - one edit, one check

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var edits: [(String, JSONValue?)]
        var family: FamilyID
        var check: String
        var status: CheckStatus
        var detail: String? = nil
        var rebind = true
        /// A records file of snapshots/ instead of ready-records.jsonl ("" for none).
        var records = "ready-records.jsonl"
        var description: String { name }
    }

    static let null = JSONValue.null
    static func s(_ text: String) -> JSONValue { .string(text) }

    static let notReady: [Case] = [
        // connection
        Case(name: "no endpoint", edits: [("connection.endpoint", null)], family: .connection, check: "endpoint_reachability", status: .next, detail: "endpoint not recorded"),
        Case(name: "unreachable", edits: [("connection.reachable", .bool(false))], family: .connection, check: "endpoint_reachability", status: .next),
        Case(name: "reachable as a string", edits: [("connection.reachable", s("true"))], family: .connection, check: "endpoint_reachability", status: .next),
        Case(name: "fingerprint too short", edits: [("connection.tls_fingerprint", s("SHA256:AB:CD"))], family: .connection, check: "tls_fingerprint", status: .next),
        Case(name: "fingerprint not hex", edits: [("connection.tls_fingerprint", s(Array(repeating: "ZZ", count: 32).joined(separator: ":")))], family: .connection, check: "tls_fingerprint", status: .next),
        Case(name: "unknown rbac actor", edits: [("connection.rbac_actor", s("user_ghost"))], family: .connection, check: "rbac_session", status: .next),
        Case(name: "probe not read back", edits: [("connection.write_probe.read_back", .bool(false))], family: .connection, check: "write_probe", status: .next),
        Case(name: "probe written as 1", edits: [("connection.write_probe.written", .number(1))], family: .connection, check: "write_probe", status: .next),
        Case(name: "no connection", edits: [("connection", null)], family: .connection, check: "rbac_session", status: .next, detail: "no connection evidence recorded"),
        Case(name: "stale connection", edits: [("connection.snapshot_checksum", s("bfg-0badc0de"))], family: .connection, check: "endpoint_reachability", status: .next, detail: "stale: recorded for bfg-0badc0de", rebind: false),
        Case(name: "connection naming no checksum", edits: [("connection.snapshot_checksum", null)], family: .connection, check: "write_probe", status: .next, detail: "stale: recorded for unknown", rebind: false),
        // dry-run
        Case(name: "failed step", edits: [("dry_run.steps.schema_map_validation.status", s("failed"))], family: .dryRun, check: "schema_map_validation", status: .next, detail: "failed"),
        Case(name: "empty transcript", edits: [("dry_run.steps.rbac_claims_rehearsal.transcript", s("  "))], family: .dryRun, check: "rbac_claims_rehearsal", status: .next),
        Case(name: "missing step", edits: [("dry_run.steps.adapter_replay_transcript", nil)], family: .dryRun, check: "adapter_replay_transcript", status: .next, detail: "step not recorded"),
        Case(name: "stale dry-run", edits: [("dry_run.snapshot_checksum", s(String(repeating: "ab", count: 32)))], family: .dryRun, check: "snapshot_export", status: .next, detail: "stale: recorded for bfg-abababab", rebind: false),
        Case(name: "no dry-run", edits: [("dry_run", null)], family: .dryRun, check: "rollback_checkpoint", status: .next, detail: "no dry-run evidence recorded"),
        // board
        Case(name: "no target", edits: [("adapter.target", null)], family: .board, check: "adapter_selection", status: .next, detail: "0/1"),
        Case(name: "contracts not frozen", edits: [("rehearsals[0].accepted_at", null)], family: .board, check: "environment_readiness", status: .next, detail: "1/2"),
        Case(name: "secrets not accepted", edits: [("rehearsals[4].accepted_at", null)], family: .board, check: "secrets_rbac_owner", status: .next, detail: "1/2"),
        Case(name: "schema not accepted", edits: [("rehearsals[3].accepted_at", null)], family: .board, check: "schema_rls", status: .next, detail: "0/1"),
        Case(name: "dry-run incomplete", edits: [("dry_run.steps.snapshot_export.status", s("failed"))], family: .board, check: "migration_dry_run", status: .next, detail: "0/1"),
        Case(name: "checkpoint failed", edits: [("dry_run.steps.rollback_checkpoint.status", s("failed"))], family: .board, check: "rollback_window", status: .next, detail: "1/2"),
        Case(name: "one owner missing", edits: [("rehearsals[5].accepted_at", null)], family: .board, check: "release_owner_approvals", status: .next, detail: "5/6"),
        // infrastructure
        Case(name: "hosting without value", edits: [("infrastructure.hosting.value", s(""))], family: .infrastructure, check: "hosting", status: .next),
        Case(name: "region not accepted", edits: [("infrastructure.region.accepted_at", null)], family: .infrastructure, check: "region", status: .next),
        Case(name: "runtime owner absent", edits: [("infrastructure.runtime_owner", nil)], family: .infrastructure, check: "runtime_owner", status: .next),
        Case(name: "backup not accepted", edits: [("infrastructure.secrets_backup.accepted_at", null)], family: .infrastructure, check: "secrets_backup", status: .next),
        // release
        Case(name: "storage unset", edits: [("adapter.storage", s(""))], family: .release, check: "env_vars", status: .next, detail: "8/9 release variables have values"),
        Case(name: "release target unset", edits: [("adapter.target", null)], family: .release, check: "adapter_target", status: .next),
        Case(name: "release dry-run", edits: [("dry_run", null)], family: .release, check: "dry_run_transcript", status: .next, detail: "dry-run 0/5"),
        Case(name: "fallback is the target", edits: [("adapter.fallback", s("db-auth-session-adapter"))], family: .release, check: "rollback", status: .next),
        Case(name: "no fallback", edits: [("adapter.fallback", null)], family: .release, check: "rollback", status: .next),
        Case(name: "owner evidence", edits: [("rehearsals[2].accepted_at", null)], family: .release, check: "owner_evidence", status: .blocked, detail: "5/6 rehearsals accepted"),
        // rollback
        Case(name: "freeze window", edits: [("rehearsals[2].accepted_at", null)], family: .rollback, check: "freeze_window", status: .next),
        Case(name: "owner ack", edits: [("rollback.owner_ack_at", null)], family: .rollback, check: "owner_ack", status: .next, detail: "not acknowledged"),
        Case(name: "storage fallback", edits: [("dry_run.steps.rollback_checkpoint.transcript", null)], family: .rollback, check: "storage_fallback", status: .next),
        Case(name: "audit packet", edits: [("adapter.storage", null)], family: .rollback, check: "audit_packet", status: .blocked, detail: "release 4/5"),
        // preflight
        Case(name: "no rows", edits: [("rows", .object(JSONObject()))], family: .preflight, check: "snapshot_payload", status: .next),
        Case(name: "schema map", edits: [("rehearsals[3].accepted_at", null)], family: .preflight, check: "schema_map", status: .next, detail: "board 5/7"),
        Case(name: "actor without permission", edits: [("actors[3].permissions", .array([]))], family: .preflight, check: "rbac_claims", status: .next, detail: "4/5 actors with a role and a permission; driver_tarasenko (no permission)"),
        Case(name: "actor without role", edits: [("actors[1].role", nil)], family: .preflight, check: "rbac_claims", status: .next, detail: "4/5 actors with a role and a permission; user_dispatcher_marek (no role)"),
        Case(name: "actor with a null role and empty permissions", edits: [("actors[4].role", null), ("actors[4].permissions", null)], family: .preflight, check: "rbac_claims", status: .next, detail: "4/5 actors with a role and a permission; cp_client_lviv_farma (no role, no permission)"),
        Case(name: "actor with an empty role", edits: [("actors[0].role", s(""))], family: .runbook, check: "actor_claims", status: .next, detail: "4/5 actors with a role and a permission; user_md_anna (no role)"),
        Case(name: "no actors", edits: [("actors", .array([])), ("rows.audit_events", .array([])), ("rehearsals", .array([])), ("infrastructure.owner", null), ("rollback.owner", null), ("connection.rbac_actor", null)], family: .preflight, check: "rbac_claims", status: .next),
        Case(name: "preflight replay", edits: [("dry_run.steps.snapshot_export", nil)], family: .preflight, check: "adapter_replay", status: .next),
        Case(name: "rollback evidence", edits: [("rollback.owner_ack_at", null)], family: .preflight, check: "rollback_evidence", status: .blocked),
        // runbook
        Case(name: "freeze snapshot", edits: [("rows", .object(JSONObject()))], family: .runbook, check: "freeze_snapshot", status: .next),
        Case(name: "five objects verified", edits: [("dry_run.verified_objects", .array(["tenants", "users", "scenario_snapshots", "audit_events", "rls_enabled"].map(s)))], family: .runbook, check: "schema_rls", status: .next, detail: "5/6 objects verified by the dry-run"),
        Case(name: "actor claims", edits: [("actors[0].permissions", .array([]))], family: .runbook, check: "actor_claims", status: .next),
        Case(name: "runbook replay", edits: [("connection.reachable", .bool(false))], family: .runbook, check: "adapter_replay", status: .next, detail: "3/4 + 5/5"),
        Case(name: "checksum verification", edits: [("rows", .object(JSONObject()))], family: .runbook, check: "checksum_verification", status: .next, detail: "preflight 4/5"),
        Case(name: "rollback seal", edits: [("rollback.owner_ack_at", null)], family: .runbook, check: "rollback_seal", status: .next),
        // cutover
        Case(name: "snapshot freeze", edits: [("rows", .object(JSONObject()))], family: .cutover, check: "snapshot_freeze", status: .next),
        Case(name: "tenant rls seed", edits: [("dry_run.verified_objects", .array([]))], family: .cutover, check: "tenant_rls_seed", status: .next, detail: "runbook 5/6"),
        Case(name: "batch replay", edits: [("connection.tls_fingerprint", null)], family: .cutover, check: "batch_replay", status: .next),
        Case(name: "audit parity", edits: [("rows.finance_events", .array([]))], family: .cutover, check: "audit_parity", status: .next),
        Case(name: "cutover rollback seal", edits: [("rollback.owner_ack_at", null)], family: .cutover, check: "rollback_seal", status: .next),
        // wiring
        Case(name: "wiring waits for infrastructure", edits: [("infrastructure.hosting.accepted_at", null)], family: .wiring, check: "liveCredentials", status: .blocked, detail: "waiting for the infrastructure decision (3/4)"),
        Case(name: "infrastructure acceptance", edits: [("infrastructure.region.value", null)], family: .wiring, check: "infrastructureAcceptance", status: .blocked),
        Case(name: "secrets/backup boundary", edits: [("infrastructure.secrets_backup.accepted_at", null)], family: .wiring, check: "secretsBackupBoundary", status: .blocked),
        Case(name: "endpoint contract", edits: [("connection", null)], family: .wiring, check: "endpointContract", status: .blocked),
        Case(name: "stale connection blocks the endpoint contract", edits: [("connection.snapshot_checksum", s("bfg-00000000"))], family: .wiring, check: "endpointContract", status: .blocked, rebind: false),
        Case(name: "tenant mode", edits: [("adapter.tenant_mode", s(""))], family: .wiring, check: "tenantContext", status: .blocked),
        Case(name: "unknown tenant", edits: [("actors[2].tenant", s("other-tenant"))], family: .wiring, check: "tenantContext", status: .blocked, detail: "1 actors name an unknown tenant"),
        Case(name: "missing role", edits: [("actors[3].role", s("dispatcher"))], family: .wiring, check: "oidcRbacClaims", status: .blocked, detail: "no actor for: driver"),
        Case(name: "rls draft", edits: [("dry_run.verified_objects", .array([s("tenants")]))], family: .wiring, check: "rlsPolicyDraft", status: .blocked),
        Case(name: "live credentials", edits: [("credentials_ref", null)], family: .wiring, check: "liveCredentials", status: .blocked, detail: "no credentials_ref"),
        // integration
        Case(name: "provider without target", edits: [("providers[2].target", s(" "))], family: .integration, check: "provider_contracts", status: .review, detail: "5/6 providers have a current and a target mode"),
        Case(name: "provider missing", edits: [("providers[5]", nil)], family: .integration, check: "provider_contracts", status: .review),
        Case(name: "auth mode", edits: [("adapter.auth_mode", null)], family: .integration, check: "session_adapter", status: .review),
        Case(name: "gate preflight", edits: [("rows", .object(JSONObject()))], family: .integration, check: "migration_preflight", status: .review),
        Case(name: "gate runbook", edits: [("dry_run.verified_objects", .array([]))], family: .integration, check: "migration_runbook", status: .review),
        Case(name: "gate connection", edits: [("connection", null)], family: .integration, check: "adapter_connection", status: .review),
        Case(name: "gate dry-run", edits: [("dry_run.steps.snapshot_export.status", s("failed"))], family: .integration, check: "adapter_dry_run", status: .review),
        Case(name: "gate release", edits: [("rehearsals[0].accepted_at", null)], family: .integration, check: "release_handoff", status: .review),
        Case(name: "gate infrastructure", edits: [("infrastructure.region.value", null)], family: .integration, check: "infrastructure_decision", status: .review),
        Case(name: "gate rollback", edits: [("rollback.owner_ack_at", null)], family: .integration, check: "rollback_drill", status: .review),
        // operations: the records, not the snapshot, break these
        Case(name: "no records", edits: [], family: .operations, check: "records_present", status: .review,
             detail: "no accepted records: production cannot be GO without an audit trail", records: ""),
        Case(name: "stuck run", edits: [], family: .operations, check: "no_stuck_runs", status: .review, records: "records-stuck-run.jsonl"),
        Case(name: "failed run", edits: [], family: .operations, check: "no_failed_runs", status: .review,
             detail: "1 failed runs in the 24h window", records: "records-failed-run.jsonl"),
        Case(name: "release pause", edits: [], family: .operations, check: "no_release_pause", status: .blocked, records: "records-release-pause.jsonl"),
        Case(name: "missing sign-off", edits: [], family: .operations, check: "signoffs_corroborated", status: .review,
             detail: "10/11 sign-offs corroborated; missing: db_schema (user_accountant_olena)", records: "records-missing-signoff.jsonl"),
        Case(name: "sign-off too late", edits: [("rehearsals[0].accepted_at", s("2026-11-10T10:00:00Z"))], family: .operations,
             check: "signoffs_corroborated", status: .review),
        Case(name: "sign-off by someone else", edits: [("rehearsals[2].owner", s("user_md_anna"))], family: .operations,
             check: "signoffs_corroborated", status: .review),
        Case(name: "deploy policy", edits: [], family: .operations, check: "deploy_policy", status: .review,
             detail: "6 policy findings in the 24h window", records: "records-deploy-violations.jsonl"),
    ] + RehearsalKey.allCases.enumerated().map { index, key in
        Case(name: "rehearsal \(key.rawValue)", edits: [("rehearsals[\(index)].accepted_at", null)], family: .rehearsals, check: key.rawValue, status: .next, detail: "not accepted")
    }

    @Test(arguments: notReady)
    func oneEditMakesOneCheckNotReady(_ c: Case) throws {
        let evaluation = try Fixtures.evaluate(Fixtures.ready(c.edits), rebind: c.rebind, records: Fixtures.ledger(c.records))
        let family = try #require(evaluation.family(c.family))
        let check = try #require(family.check(c.check), "\(c.family) has no check \(c.check)")
        #expect(check.status == c.status, "\(c.name)")
        if let detail = c.detail { #expect(check.detail == detail, "\(c.name)") }
        #expect(!family.isComplete)
        #expect(!evaluation.production.isGo)
    }

    /// The same checks are ready on ready.json: each case above flips exactly from ready.
    @Test func everyTabledCheckIsReadyOnReadyJSON() throws {
        let evaluation = try Fixtures.evaluate(Fixtures.json("ready.json"), rebind: false)
        var covered: [FamilyID: Set<String>] = [:]
        for c in Self.notReady {
            #expect(evaluation.family(c.family)?.check(c.check)?.status == .ready, "\(c.family).\(c.check)")
            covered[c.family, default: []].insert(c.check)
        }
        // Every check of every family has a not-ready case in the table.
        for family in evaluation.families {
            #expect(covered[family.id] == Set(family.checks.map(\.id)), "\(family.id) missing cases")
        }
    }

    // MARK: - decisions

    struct DecisionCase: CustomStringConvertible, Sendable {
        var name: String
        var base = "ready.json"
        var edits: [(String, JSONValue?)]
        var family: FamilyID
        var decision: String
        var description: String { name }
    }

    static let decisions: [DecisionCase] = [
        DecisionCase(name: "connection recorded", edits: [], family: .connection, decision: "CONNECTION_RECORDED"),
        DecisionCase(name: "connection pending", edits: [("connection.reachable", .bool(false))], family: .connection, decision: "BLOCKED_PENDING_CONNECTION"),
        DecisionCase(name: "dry-run complete", edits: [], family: .dryRun, decision: "DRY_RUN_COMPLETE"),
        DecisionCase(name: "dry-run pending", edits: [("dry_run.steps.snapshot_export.status", s("failed"))], family: .dryRun, decision: "BLOCKED_PENDING_DRY_RUN"),
        DecisionCase(name: "release GO", edits: [], family: .release, decision: "GO"),
        DecisionCase(name: "release waits for dry-run first", edits: [("dry_run", null), ("rehearsals[0].accepted_at", null)], family: .release, decision: "BLOCKED_PENDING_DRY_RUN"),
        DecisionCase(name: "release waits for owners", edits: [("rehearsals[0].accepted_at", null), ("adapter.storage", null)], family: .release, decision: "BLOCKED_PENDING_OWNER_SIGNOFF"),
        DecisionCase(name: "release gates", edits: [("adapter.storage", null)], family: .release, decision: "BLOCKED_PENDING_RELEASE_GATES"),
        DecisionCase(name: "rollback GO", edits: [], family: .rollback, decision: "GO"),
        DecisionCase(name: "rollback follows release", edits: [("rehearsals[1].accepted_at", null)], family: .rollback, decision: "BLOCKED_PENDING_OWNER_SIGNOFF"),
        DecisionCase(name: "rollback drill", edits: [("rollback.owner_ack_at", null)], family: .rollback, decision: "BLOCKED_PENDING_ROLLBACK_DRILL"),
        DecisionCase(name: "preflight ready", edits: [], family: .preflight, decision: "PREFLIGHT_READY"),
        DecisionCase(name: "preflight blocked", edits: [("rows", .object(JSONObject()))], family: .preflight, decision: "BLOCKED_PENDING_PREFLIGHT"),
        DecisionCase(name: "runbook ready", edits: [], family: .runbook, decision: "RUNBOOK_READY"),
        DecisionCase(name: "runbook waits for preflight", edits: [("rows", .object(JSONObject()))], family: .runbook, decision: "BLOCKED_PENDING_PREFLIGHT"),
        DecisionCase(name: "runbook blocked", edits: [("dry_run.verified_objects", .array([]))], family: .runbook, decision: "BLOCKED_PENDING_RUNBOOK"),
        DecisionCase(name: "cutover GO", edits: [], family: .cutover, decision: "GO_FOR_DATA_CUTOVER"),
        DecisionCase(name: "cutover blocked", edits: [("rows.audit_events", .array([]))], family: .cutover, decision: "BLOCKED_PENDING_DATA_CUTOVER"),
        DecisionCase(name: "wiring ready", edits: [], family: .wiring, decision: "WIRING_READY"),
        DecisionCase(name: "wiring blocked", edits: [("credentials_ref", null)], family: .wiring, decision: "BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS"),
        DecisionCase(name: "integration ready", edits: [], family: .integration, decision: "INTEGRATION_READY"),
        DecisionCase(name: "integration blocked", edits: [("providers[0].current", null)], family: .integration, decision: "BLOCKED_PENDING_INTEGRATION"),
    ]

    @Test(arguments: decisions)
    func decisionBranches(_ c: DecisionCase) throws {
        var value = Fixtures.json(c.base)
        for (path, replacement) in c.edits { value.set(path, replacement) }
        let evaluation = try Fixtures.evaluate(value)
        #expect(evaluation.family(c.family)?.decision == c.decision)
    }

    struct ProductionCase: CustomStringConvertible, Sendable {
        var name: String
        var edits: [(String, JSONValue?)]
        var blocking: String?
        var blockingFamily: FamilyID?
        var description: String { name }
    }

    static let production: [ProductionCase] = [
        ProductionCase(name: "GO", edits: [], blocking: nil, blockingFamily: nil),
        ProductionCase(name: "release first", edits: [("rehearsals[0].accepted_at", null), ("credentials_ref", null)], blocking: "BLOCKED_PENDING_OWNER_SIGNOFF", blockingFamily: .release),
        ProductionCase(name: "rollback next", edits: [("rollback.owner_ack_at", null)], blocking: "BLOCKED_PENDING_ROLLBACK_DRILL", blockingFamily: .rollback),
        ProductionCase(name: "preflight", edits: [("rows", .object(JSONObject()))], blocking: "BLOCKED_PENDING_PREFLIGHT", blockingFamily: .preflight),
        ProductionCase(name: "runbook", edits: [("dry_run.verified_objects", .array([]))], blocking: "BLOCKED_PENDING_RUNBOOK", blockingFamily: .runbook),
        ProductionCase(name: "cutover", edits: [("rows.dispatch_evidence", .array([])), ("rows.orders", .array([])), ("rows.driver_events", .array([])), ("rows.client_requests", .array([]))], blocking: "BLOCKED_PENDING_DATA_CUTOVER", blockingFamily: .cutover),
        ProductionCase(name: "wiring", edits: [("credentials_ref", null)], blocking: "BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS", blockingFamily: .wiring),
        ProductionCase(name: "integration", edits: [("providers[4].target", null)], blocking: "BLOCKED_PENDING_INTEGRATION", blockingFamily: .integration),
    ]

    @Test(arguments: production)
    func productionDecisionNamesTheFirstBlocker(_ c: ProductionCase) throws {
        let evaluation = try Fixtures.evaluate(Fixtures.ready(c.edits))
        #expect(evaluation.production.isGo == (c.blocking == nil))
        #expect(evaluation.production.blocking == c.blocking)
        #expect(evaluation.production.blockingFamily == c.blockingFamily)
    }

    @Test func incompleteFamilyWithoutDecisionStillBlocks() {
        // A registry where only a decision-less family is incomplete: production is still NO-GO.
        let families = [
            FamilyResult(id: .release, checks: [CheckResult("a", .ready, "")], decision: "GO", successDecision: "GO"),
            FamilyResult(id: .board, checks: [CheckResult("b", .next, "")]),
        ]
        let decision = ProductionDecision(families: families)
        #expect(!decision.isGo)
        #expect(decision.blocking == "BLOCKED_PENDING_BOARD")
    }

    // MARK: - packets

    @Test func packetsOfTheDemo() throws {
        let evaluation = try Fixtures.evaluate(Fixtures.json("demo-local.json"))
        let short = evaluation.snapshot.payloadChecksumShort
        let packets = Dictionary(uniqueKeysWithValues: evaluation.packets.map { ($0.key, $0) })
        #expect(Set(packets.keys) == ["preflight", "cutover", "runbook_sql", "release_env", "rollback_env"])
        #expect(packets["preflight"]?.text == "ProductionAdapterMigrationPreflight.v1 schema=BFGScenarioSnapshot.v1 target=db-auth-session-adapter session=grant-demo-local checksum=\(short) rows=0 adapter_contract=ScenarioStore.v1 dry_run=0/5 connection=0/4 rollback_decision=BLOCKED_PENDING_DRY_RUN\n")
        #expect(packets["cutover"]?.text == "ProductionDataCutoverPlan.v1 target=db-auth-session-adapter session=grant-demo-local snapshot_schema=BFGScenarioSnapshot.v1 snapshot_checksum=\(short) snapshot_rows=0 batch_rows=5 batches=1/4 steps=0/5 connection=0/4 dry_run=0/5 runbook_decision=BLOCKED_PENDING_PREFLIGHT release_decision=BLOCKED_PENDING_DRY_RUN rollback_decision=BLOCKED_PENDING_DRY_RUN cutover_decision=BLOCKED_PENDING_DATA_CUTOVER\n")
        #expect(packets["release_env"]?.text == """
            BFG_RELEASE_ENVIRONMENT=local-demo
            BFG_RELEASE_TARGET=db-auth-session-adapter
            BFG_SCENARIO_ADAPTER=ScenarioStore.v1
            BFG_STORAGE_ADAPTER=file-local
            BFG_AUTH_MODE=mock-auth-header
            BFG_TENANT_MODE=single-tenant-local
            BFG_ROLLBACK_OWNER=user_md_anna
            BFG_RELEASE_EVIDENCE=ProductionAdapterDryRun.v1
            BFG_RELEASE_DECISION=BLOCKED_PENDING_DRY_RUN

            """)
        #expect(packets["rollback_env"]?.text == """
            BFG_ROLLBACK_DECISION=BLOCKED_PENDING_DRY_RUN
            BFG_ROLLBACK_OWNER=user_md_anna
            BFG_ROLLBACK_STORAGE=file-local
            BFG_ROLLBACK_AUTH=mock-auth-header
            BFG_ROLLBACK_EVIDENCE=ProductionReleaseHandoff.v1
            BFG_ROLLBACK_PACKET=ProductionRollbackDrill.v1

            """)
        let sql = try #require(packets["runbook_sql"]?.text)
        #expect(sql.hasPrefix("""
            -- ProductionAdapterMigrationRunbook.v1
            -- source=BFGScenarioSnapshot.v1
            -- target=db-auth-session-adapter
            -- session=grant-demo-local
            -- checksum=\(short)
            -- rows=0
            -- runbook_decision=BLOCKED_PENDING_PREFLIGHT
            create schema if not exists bfg_flowcontrol;
            """))
        for packet in packets.values {
            #expect(packet.checksum == Checksum.shortSHA256(packet.text.utf8))
            #expect(packet.text.hasSuffix("\n") && !packet.text.hasSuffix("\n\n"))
        }
    }

    @Test func runbookOutlineIsTheReferenceFileByteForByte() {
        // SHA-256 of reference/runbook-outline.sql as shipped with the spec.
        #expect(Checksum.sha256Hex((RunbookFamily.outline + "\n").utf8) == "cca71d7b915b64df451169bb1f6995b177f0c089bec9ec4a0478081c7d39e423")
    }

    @Test func unsetPacketValuesAreWrittenEmpty() throws {
        let evaluation = try Fixtures.evaluate(Fixtures.ready([("adapter.storage", Self.null), ("release.environment", Self.s(""))]))
        let env = try #require(evaluation.family(.release)?.packet?.text)
        #expect(env.contains("\nBFG_STORAGE_ADAPTER=\n"))
        #expect(env.hasPrefix("BFG_RELEASE_ENVIRONMENT=\n"))
    }

    @Test func endpointIsShownRedacted() throws {
        let evaluation = try Fixtures.evaluate(Fixtures.json("endpoint-secret.json"), rebind: false)
        let detail = try #require(evaluation.family(.connection)?.check("endpoint_reachability")?.detail)
        #expect(detail == "postgres://db.staging.bfg.example:5432/bfg_flowcontrol reachable")
        let json = JSONWriter.pretty(CheckReport.json(evaluation)) + CheckReport.text(evaluation)
        #expect(!json.contains("S3cr3t") && !json.contains("bfg_admin"))
    }

    @Test(arguments: [
        ("postgres://u:p@host:5432/db?sslmode=require#x", "postgres://host:5432/db"),
        ("https://host/path", "https://host/path"),
        ("https://us%40er:p@ss/w@rd@host/db", "https://host/db"),
        ("user:secret@host:5432", "host:5432"),
        ("https://host/db?token=abc", "https://host/db"),
    ])
    func urlRedaction(_ input: String, _ expected: String) {
        #expect(Redaction.url(input) == expected)
    }
}
