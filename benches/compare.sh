#!/usr/bin/env bash
# weft against Hugo, side by side on the same synthetic corpus (issue 5). Prints one table.
#
#   benches/compare.sh                       # 1 000, 10 000 and 30 000 pages, 5 counted runs
#   SIZES="10000" RUNS=7 benches/compare.sh
#
# For every size it generates the corpus (../shared/bench/gen_corpus.py, weft and hugo flavours,
# deterministic, cached under $WORK) and times, with ../shared/bench/time_cmd.py (1 warm-up, then
# RUNS counted runs, the two commands in alternation A B A B ... so drift hits both alike):
#   fresh    weft build vs hugo, each into a new, empty output folder every run
#   rebuild  weft build vs hugo, each into its own previous output (the warm-up fills it)
#   1thread  weft build with RAYON_NUM_THREADS=1 vs the floor (examples/floor.rs: one thread
#            reading, rendering with pulldown-cmark and writing every page), fresh folders
# Figures are medians: wall time, CPU time (user+sys) and peak RSS of the process tree; ratios
# are weft/other, taken run by run. Raw JSON lines go to $WORK/results.jsonl.
#
# Fresh output folders go to FRESH (default: tmpfs, /dev/shm/weft-compare-fresh). On this kind of
# machine / is ext4 without a journal, whose inode allocator skips inodes freed in the last minutes
# one by one: creating 20 000 files and folders right after the previous run's folder was deleted
# then costs seconds of kernel time (for Hugo as for weft) that measure the file system, not the
# generator. FRESH=$WORK/fresh measures on disk anyway. Rebuilds always write into $WORK/out.
#
# Environment: WORK=/tmp/weft-compare SIZES="1000 10000 30000" RUNS=5 WARMUP=1 HUGO=hugo FRESH=
#              BENCH=/work/shared/bench (gen_corpus.py, time_cmd.py)
#              WEFT=, FLOOR= binaries to use instead of building target/release/{weft,examples/floor}
# Needs: cargo, python3, hugo (Debian: apt-get install -y hugo).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${BENCH:-$(cd "$REPO/../shared/bench" 2>/dev/null && pwd || echo /work/shared/bench)}"
WORK="${WORK:-/tmp/weft-compare}"
SIZES="${SIZES:-1000 10000 30000}"
RUNS="${RUNS:-5}"
WARMUP="${WARMUP:-1}"
HUGO="${HUGO:-hugo}"

command -v "$HUGO" >/dev/null || { echo "compare.sh: $HUGO not found (apt-get install -y hugo)" >&2; exit 2; }
if [ -z "${WEFT:-}" ]; then
  (cd "$REPO" && cargo build --release --quiet --bin weft --example floor)
fi
WEFT="${WEFT:-$REPO/target/release/weft}"
FLOOR="${FLOOR:-$REPO/target/release/examples/floor}"

if [ -z "${FRESH:-}" ]; then
  if [ -d /dev/shm ]; then FRESH=/dev/shm/weft-compare-fresh; else FRESH="$WORK/fresh"; fi
fi
mkdir -p "$WORK/corpus" "$WORK/out" "$FRESH"
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"

{
  echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "# $("$WEFT" --version), $("$HUGO" version | cut -d' ' -f1-2), $(rustc --version)"
  echo "# fresh folders under $FRESH, rebuilds under $WORK/out; $RUNS counted runs after $WARMUP warm-up"
} | tee "$WORK/env.txt"

corpus() {  # flavour size -> path (generated once; the generator is deterministic)
  local dir="$WORK/corpus/$1-$2"
  if [ ! -f "$dir/corpus-manifest.json" ]; then
    rm -rf "$dir"
    python3 "$BENCH/gen_corpus.py" --pages "$2" --flavor "$1" --quiet "$dir"
  fi
  echo "$dir"
}

pair() {  # label size [time_cmd options...] -- A command; B comes in --vs
  local label="$1" size="$2"; shift 2
  python3 "$BENCH/time_cmd.py" --runs "$RUNS" --warmup "$WARMUP" --json --label "$label" "$@" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); r["size"]=int(sys.argv[1]); print(json.dumps(r))' "$size" |
    tee -a "$RESULTS" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["A"]["label"], "done", "rc", r["A"]["nonzero_exits"] or 0, r["B"]["nonzero_exits"] or 0)' >&2
}

for n in $SIZES; do
  wc="$(corpus weft "$n")"
  hc="$(corpus hugo "$n")"
  pair "fresh" "$n" --fresh "$FRESH" \
    --vs "$HUGO --quiet --source $hc --destination {fresh}" -- \
    "$WEFT" build --root "$wc" --output "{fresh}"
  rm -rf "$WORK/out/weft-$n" "$WORK/out/hugo-$n"
  pair "rebuild" "$n" \
    --vs "$HUGO --quiet --source $hc --destination $WORK/out/hugo-$n" -- \
    "$WEFT" build --root "$wc" --output "$WORK/out/weft-$n"
  RAYON_NUM_THREADS=1 pair "1thread" "$n" --fresh "$FRESH" \
    --vs "$FLOOR $wc {fresh}" -- \
    "$WEFT" build --root "$wc" --output "{fresh}"
done

python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def fig(s, k):
    return s[k]["median"]
print()
print("| pages | run | weft wall | weft CPU | weft RSS | other | other wall | other CPU | other RSS | wall ratio | CPU ratio | RSS ratio |")
print("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    a, b, ab = r["A"], r["B"], r["A/B"]
    other = "floor" if a["label"] == "1thread" else "Hugo"
    rss = fig(a, "maxrss_mib") / fig(b, "maxrss_mib")
    print(f"| {r['size']:,} | {a['label']} | {fig(a,'wall'):.2f} s | {fig(a,'cpu'):.2f} s | "
          f"{fig(a,'maxrss_mib'):.0f} MiB | {other} | {fig(b,'wall'):.2f} s | {fig(b,'cpu'):.2f} s | "
          f"{fig(b,'maxrss_mib'):.0f} MiB | {ab['wall']['median']:.2f} | {ab['cpu']['median']:.2f} | {rss:.2f} |")
walls = {(r["size"], r["A"]["label"]): fig(r["A"], "wall") for r in rows}
cpus = {(r["size"], r["A"]["label"]): fig(r["A"], "cpu") for r in rows}
for label in ("fresh", "rebuild", "1thread"):
    if (10000, label) in walls and (30000, label) in walls:
        print(f"\nweft {label}: wall(30 000) / wall(10 000) = {walls[(30000, label)] / walls[(10000, label)]:.2f}, "
              f"CPU {cpus[(30000, label)] / cpus[(10000, label)]:.2f}")
one = {(r["size"]): r for r in rows if r["A"]["label"] == "1thread"}
for n, r in sorted(one.items()):
    print(f"weft one thread / floor at {n:,} pages: wall {r['A/B']['wall']['median']:.2f}")
    if (n, "fresh") in walls:
        print(f"weft parallel speed-up at {n:,} pages (one thread / all, fresh folders): "
              f"{walls[(n, '1thread')] / walls[(n, 'fresh')]:.2f}")
EOF
