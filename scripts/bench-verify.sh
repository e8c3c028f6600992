#!/usr/bin/env bash
# Times `evpack verify --no-replay` on a synthetic pack against the standard tools:
#   archive: tar -xzf + sha256sum -c        vs  evpack verify --no-replay ARCHIVE.tar.gz
#   folder:  bagit.py --validate            vs  evpack verify --no-replay FOLDER
# The pack is a BagIt bag made by bagit.py (so the comparison is also a check that evpack
# verifies bags it did not write), archived by GNU tar with gzip and with zstd.
#
# usage: scripts/bench-verify.sh [PAYLOAD_MB]    (default 400; EVPACK=path/to/evpack, WORK=folder)
set -euo pipefail

size_mb=${1:-400}
evpack=${EVPACK:-.build/release/evpack}
work=${WORK:-$(mktemp -d /tmp/evpack-bench.XXXXXX)}
name=evidence-bench-session-bfg-00000000
[ -x "$evpack" ] || { echo "bench: $evpack not built (swift build -c release)" >&2; exit 2; }
python3 -c 'import bagit' 2>/dev/null || { echo "bench: Python bagit is missing (scripts/setup.sh --test)" >&2; exit 2; }

if [ ! -d "$work/$name" ]; then
  echo "bench: writing a synthetic ${size_mb} MB payload in $work"
  mkdir -p "$work/$name"
  python3 - "$work/$name" "$size_mb" <<'EOF'
import os, random, sys
root, size = sys.argv[1], int(sys.argv[2]) << 20
random.seed(5)
os.makedirs(f"{root}/inputs", exist_ok=True)
os.makedirs(f"{root}/packets", exist_ok=True)
kinds = ["audit", "run", "usage", "deploy"]
written = 0
with open(f"{root}/inputs/records.jsonl", "w") as out:
    i = 0
    while written < size * 0.85:
        line = ('{"kind":"%s","id":"rec-%09d","recorded_at":"2026-11-%02dT%02d:%02d:%02dZ","action":"run.%s",'
                '"workspace_id":"ws-%04d","actor_id":"user_%05d","status":"%s","metadata":{"trace":"%016x","n":%d}}\n'
                % (kinds[i % 4], i, 1 + i % 20, i % 24, i % 60, (i * 7) % 60, ["started", "completed", "failed"][i % 3],
                   random.randrange(500), random.randrange(20000), ["success", "failure", "denied"][i % 3],
                   random.getrandbits(64), random.randrange(10**6)))
        out.write(line)
        written += len(line)
        i += 1
# Medium files, so folders of many files are measured too.
for n in range(24):
    with open(f"{root}/packets/family-{n:02d}.html", "w") as out:
        chunk = "".join(f"<tr><td>check-{n}-{k}</td><td>{random.getrandbits(48):012x}</td></tr>\n" for k in range(2000))
        while out.tell() < size * 0.15 / 24:
            out.write(chunk)
with open(f"{root}/evidence.xml", "w") as out:
    out.write('<?xml version="1.0"?>\n<evidence decision="NO-GO"/>\n')
EOF
  # bagit.py writes BagIt-Version 0.97; packs are 1.0: declare it and redo the tag manifest.
  python3 - "$work/$name" <<'EOF'
import bagit, hashlib, logging, os, sys
logging.disable(logging.INFO)
root = sys.argv[1]
bagit.make_bag(root, checksums=["sha256"])
with open(os.path.join(root, "bagit.txt"), "w") as out:
    out.write("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
with open(os.path.join(root, "tagmanifest-sha256.txt"), "w") as out:
    for name in ["bag-info.txt", "bagit.txt", "manifest-sha256.txt"]:
        out.write("%s  %s\n" % (hashlib.sha256(open(os.path.join(root, name), "rb").read()).hexdigest(), name))
EOF
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -czf "$work/$name.tar.gz" "$name"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf - "$name" | zstd -q -o "$work/$name.tar.zst"
fi
du -sh "$work/$name" "$work/$name.tar.gz" "$work/$name.tar.zst"

extract_and_check="rm -rf $work/x && mkdir $work/x && tar -xzf $work/$name.tar.gz -C $work/x && cd $work/x/$name && sha256sum --quiet -c manifest-sha256.txt"
"$evpack" verify --no-replay "$work/$name.tar.gz" >/dev/null || { echo "bench: evpack rejects the archive" >&2; "$evpack" verify --no-replay "$work/$name.tar.gz"; exit 1; }
"$evpack" verify --no-replay "$work/$name" >/dev/null || { echo "bench: evpack rejects the folder" >&2; exit 1; }

if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 1 --runs "${RUNS:-5}" -N --export-markdown "$work/archive.md" \
    -n "tar -xzf + sha256sum -c" "bash -c '$extract_and_check'" \
    -n "evpack verify --no-replay ARCHIVE.tar.gz" "$evpack verify --no-replay $work/$name.tar.gz" \
    -n "evpack verify --no-replay ARCHIVE.tar.zst" "$evpack verify --no-replay $work/$name.tar.zst"
  hyperfine --warmup 1 --runs "${RUNS:-5}" -N --export-markdown "$work/folder.md" \
    -n "bagit.py --validate FOLDER" "python3 -m bagit --validate --quiet $work/$name" \
    -n "evpack verify --no-replay FOLDER" "$evpack verify --no-replay $work/$name"
else
  for command in "bash -c '$extract_and_check'" "$evpack verify --no-replay $work/$name.tar.gz" \
                 "python3 -m bagit --validate --quiet $work/$name" "$evpack verify --no-replay $work/$name"; do
    echo "== $command"
    /usr/bin/env bash -c "time ($command) >/dev/null"
  done
fi
rm -rf "$work/x"
echo "bench: inputs kept in $work (WORK=$work to reuse)"
