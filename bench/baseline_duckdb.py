#!/usr/bin/env python3
"""The DuckDB baseline of `make bench` (issue 16): load the same JSON Lines into a DuckDB file,
one table per kind with the columns `evpack ingest` stores and a unique index on id.

`read_json` (newline-delimited, `ignore_errors`: a line that is not a JSON object is skipped)
reads the file once into a temporary table with every field as text; each kind's table then
takes its columns, times as integer nanoseconds since 1970 (as the ledger stores them), a
usage record's `family` from its `event_name`, the first record of an id (`INSERT OR IGNORE`
into a table whose id is its primary key). DuckDB uses every core and checks none of evpack's
rules, and does not keep the whole record (`doc`); it is a floor for loading, not an
equivalent. COLUMNS is RecordRules.columns, as in baseline_ingest.py."""
import sys

import duckdb

from baseline_ingest import COLUMNS

TIMES = {"recorded_at", "created_at", "started_at", "completed_at", "occurred_at", "activated_at", "expires_at",
         "resumed_at", "requested_at", "finished_at", "decided_at"}


def main(path, db_path):
    db = duckdb.connect(db_path)
    fields = sorted({c for columns in COLUMNS.values() for c in columns if c != "family"} | {"kind"})
    spec = "{" + ", ".join(f"'{f}': 'VARCHAR'" for f in fields) + "}"
    db.execute(f"""CREATE TEMP TABLE raw AS SELECT * FROM read_json(?, format = 'newline_delimited',
                   ignore_errors = true, columns = {spec})""", [path])
    accepted = 0
    for kind, columns in COLUMNS.items():
        types = ", ".join(f"{c} {'BIGINT' if c in TIMES else 'VARCHAR'}" + (" PRIMARY KEY" if c == "id" else "") for c in columns)
        db.execute(f"CREATE TABLE {kind} ({types})")
        values = []
        for c in columns:
            if c in TIMES:
                values.append(f"epoch_ns(try_cast({c} AS TIMESTAMPTZ))")
            elif c == "family":
                values.append("split_part(event_name, '.', 2)")
            else:
                values.append(c)
        db.execute(f"INSERT OR IGNORE INTO {kind} SELECT {', '.join(values)} FROM raw WHERE kind = '{kind}' AND id IS NOT NULL")
        accepted += db.execute(f"SELECT count(*) FROM {kind}").fetchone()[0]
    db.close()
    print(f"duckdb {duckdb.__version__}: {accepted} records in {len(COLUMNS)} tables")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
