#!/usr/bin/env bash
# make bench: the speed and memory targets of issues 3 and 5, each next to its baseline in the
# same run. Writes into output/bench/ (ignored by git). Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release
WORK=output/bench
mkdir -p "$WORK"
export LC_ALL=C

# best-of-N wall time (seconds) and the peak RSS (KiB) of that run
measure() { # label runs command...
  local label=$1 runs=$2; shift 2
  local best="" rss=""
  for _ in $(seq "$runs"); do
    [ -n "${BEFORE:-}" ] && eval "$BEFORE"
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >"$WORK/last.out" 2>"$WORK/last.err" || { echo "$label failed:"; cat "$WORK/last.err"; exit 1; }
    read -r t m <"$WORK/time.txt"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  printf '%s %s %s\n' "$label" "$best" "$rss" >>"$WORK/results.txt"
  printf '  %-44s %7.2f s  %8.1f MiB\n' "$label" "$best" "$(awk "BEGIN{print $rss/1024}")"
}
get() { awk -v l="$1" '$1==l {print $'"$2"'}' "$WORK/results.txt" | tail -1; }
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }

# Alternating rounds of two commands (A, B, A, B, …); the median wall time (s) and its run's
# peak RSS (KiB) of each go into results.txt.
alternate() { # rounds labelA cleanA commandA labelB cleanB commandB
  local rounds=$1 la=$2 ca=$3 a=$4 lb=$5 cb=$6 b=$7
  : >"$WORK/alt-$la.txt"; : >"$WORK/alt-$lb.txt"
  for _ in $(seq "$rounds"); do
    for side in a b; do
      if [ $side = a ]; then label=$la clean=$ca cmd=$a; else label=$lb clean=$cb cmd=$b; fi
      eval "$clean"
      /usr/bin/time -f "%e %M" -o "$WORK/time.txt" $cmd >"$WORK/last.out" 2>"$WORK/last.err" || { echo "$label failed:"; cat "$WORK/last.err"; exit 1; }
      cat "$WORK/time.txt" >>"$WORK/alt-$label.txt"
    done
  done
  for label in "$la" "$lb"; do
    sort -n "$WORK/alt-$label.txt" | awk -v l="$label" '{t[NR]=$1; m[NR]=$2} END {i=int((NR+1)/2); print l, t[i], m[i]}' >>"$WORK/results.txt"
    read -r _ t m < <(tail -1 "$WORK/results.txt")
    printf '  %-44s %7.2f s  %8.1f MiB  (median of %d)\n' "$label" "$t" "$(awk "BEGIN{print $m/1024}")" "$rounds"
  done
}

# Issue 16: evpack ingest next to DuckDB loading the same file (read_json, one table per kind,
# unique id), alternating, median of 3 rounds.
bench_duckdb() { # records
  local n=$1 file=$WORK/r$1.jsonl
  [ -f "$file" ] || $BIN/evpack-gen --records "$n" --seed 7 --out "$file"
  echo "== records: evpack ingest against DuckDB (read_json + one table per kind, unique id), $n records"
  alternate 3 "evpack-ingest-vs-duckdb-$n" "rm -f $WORK/ledger-d$n.sqlite*" "$BIN/evpack ingest $file --ledger $WORK/ledger-d$n.sqlite" \
    "duckdb-ingest-$n" "rm -f $WORK/duckdb-$n.duckdb*" "python3 bench/baseline_duckdb.py $file $WORK/duckdb-$n.duckdb"
  printf '  ingest %d: evpack / DuckDB = %s of the time (target <= 0.6), peak RSS %.1f MiB (target <= 128)\n' "$n" \
    "$(ratio "$(get "evpack-ingest-vs-duckdb-$n" 2)" "$(get "duckdb-ingest-$n" 2)")" "$(awk "BEGIN{print $(get "evpack-ingest-vs-duckdb-$n" 3)/1024}")"
}
if [ "${1:-}" = duckdb ]; then rm -f "$WORK/results.txt"; bench_duckdb "${2:-1000000}"; exit 0; fi

