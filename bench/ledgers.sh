#!/usr/bin/env bash
# make bench, issue 15: the PostgreSQL ledger next to the SQLite one, in the same run, on a
# throwaway PostgreSQL 15 (TLS, the application role; scripts/throwaway-postgres.sh).
#   1M records into PostgreSQL vs into SQLite                  (target <= 2x)
#   4 concurrent ingests of 250k into PostgreSQL vs one of 1M  (target <= 1.5x)
#   check --ledger over 1M records, PostgreSQL vs SQLite       (target <= 2x)
# BIN (default .build/release) and N (default 1000000) may be set; each ledger starts empty.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
N=${N:-1000000}
WORK=${WORK:-output/bench}
mkdir -p "$WORK"
export EVPACK_PG_DIR=${EVPACK_PG_DIR:-/tmp/evpack-bench-postgres}
eval "$(scripts/throwaway-postgres.sh start 2>/dev/null)"
trap 'scripts/throwaway-postgres.sh stop >/dev/null 2>&1' EXIT
# The URL's port: postgres://USER@127.0.0.1:PORT/DB
PORT=$(echo "$EVPACK_TARGET" | sed 's#.*:\([0-9]*\)/.*#\1#')
psql_super() {
  local as=(); [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" /usr/lib/postgresql/15/bin/psql -X -q -t -A -h "$EVPACK_PG_DIR" -p "$PORT" -d postgres -c "$1" >/dev/null
}
fresh_db() { # NAME: an empty database owned by the application role
  psql_super "DROP DATABASE IF EXISTS $1" 2>/dev/null
  psql_super "CREATE DATABASE $1 OWNER evpack_app"
  echo "${EVPACK_TARGET%/*}/$1"
}
seconds() { /usr/bin/time -f %e -o "$WORK/ledger-time.txt" "$@" >/dev/null 2>"$WORK/ledger-last.err" || { cat "$WORK/ledger-last.err"; exit 1; }; cat "$WORK/ledger-time.txt"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }

[ -f "$WORK/r$N.jsonl" ] || $BIN/evpack-gen --records "$N" --seed 7 --out "$WORK/r$N.jsonl"
Q=$((N / 4))
for i in 0 1 2 3; do
  [ -f "$WORK/q$Q-$i.jsonl" ] || $BIN/evpack-gen --records "$Q" --seed $((i + 11)) --id-prefix "q$i-" --out "$WORK/q$Q-$i.jsonl"
done

echo "== ledgers: PostgreSQL (COPY + INSERT … ON CONFLICT) against SQLite, $N records"
rm -f "$WORK/ledger-bench.sqlite"*
sqlite=$(seconds $BIN/evpack ingest "$WORK/r$N.jsonl" --ledger "$WORK/ledger-bench.sqlite")
url=$(fresh_db bench_one)
postgres=$(seconds $BIN/evpack ingest "$WORK/r$N.jsonl" --ledger "$url")
printf '  ingest %d: SQLite %s s, PostgreSQL %s s: %sx (target <= 2)\n' "$N" "$sqlite" "$postgres" "$(ratio "$postgres" "$sqlite")"

url4=$(fresh_db bench_four)
$BIN/evpack ledger init "$url4" >/dev/null
start=$(date +%s.%N)
pids=()
for i in 0 1 2 3; do $BIN/evpack ingest "$WORK/q$Q-$i.jsonl" --ledger "$url4" >/dev/null & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid"; done
four=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $start}")
printf '  4 concurrent ingests of %d: %s s, one ingest of %d: %s s: %sx (target <= 1.5)\n' "$Q" "$four" "$N" "$postgres" "$(ratio "$four" "$postgres")"

check_sqlite=$(seconds $BIN/evpack check snapshots/ready.json --ledger "$WORK/ledger-bench.sqlite" --format json)
check_postgres=$(seconds $BIN/evpack check snapshots/ready.json --ledger "$url" --format json)
printf '  check --ledger over %d: SQLite %s s, PostgreSQL %s s: %sx (target <= 2)\n' "$N" "$check_sqlite" "$check_postgres" "$(ratio "$check_postgres" "$check_sqlite")"
