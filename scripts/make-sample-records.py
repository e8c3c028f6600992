#!/usr/bin/env python3
"""Writes the sample audit/telemetry records in snapshots/ (run once; the files are committed).

ready-records.jsonl corroborates snapshots/ready.json at its captured_at (2026-11-20T09:00:00Z,
window 24h); each records-*.jsonl adds or removes what breaks one operations check."""
import csv
import json
import pathlib

out = pathlib.Path(__file__).resolve().parent.parent / "snapshots"
ready = json.loads((out / "ready.json").read_text())


def shift(time, minutes):
    import datetime
    t = datetime.datetime.fromisoformat(time.replace("Z", "+00:00")) + datetime.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


records = []
# Sign-offs: every accepted rehearsal, infrastructure decision and the rollback acknowledgement.
for r in ready["rehearsals"]:
    records.append({"kind": "audit", "id": f"aud-signoff-{r['key']}", "recorded_at": shift(r["accepted_at"], 5),
                    "action": "signoff.recorded", "status": "success", "actor_id": r["owner"], "workspace_id": "ws-bfg-control",
                    "tenant_id": "bfg-control", "subject_type": "rehearsal", "subject_id": r["key"]})
for key in ["hosting", "region", "runtime_owner", "secrets_backup"]:
    d = ready["infrastructure"][key]
    records.append({"kind": "audit", "id": f"aud-signoff-{key}", "recorded_at": shift(d["accepted_at"], 2),
                    "action": "signoff.recorded", "status": "success", "actor_id": ready["infrastructure"]["owner"],
                    "workspace_id": "ws-bfg-control", "tenant_id": "bfg-control", "subject_type": "infrastructure", "subject_id": key})
records.append({"kind": "audit", "id": "aud-signoff-rollback_ack", "recorded_at": shift(ready["rollback"]["owner_ack_at"], 3),
                "action": "signoff.recorded", "status": "success", "actor_id": ready["rollback"]["owner"], "workspace_id": "ws-bfg-control",
                "tenant_id": "bfg-control", "subject_type": "rollback", "subject_id": "rollback_ack"})
