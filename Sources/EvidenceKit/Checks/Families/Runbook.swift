/// ProductionAdapterMigrationRunbook.v1: the SQL/RLS outline and operator checklist that
/// replays the snapshot into the selected DB/auth adapter (SPEC §3).
struct RunbookFamily: CheckFamily {
    let id = FamilyID.runbook
    static let contract = "ProductionAdapterMigrationRunbook.v1"
    static let ready = "RUNBOOK_READY"

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let connection = context.result(.connection)
        let dryRun = context.result(.dryRun)
        let preflight = context.result(.preflight)
        let rollbackDecision = context.decision(.rollback)
        let verified = context.freshDryRun?.verifiedObjects.count ?? 0
        let checks = [
            CheckResult("freeze_snapshot", ready: snapshot.rowCount > 0, "\(snapshot.rowCount) / \(snapshot.payloadChecksumShort)"),
            CheckResult("schema_rls", ready: verified == RunbookObject.allCases.count,
                        "\(fraction(verified, RunbookObject.allCases.count)) objects verified by the dry-run"),
            CheckResult("actor_claims", ready: context.actorClaimsReady, context.actorClaimsDetail),
            CheckResult("adapter_replay", ready: connection.isComplete && dryRun.isComplete, "\(connection.count) + \(dryRun.count)"),
            CheckResult("checksum_verification", ready: preflight.isComplete, "preflight \(preflight.count)"),
            CheckResult("rollback_seal", ready: rollbackDecision == "GO", "rollback decision \(rollbackDecision)"),
        ]
        let decision: String
        if !preflight.isComplete {
            decision = "BLOCKED_PENDING_PREFLIGHT"
        } else {
            decision = checks.allSatisfy(\.isReady) ? Self.ready : "BLOCKED_PENDING_RUNBOOK"
        }
        let header = [
            "-- \(Self.contract)",
            "-- source=\(Snapshot.schemaName)",
            "-- target=\(snapshot.adapter.target ?? "")",
            "-- session=\(snapshot.session)",
            "-- checksum=\(snapshot.payloadChecksumShort)",
            "-- rows=\(snapshot.rowCount)",
            "-- runbook_decision=\(decision)",
        ]
        return FamilyResult(
            id: id, contract: Self.contract, checks: checks, decision: decision, successDecision: Self.ready,
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
