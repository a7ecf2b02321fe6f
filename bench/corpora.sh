#!/usr/bin/env bash
# Lint the real migration histories in ../shared/fixtures/corpora (a bench, not a test: it reads
# outside the repository) and print, per corpus: files, findings per rule and severity, blocking
# files, unparsed statements (SG901), wall and CPU time, and peak RSS of the shipgate process.
#
# Usage: bench/corpora.sh [SHIPGATE_BINARY] [CORPORA_DIR]
#   SHIPGATE_BINARY defaults to target/release/shipgate (built with `cargo build --release`).
#   CORPORA_DIR defaults to ../shared/fixtures/corpora.
# Set SAMPLE=20 to also print that many error/warning findings picked at random (seeded) to judge.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/shipgate}
corpora=${2:-../shared/fixtures/corpora}
if [ ! -x "$bin" ]; then
  cargo build --release --locked --bin shipgate
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# name:dialect — openstreetmap-website runs PostgreSQL, sharetribe MySQL.
for entry in openstreetmap-website:postgres sharetribe:mysql; do
  name=${entry%%:*}
  dialect=${entry##*:}
  dir="$corpora/$name/db/migrate"
  [ -d "$dir" ] || { echo "$name: $dir not found, skipped"; continue; }
  # The text run gives the summary line; the JSON run the findings, timed.
  "$bin" lint --dialect "$dialect" "$dir" > "$tmp/$name.txt" 2>&1 || true
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/$name.time" \
    "$bin" lint --dialect "$dialect" --format json "$dir" > "$tmp/$name.json" 2> "$tmp/$name.err" || true
  python3 - "$name" "$dir" "$tmp/$name.json" "$tmp/$name.time" "$tmp/$name.txt" "${SAMPLE:-0}" <<'PY'
import collections, json, os, random, sys
name, d, jpath, tpath, txt, sample = sys.argv[1:7]
files = sum(len(fs) for _, _, fs in os.walk(d))
try:
    findings = json.load(open(jpath))
except Exception as e:  # the binary failed: show why
    print(f"{name}: no JSON output ({e})"); sys.exit(0)
wall, user, sys_, rss = open(tpath).read().split()[-4:]
per = collections.Counter()
occ = collections.Counter()  # folded findings carry a repeat count
for f in findings:
    acc = " accepted" if f.get("accepted") else ""
    per[(f["rule"], f["severity"] + acc)] += 1
    occ[(f["rule"], f["severity"] + acc)] += f.get("count", 1)
blocking = {f["path"] for f in findings if f["severity"] == "error" and not f.get("accepted")}
unparsed = sum(1 for f in findings if f["rule"] == "SG901")
summary = [l for l in open(txt).read().splitlines() if "linted" in l]
print(f"== {name} ({d})")
print(f"files in tree: {files}; blocking files: {len(blocking)} ({100*len(blocking)/max(files,1):.0f}%); "
      f"unparsed statements (SG901): {unparsed}; findings: {len(findings)}")
print(f"time: {wall}s wall, {float(user)+float(sys_):.2f}s CPU; peak RSS {int(rss)/1024:.1f} MiB")
if summary: print("summary line:", summary[-1])
for (rule, sev), n in sorted(per.items()):
    extra = f" ({occ[(rule, sev)]} occurrences)" if occ[(rule, sev)] != n else ""
    print(f"  {rule} {sev:<18} {n}{extra}")
n = int(sample)
if n:
    pool = [f for f in findings if f["severity"] in ("error", "warning") and not f.get("accepted")]
    random.Random(10).shuffle(pool)
    print(f"-- sample of {min(n, len(pool))} unaccepted error/warning findings")
    for f in pool[:n]:
        print(f"  {f['path']}:{f['line']} {f['rule']} {f['severity']}: {f['message']}")
PY
done

# Memory bound: one 10 MB single-statement SQL file (a seed INSERT, and an UPDATE whose WHERE is
# at the very end), and a 5 MB seed file of 50,000 INSERTs after DDL (folded into one finding).
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
rows = ",".join(f"({i}, 'name {i}', 'x')" for i in range(400000))
open(f"{d}/V1__big_insert.sql", "w").write(f"INSERT INTO items (id, name, note) VALUES {rows};\n")
cases = " ".join(f"WHEN {i} THEN 'n{i}'" for i in range(420000))
open(f"{d}/V2__big_update.sql", "w").write(f"UPDATE items SET name = CASE id {cases} END WHERE id > 0;\n")
seed = "ALTER TABLE items ADD COLUMN note2 text;\n" + "".join(
    f"INSERT INTO items (id, name) VALUES ({i}, 'seed row {i} with some padding text');\n" for i in range(100000))
open(f"{d}/V3__seed.sql", "w").write(seed)
PY
echo "== large files"
for f in V1__big_insert.sql V2__big_update.sql V3__seed.sql; do
  size=$(stat -c %s "$tmp/$f")
  /usr/bin/time -f '%e %M' -o "$tmp/big.time" \
    "$bin" lint --dialect postgres --format json "$tmp/$f" > "$tmp/big.json" 2>/dev/null || true
  read -r wall rss < "$tmp/big.time"
  python3 - "$tmp/big.json" "$f" "$size" "$wall" "$rss" <<'PY'
import json, sys
path, name, size, wall, rss = sys.argv[1:6]
try:
    fs = json.load(open(path))
except Exception:
    fs = []
desc = ", ".join(f"{f['rule']}" + (f" x{f['count']}" if f.get('count', 1) > 1 else "") for f in fs)
print(f"{name}: {int(size)/1e6:.1f} MB, {wall}s, peak RSS {int(rss)/1024:.1f} MiB, {len(fs)} findings [{desc[:120]}]")
PY
done