records += [
    {"kind": "audit", "id": "aud-login-1", "recorded_at": "2026-11-20T07:12:00Z", "action": "platform.auth.login", "status": "success",
     "actor_id": "user_dispatcher_marek", "workspace_id": "ws-bfg-dispatch", "tenant_id": "bfg-control",
     "metadata": {"ip_class": "office", "session_token": "tok_live_9f8e7d6c5b4a"}},
    {"kind": "audit", "id": "aud-write-1", "recorded_at": "2026-11-20T08:30:00Z", "action": "scenario.write", "status": "success",
     "actor_id": "user_accountant_olena", "workspace_id": "ws-bfg-finance", "tenant_id": "bfg-control",
     "subject_type": "scenario", "subject_id": "grant-ready"},
    # Runs: done, failed before the window, one running and one queued, none stuck.
    {"kind": "run", "id": "run-export-1", "type": "scenario.export", "status": "completed", "outcome": "succeeded",
     "workspace_id": "ws-bfg-control", "tenant_id": "bfg-control", "initiator": "Anna Kowalska",
     "created_at": "2026-11-19T18:00:00Z", "started_at": "2026-11-19T18:00:05Z", "completed_at": "2026-11-19T18:04:10Z",
     "summary_counts": {"rows": 13, "tables": 6}},
    {"kind": "run", "id": "run-replay-1", "type": "adapter.replay", "status": "completed", "outcome": "failed",
     "workspace_id": "ws-bfg-control", "tenant_id": "bfg-control", "initiator": "Marek Zielinski",
     "created_at": "2026-11-18T10:00:00Z", "started_at": "2026-11-18T10:00:10Z", "completed_at": "2026-11-18T10:20:00Z",
     "summary_counts": {"rows": 13, "failed": 2, "note": "retried next day"},
     "failure_summary": [{"code": "E_RLS", "message": "policy missing on audit_events"},
                         {"code": "E_AUTH", "api_key": "sk_live_should_never_leave"}]},
    {"kind": "run", "id": "run-replay-2", "type": "adapter.replay", "status": "completed", "outcome": "succeeded",
     "workspace_id": "ws-bfg-control", "tenant_id": "bfg-control", "initiator": "Marek Zielinski",
     "created_at": "2026-11-19T12:00:00Z", "started_at": "2026-11-19T12:00:08Z", "completed_at": "2026-11-19T12:05:00Z"},
    {"kind": "run", "id": "run-backfill-1", "type": "findings.backfill", "status": "running", "outcome": "pending",
     "workspace_id": "ws-bfg-finance", "tenant_id": "bfg-control", "created_at": "2026-11-20T08:20:00Z",
     "started_at": "2026-11-20T08:21:00Z"},
    {"kind": "run", "id": "run-report-1", "type": "report.export", "status": "queued", "outcome": "pending",
     "workspace_id": "ws-bfg-dispatch", "tenant_id": "bfg-control", "created_at": "2026-11-20T08:50:00Z"},
    # Usage, one event per family in the window, one exactly 90 days old (kept), one older (expired).
    {"kind": "usage", "id": "use-1", "event_name": "product.onboarding.checkpoint_completed", "workspace_id": "ws-bfg-control",
     "tenant_id": "bfg-control", "user_id": "user_md_anna", "subject_type": "workspace", "subject_id": "ws-bfg-control",
     "occurred_at": "2026-11-19T20:00:00Z", "metadata": {"checkpoint_key": "first_cutover", "lifecycle_state": "completed",
                                                        "completed_at": "2026-11-19T20:00:00Z"}},
    {"kind": "usage", "id": "use-2", "event_name": "product.support_diagnostics.opened", "workspace_id": "ws-bfg-dispatch",
     "tenant_id": "bfg-control", "user_id": "user_dispatcher_marek", "subject_type": "workspace", "subject_id": "ws-bfg-dispatch",
     "occurred_at": "2026-11-20T06:10:00Z", "metadata": {"source_surface": "console", "operation_type": "restore"}},
    {"kind": "usage", "id": "use-3", "event_name": "product.operations.started", "workspace_id": "ws-bfg-finance",
     "tenant_id": "bfg-control", "user_id": "user_accountant_olena", "subject_type": "workspace", "subject_id": "ws-bfg-finance",
     "occurred_at": "2026-11-20T08:21:00Z", "metadata": {"operation_type": "backfill"}},
    {"kind": "usage", "id": "use-4", "event_name": "product.stored_report.created", "workspace_id": "ws-bfg-control",
     "tenant_id": "bfg-control", "user_id": "user_md_anna", "subject_type": "report", "subject_id": "weekly-47",
     "occurred_at": "2026-11-20T07:00:00Z", "metadata": {"report_type": "weekly"}},
    {"kind": "usage", "id": "use-5", "event_name": "product.review_pack.requested", "workspace_id": "ws-bfg-control",
     "tenant_id": "bfg-control", "user_id": "user_md_anna", "subject_type": "session", "subject_id": "grant-ready",
     "occurred_at": "2026-11-20T08:55:00Z", "metadata": {"source_surface": "console", "include_operations": True, "include_pii": False}},
    {"kind": "usage", "id": "use-6", "event_name": "product.stored_report.created", "workspace_id": "ws-bfg-finance",
     "tenant_id": "bfg-control", "user_id": "user_accountant_olena", "subject_type": "report", "subject_id": "q3-close",
     "occurred_at": "2026-08-22T09:00:00Z", "metadata": {"report_type": "audit"}},
    {"kind": "usage", "id": "use-7", "event_name": "product.stored_report.created", "workspace_id": "ws-bfg-finance",
     "tenant_id": "bfg-control", "user_id": "user_accountant_olena", "subject_type": "report", "subject_id": "q2-close",
     "occurred_at": "2026-08-01T09:00:00Z", "metadata": {"report_type": "audit"}},
    # Controls: a release pause resumed before as-of, a workspace pause that expired.
    {"kind": "control", "id": "ctl-1", "control_key": "release.cutover", "scope": "global",
     "reason": "Freeze while the dry-run transcript is reviewed", "actor_id": "user_md_anna",
     "activated_at": "2026-11-19T11:00:00Z", "resumed_at": "2026-11-19T12:30:00Z"},
    {"kind": "control", "id": "ctl-2", "control_key": "restore.execute", "scope": "workspace", "workspace_id": "ws-bfg-finance",
     "reason": "Restore paused during the KSeF certificate rotation", "actor_id": "user_accountant_olena",
     "activated_at": "2026-11-19T14:00:00Z", "expires_at": "2026-11-19T16:00:00Z"},
    # Deploys that follow their environment's policy, with their approvals.
    {"kind": "deploy", "id": "dep-stage-1", "project": "bfg-control", "environment": "stage", "type": "deploy", "ref_type": "branch",
     "ref_name": "develop", "commit_sha": "3f9a0c21d4e5", "requested_by": "user_dispatcher_marek", "requested_at": "2026-11-19T13:00:00Z",
     "status": "success", "started_at": "2026-11-19T13:01:00Z", "finished_at": "2026-11-19T13:06:00Z"},
    {"kind": "deploy", "id": "dep-demo-1", "project": "bfg-control", "environment": "demo", "type": "deploy", "ref_type": "branch",
     "ref_name": "release/1.4", "commit_sha": "7b2c7a5b0e11", "requested_by": "user_dispatcher_marek", "requested_at": "2026-11-19T14:00:00Z",
     "status": "success", "started_at": "2026-11-19T14:20:00Z", "finished_at": "2026-11-19T14:26:00Z"},
    {"kind": "deploy", "id": "dep-prod-1", "project": "bfg-control", "environment": "prod", "type": "deploy", "ref_type": "tag",
     "ref_name": "v1.4.2", "commit_sha": "d6f24eb0aa01", "requested_by": "user_dispatcher_marek", "requested_at": "2026-11-19T15:00:00Z",
     "status": "success", "started_at": "2026-11-19T15:30:00Z", "finished_at": "2026-11-19T15:41:00Z",
     "external_run_url": "https://ci-bot:ghp_tokenvalue@ci.example/bfg/runs/1442?token=abc#log"},
    {"kind": "approval", "id": "apr-1", "job_id": "dep-demo-1", "user_id": "user_md_anna", "decision": "approved",
     "decided_at": "2026-11-19T14:10:00Z", "note": "demo for Lviv Farma"},
    {"kind": "approval", "id": "apr-2", "job_id": "dep-prod-1", "user_id": "user_md_anna", "decision": "approved",
     "decided_at": "2026-11-19T15:10:00Z"},
    {"kind": "approval", "id": "apr-3", "job_id": "dep-prod-1", "user_id": "user_accountant_olena", "decision": "approved",
     "decided_at": "2026-11-19T15:12:00Z"},
]


