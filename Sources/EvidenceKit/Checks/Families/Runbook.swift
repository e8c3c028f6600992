/// ProductionAdapterMigrationRunbook.v1: the SQL/RLS outline and operator checklist that
/// replays the snapshot into the selected DB/auth adapter (SPEC §3).
struct RunbookFamily: DecidingFamily {
    static let contract = "ProductionAdapterMigrationRunbook.v1"

    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.runbook
        case freezeSnapshot = "freeze_snapshot"
        case schemaRLS = "schema_rls"
        case actorClaims = "actor_claims"
        case adapterReplay = "adapter_replay"
        case checksumVerification = "checksum_verification"
        case rollbackSeal = "rollback_seal"
    }

    enum Decision: String, FamilyDecision {
        case ready = "RUNBOOK_READY"
        case blockedPendingPreflight = "BLOCKED_PENDING_PREFLIGHT"
        case blockedPendingRunbook = "BLOCKED_PENDING_RUNBOOK"
        static let success = Decision.ready
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let connection = context.result(.connection)
        let dryRun = context.result(.dryRun)
        let preflight = context.result(.preflight)
        let rollbackDecision = context.decision(of: RollbackFamily.self)
        let verified = context.freshDryRun?.verifiedObjects.count ?? 0
        let checks = [
            CheckResult(CheckID.freezeSnapshot, ready: snapshot.rowCount > 0, "\(snapshot.rowCount) / \(snapshot.payloadChecksumShort)"),
            CheckResult(CheckID.schemaRLS, ready: verified == RunbookObject.allCases.count,
                        "\(fraction(verified, RunbookObject.allCases.count)) objects verified by the dry-run"),
            CheckResult(CheckID.actorClaims, ready: context.actorClaimsReady, context.actorClaimsDetail),
            CheckResult(CheckID.adapterReplay, ready: connection.isComplete && dryRun.isComplete, "\(connection.count) + \(dryRun.count)"),
            CheckResult(CheckID.checksumVerification, ready: preflight.isComplete, "preflight \(preflight.count)"),
            CheckResult(CheckID.rollbackSeal, ready: rollbackDecision == .go, "rollback decision \(rollbackDecision.rawValue)"),
        ]
        let decision: Decision
        if !preflight.isComplete {
            decision = .blockedPendingPreflight
        } else {
            decision = checks.allSatisfy(\.isReady) ? .ready : .blockedPendingRunbook
        }
        let header = [
            "-- \(Self.contract)",
            "-- source=\(Snapshot.schemaName)",
            "-- target=\(snapshot.adapter.target ?? "")",
            "-- session=\(snapshot.session)",
            "-- checksum=\(snapshot.payloadChecksumShort)",
            "-- rows=\(snapshot.rowCount)",
            "-- runbook_decision=\(decision.rawValue)",
        ]
        return result(
            contract: Self.contract, checks: checks, decision: decision,
            packet: Packet(key: "runbook_sql", fileName: "runbook.sql", lines: header + [Self.outline])
        )
    }

    /// The bytes of `reference/runbook-outline.sql` without its final LF (the packet adds it).
    static let outline = #"""
create schema if not exists bfg_flowcontrol;

create table if not exists bfg_flowcontrol.tenants (
  tenant_id text primary key,
  name text not null,
  created_at timestamptz not null default now()
);

create table if not exists bfg_flowcontrol.users (
  user_id text primary key,
  tenant_id text not null references bfg_flowcontrol.tenants(tenant_id),
  role_key text not null,
  display_name text not null,
  permissions text[] not null default '{}'
);

create table if not exists bfg_flowcontrol.scenario_snapshots (
  snapshot_id text primary key,
  tenant_id text not null references bfg_flowcontrol.tenants(tenant_id),
  checksum text not null,
  schema_version text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);

create table if not exists bfg_flowcontrol.audit_events (
  event_id text primary key,
  tenant_id text not null references bfg_flowcontrol.tenants(tenant_id),
  actor_id text not null references bfg_flowcontrol.users(user_id),
  source text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);

alter table bfg_flowcontrol.users enable row level security;
alter table bfg_flowcontrol.scenario_snapshots enable row level security;
alter table bfg_flowcontrol.audit_events enable row level security;

drop policy if exists bfg_tenant_users on bfg_flowcontrol.users;
drop policy if exists bfg_tenant_snapshots on bfg_flowcontrol.scenario_snapshots;
drop policy if exists bfg_tenant_audit on bfg_flowcontrol.audit_events;

create policy bfg_tenant_users on bfg_flowcontrol.users
  using (tenant_id = current_setting('bfg.tenant_id', true));
create policy bfg_tenant_snapshots on bfg_flowcontrol.scenario_snapshots
  using (tenant_id = current_setting('bfg.tenant_id', true));
create policy bfg_tenant_audit on bfg_flowcontrol.audit_events
  using (tenant_id = current_setting('bfg.tenant_id', true));
"""#
}