rm -f "$WORK/results.txt"
echo "== records: evpack ingest against Python (json.loads per line + sqlite3 executemany)"
for n in 100000 1000000; do
  [ -f "$WORK/r$n.jsonl" ] || $BIN/evpack-gen --records $n --seed 7 --out "$WORK/r$n.jsonl"
  BEFORE="rm -f $WORK/ledger-$n.sqlite*" measure "evpack-ingest-$n" 3 $BIN/evpack ingest "$WORK/r$n.jsonl" --ledger "$WORK/ledger-$n.sqlite"
  BEFORE="rm -f $WORK/python-$n.sqlite*" measure "python-ingest-$n" 3 python3 bench/baseline_ingest.py "$WORK/r$n.jsonl" "$WORK/python-$n.sqlite"
  e=$(get "evpack-ingest-$n" 2); p=$(get "python-ingest-$n" 2)
  printf '  %d records: evpack %.0f records/s, Python %.0f records/s: evpack %sx faster\n' $n "$(awk "BEGIN{print $n/$e}")" "$(awk "BEGIN{print $n/$p}")" "$(ratio "$p" "$e")"
done
r100=$(get evpack-ingest-100000 3); r1m=$(get evpack-ingest-1000000 3)
printf '  peak RSS: %.1f MiB at 100k, %.1f MiB at 1M (%sx)\n' "$(awk "BEGIN{print $r100/1024}")" "$(awk "BEGIN{print $r1m/1024}")" "$(ratio "$r1m" "$r100")"

bench_duckdb 1000000

echo "== the 1M-record pack: build, pack, verify"
OUT=$WORK/packs
NAME=evidence-grant-ready-bfg-d6f24eb0
BEFORE="rm -rf $OUT" measure build-1m 1 $BIN/evpack build snapshots/ready.json --records "$WORK/r1000000.jsonl" --out "$OUT"
ARCHIVE=$OUT/$NAME.tar.gz
ls -l "$ARCHIVE" | awk '{printf "  archive %.1f MiB, ", $5/1048576}'; du -sm "$OUT/$NAME" | awk '{print "folder " $1 " MiB"}'
EXTRACT=$WORK/extracted
BEFORE="rm -rf $EXTRACT; mkdir -p $EXTRACT" measure tar-xzf-sha256sum 3 sh -c "tar -xzf $ARCHIVE -C $EXTRACT && cd $EXTRACT/$NAME && sha256sum --quiet -c manifest-sha256.txt"
BEFORE="" measure verify-no-replay-archive 3 $BIN/evpack verify "$ARCHIVE" --no-replay
measure bagit-validate-folder 3 python3 -m bagit --validate "$OUT/$NAME"
measure verify-no-replay-folder 3 $BIN/evpack verify "$OUT/$NAME" --no-replay
measure verify-full-archive 1 $BIN/evpack verify "$ARCHIVE"
printf '  verify --no-replay ARCHIVE / (tar -xzf + sha256sum -c) = %s (target <= 1)\n' "$(ratio "$(get verify-no-replay-archive 2)" "$(get tar-xzf-sha256sum 2)")"
printf '  verify --no-replay FOLDER  / bagit.py --validate         = %s (target <= 1)\n' "$(ratio "$(get verify-no-replay-folder 2)" "$(get bagit-validate-folder 2)")"
printf '  verify ARCHIVE (replay)    / build                       = %s (target <= 1)\n' "$(ratio "$(get verify-full-archive 2)" "$(get build-1m 2)")"
printf '  ingest 1M: evpack / Python = %s of the time (target <= 0.5)\n' "$(ratio "$(get evpack-ingest-1000000 2)" "$(get python-ingest-1000000 2)")"

if [ -x bench/serve.sh ]; then
  echo "== evpack serve against nginx"
  bench/serve.sh "$OUT"
fi

if [ -x bench/ledgers.sh ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  BIN=$BIN WORK=$WORK bench/ledgers.sh
fi