def write_jsonl(name, items):
    with open(out / name, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


write_jsonl("ready-records.jsonl", records)

columns = ["kind"]
for r in records:
    for k in r:
        if k not in columns:
            columns.append(k)
with open(out / "ready-records.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(columns)
    for r in records:
        w.writerow(["" if r.get(c) is None else (json.dumps(r[c]) if isinstance(r.get(c), (dict, list)) else r[c]) for c in columns])

audit = [r for r in records if r["kind"] == "audit" and r["action"] == "signoff.recorded"]
audit_columns = [c for c in columns if c != "kind" and any(c in r for r in audit)]
with open(out / "signoffs-audit.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(audit_columns)
    for r in audit:
        w.writerow([r.get(c, "") for c in audit_columns])

write_jsonl("records-stuck-run.jsonl", records + [
    {"kind": "run", "id": "run-stuck-1", "type": "restore.execute", "status": "queued", "outcome": "pending",
     "workspace_id": "ws-bfg-dispatch", "tenant_id": "bfg-control", "created_at": "2026-11-20T07:00:00Z"}])
write_jsonl("records-failed-run.jsonl", records + [
    {"kind": "run", "id": "run-failed-1", "type": "adapter.replay", "status": "completed", "outcome": "failed",
     "workspace_id": "ws-bfg-control", "tenant_id": "bfg-control", "created_at": "2026-11-20T05:00:00Z",
     "started_at": "2026-11-20T05:00:10Z", "completed_at": "2026-11-20T06:00:00Z",
     "failure_summary": [{"code": "E_TIMEOUT", "message": "replay timed out"}]}])
write_jsonl("records-release-pause.jsonl", records + [
    {"kind": "control", "id": "ctl-release-freeze", "control_key": "release.cutover", "scope": "global",
     "reason": "Release frozen: incident INC-2211 on the staging adapter", "actor_id": "user_md_anna",
     "activated_at": "2026-11-20T08:00:00Z"}])
write_jsonl("records-missing-signoff.jsonl", [r for r in records if r["id"] != "aud-signoff-db_schema"])
write_jsonl("records-deploy-violations.jsonl", records + [
    {"kind": "deploy", "id": "dep-prod-branch", "project": "bfg-control", "environment": "prod", "type": "deploy", "ref_type": "branch",
     "ref_name": "main", "requested_by": "user_dispatcher_marek", "requested_at": "2026-11-19T16:00:00Z", "status": "success",
     "started_at": "2026-11-19T16:05:00Z", "finished_at": "2026-11-19T16:10:00Z"},
    {"kind": "deploy", "id": "dep-prod-night", "project": "bfg-control", "environment": "prod", "type": "deploy", "ref_type": "tag",
     "ref_name": "v1.4.3", "requested_by": "user_dispatcher_marek", "requested_at": "2026-11-19T21:00:00Z", "status": "success",
     "started_at": "2026-11-19T21:30:00Z", "finished_at": "2026-11-19T21:40:00Z"},
    {"kind": "approval", "id": "apr-night-1", "job_id": "dep-prod-night", "user_id": "user_dispatcher_marek", "decision": "approved",
     "decided_at": "2026-11-19T21:10:00Z"},
    {"kind": "deploy", "id": "dep-stage-overlap", "project": "bfg-control", "environment": "stage", "type": "deploy", "ref_type": "branch",
     "ref_name": "feature/eta-cache", "requested_by": "user_accountant_olena", "requested_at": "2026-11-19T13:02:00Z", "status": "success",
     "started_at": "2026-11-19T13:03:00Z", "finished_at": "2026-11-19T13:08:00Z"}])

bad = [
    '{"kind":"audit","id":"aud-bad-json","recorded_at":"2026-11-20T08:00:00Z",',
    '{"kind":"audit","id":"aud-no-action","recorded_at":"2026-11-20T08:00:00Z"}',
    '{"kind":"run","id":"run-bad-status","type":"x","status":"sleeping","workspace_id":"ws-1","created_at":"2026-11-20T08:00:00Z"}',
    '{"kind":"audit","id":"aud-bad-time","recorded_at":"2026-11-20 08:00","action":"x"}',
    '{"kind":"usage","id":"use-email","event_name":"product.operations.started","workspace_id":"ws-1","tenant_id":"t","user_id":"u","subject_type":"s","subject_id":"s","occurred_at":"2026-11-20T08:00:00Z","metadata":{"operation_type":"anna@example.com"}}',
    '{"kind":"usage","id":"use-nested","event_name":"product.operations.started","workspace_id":"ws-1","tenant_id":"t","user_id":"u","subject_type":"s","subject_id":"s","occurred_at":"2026-11-20T08:00:00Z","metadata":{"operation_type":{"a":1}}}',
    '{"kind":"control","id":"ctl-short","control_key":"release.cutover","scope":"global","reason":"no","actor_id":"a","activated_at":"2026-11-20T08:00:00Z"}',
    '{"kind":"deploy","id":"dep bad id","project":"p","environment":"prod","type":"deploy","ref_type":"tag","ref_name":"v1.0.0","requested_by":"u","requested_at":"2026-11-20T08:00:00Z","status":"success"}',
    '[1,2,3]',
    '',
    '{"kind":"ledger","id":"x"}',
]
with open(out / "records-bad-lines.jsonl", "w", encoding="utf-8") as f:
    f.write("\n".join(bad) + "\n")
print("wrote", len(records), "ready records")
