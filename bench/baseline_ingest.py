#!/usr/bin/env python3
"""The baseline `make bench` compares `evpack ingest` with: read JSON Lines with json.loads
per line and insert the same columns with sqlite3 executemany, one table per kind.

COLUMNS is RecordRules.columns (Sources/EvidenceKit/Records/RecordRules.swift); keep the two
alike. A usage record's `family` is not in the record: like evpack, it is the second
dot-separated part of `event_name`."""
import json
import sqlite3
import sys

COLUMNS = {
    "audit": ["id", "recorded_at", "action", "status", "actor_id", "workspace_id", "tenant_id", "subject_type", "subject_id"],
    "run": ["id", "type", "status", "outcome", "workspace_id", "tenant_id", "created_at", "started_at", "completed_at"],
    "usage": ["id", "event_name", "family", "workspace_id", "tenant_id", "user_id", "occurred_at"],
    "control": ["id", "control_key", "scope", "workspace_id", "actor_id", "activated_at", "expires_at", "resumed_at", "reason"],
    "deploy": ["id", "project", "environment", "type", "ref_type", "ref_name", "requested_by", "requested_at", "status", "started_at", "finished_at"],
    "approval": ["id", "job_id", "user_id", "decision", "decided_at"],
}


def family(event_name):
    """The second dot-separated part of an event name (`operations` of `product.operations.started`)."""
    if not isinstance(event_name, str):
        return None
    parts = [part for part in event_name.split(".") if part]
    return parts[1] if len(parts) > 1 else ""


def main(path, db_path):
    db = sqlite3.connect(db_path)
    for kind, columns in COLUMNS.items():
        db.execute(f"CREATE TABLE IF NOT EXISTS {kind} ({', '.join(columns)}, doc TEXT, PRIMARY KEY (id)) WITHOUT ROWID")
    statements = {kind: f"INSERT OR IGNORE INTO {kind} VALUES ({', '.join('?' * (len(columns) + 1))})" for kind, columns in COLUMNS.items()}
    batches = {kind: [] for kind in COLUMNS}
    accepted = rejected = 0
    with open(path, "rb") as f:
        for line in f:
            try:
                record = json.loads(line)
                kind = record["kind"]
                columns = COLUMNS[kind]
                row = tuple(record.get(c) for c in columns)
                if row[0] is None:
                    raise ValueError
                if kind == "usage":
                    row = row[:2] + (family(row[1]),) + row[3:]
            except Exception:
                rejected += 1
                continue
            batches[kind].append(row + (line.decode(),))
            accepted += 1
            if len(batches[kind]) >= 10000:
                try:
                    db.executemany(statements[kind], batches[kind])
                except sqlite3.Error:
                    pass  # a batch with a value sqlite cannot bind (a malformed line): skipped
                batches[kind].clear()
    for kind, batch in batches.items():
        if batch:
            db.executemany(statements[kind], batch)
    db.commit()
    db.close()
    print(f"baseline: {accepted} accepted, {rejected} rejected")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
