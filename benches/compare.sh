#!/usr/bin/env bash
# weft against Hugo, side by side on the same synthetic corpus (issue 5). Prints one table.
#
#   benches/compare.sh                       # 1 000, 10 000 and 30 000 pages, 5 counted runs
#   SIZES="10000" RUNS=7 benches/compare.sh
#   LANGS=3 SIZES="1000 10000" benches/compare.sh   # three languages (issue 13), see below
#   LANGS="1 3" SIZES=10000 benches/compare.sh     # one and three languages in the same run
#   FEATURES=1 SIZES=10000 benches/compare.sh      # code blocks, shortcodes, pagination, data
#   FEATURES="0 1" SIZES=10000 benches/compare.sh  # without and with them in the same run
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
# LANGS=3: the same runs on the three-language corpus: every page of the English corpus with a
# French and a Spanish translation (benches/gen_translations.py: NAME.fr.md, NAME.es.md beside
# NAME.md, `translates` hashes current; weft declares [languages.fr|es] in site.toml, Hugo runs
# in its multilingual mode on the same files, translations by file name). SIZES counts the English
# pages: 10000 is 30 000 content files. Its rows read "10,000 x 3" in the table. LANGS=1 (the
# default) is the single-language corpus, unchanged; LANGS="1 3" runs both, size by size.
#
# FEATURES=1: the same runs on the features corpus (issue 14): benches/add_features.py gives both
# flavours, before any translation, one highlighted code block and one `note` shortcode call with
# a Markdown body on every regular page, a data file (data/budgets.toml) summed on every page by
# the base template, and Hugo section listings paginated by 100 like weft's (Hugo: codeFences
# with CSS classes, .Paginate, layouts/shortcodes/note.html; weft: its default theme, plus its
# base.html with the data paragraph). After the rebuilds, benches/check_features.py checks both
# outputs (every page with the note and highlighted code, the same page/N/ listing pages, the
# data paragraph). Rows read "10,000 +f". Combines with LANGS=3 ("10,000 x 3 +f"); FEATURES=0
# (the default) is the plain corpus, unchanged; FEATURES="0 1" runs both, size by size.
#
# Fresh output folders go to FRESH (default: tmpfs, /dev/shm/weft-compare-fresh). On this kind of
# machine / is ext4 without a journal, whose inode allocator skips inodes freed in the last minutes
# one by one: creating 20 000 files and folders right after the previous run's folder was deleted
# then costs seconds of kernel time (for Hugo as for weft) that measure the file system, not the
# generator. FRESH=$WORK/fresh measures on disk anyway. Rebuilds always write into $WORK/out.
#
# Environment: WORK=/tmp/weft-compare SIZES="1000 10000 30000" LANGS=1 FEATURES=0 RUNS=5 WARMUP=1
#              HUGO=hugo FRESH=
#              BENCH=/work/shared/bench (gen_corpus.py, time_cmd.py)
#              WEFT=, FLOOR= binaries to use instead of building target/release/{weft,examples/floor}
# Needs: cargo, python3, hugo (Debian: apt-get install -y hugo).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${BENCH:-$(cd "$REPO/../shared/bench" 2>/dev/null && pwd || echo /work/shared/bench)}"
WORK="${WORK:-/tmp/weft-compare}"
SIZES="${SIZES:-1000 10000 30000}"
LANGS="${LANGS:-1}"
FEATURES="${FEATURES:-0}"
RUNS="${RUNS:-5}"
WARMUP="${WARMUP:-1}"
HUGO="${HUGO:-hugo}"

for l in $LANGS; do
  case "$l" in 1|3) ;; *) echo "compare.sh: LANGS=$LANGS: each must be 1 or 3" >&2; exit 2 ;; esac
done
for f in $FEATURES; do
  case "$f" in 0|1) ;; *) echo "compare.sh: FEATURES=$FEATURES: each must be 0 or 1" >&2; exit 2 ;; esac
done
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
  [ "$LANGS" = 1 ] || echo "# languages per corpus: $LANGS (3: en + fr + es, benches/gen_translations.py)"
  [ "$FEATURES" = 0 ] || echo "# features: $FEATURES (1: code, shortcodes, pagination, data; benches/add_features.py)"
} | tee "$WORK/env.txt"

corpus() {  # flavour size langs features -> path (generated once; the generators are deterministic)
  local langs="$3" feat="$4" name="$1" marker=corpus-manifest.json
  if [ "$feat" = 1 ]; then name="${name}f"; marker=features-manifest.json; fi
  if [ "$langs" != 1 ]; then name="$name$langs"; marker=translations-manifest.json; fi
  local dir="$WORK/corpus/$name-$2"      # weft-10000, weftf-10000, weft3-10000, weftf3-10000
  if [ ! -f "$dir/$marker" ]; then
    rm -rf "$dir"
    python3 "$BENCH/gen_corpus.py" --pages "$2" --flavor "$1" --quiet "$dir"
    [ "$feat" = 0 ] || python3 "$REPO/benches/add_features.py" "$dir"   # before translating
    [ "$langs" = 1 ] || python3 "$REPO/benches/gen_translations.py" "$dir"
  fi
  echo "$dir"
}

pair() {  # label size langs features [time_cmd options...] -- A command; B comes in --vs
  local label="$1" size="$2" langs="$3" feat="$4"; shift 4
  python3 "$BENCH/time_cmd.py" --runs "$RUNS" --warmup "$WARMUP" --json --label "$label" "$@" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); r["size"]=int(sys.argv[1]); r["langs"]=int(sys.argv[2]); r["features"]=int(sys.argv[3]); print(json.dumps(r))' "$size" "$langs" "$feat" |
    tee -a "$RESULTS" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["A"]["label"], "done", "rc", r["A"]["nonzero_exits"] or 0, r["B"]["nonzero_exits"] or 0)' >&2
}

for n in $SIZES; do
 for l in $LANGS; do
 for ft in $FEATURES; do
  wc="$(corpus weft "$n" "$l" "$ft")"
  hc="$(corpus hugo "$n" "$l" "$ft")"
  o="$n"; [ "$l" = 1 ] || o="${n}x$l"   # rebuild folders: weft-10000, weft-10000x3, weft-10000f
  [ "$ft" = 0 ] || o="${o}f"
  pair "fresh" "$n" "$l" "$ft" --fresh "$FRESH" \
    --vs "$HUGO --quiet --source $hc --destination {fresh}" -- \
    "$WEFT" build --root "$wc" --output "{fresh}"
  rm -rf "$WORK/out/weft-$o" "$WORK/out/hugo-$o"
  pair "rebuild" "$n" "$l" "$ft" \
    --vs "$HUGO --quiet --source $hc --destination $WORK/out/hugo-$o" -- \
    "$WEFT" build --root "$wc" --output "$WORK/out/weft-$o"
  if [ "$l" != 1 ]; then  # a build that ignored the languages would time the wrong thing
    for d in "$WORK/out/weft-$o" "$WORK/out/hugo-$o"; do
      for lang in fr es; do
        [ -f "$d/$lang/index.html" ] ||
          { echo "compare.sh: no $d/$lang/index.html: not a $l-language build" >&2; exit 1; }
      done
    done
  fi
  if [ "$ft" = 1 ]; then  # both must have done the features' work, or the times compare nothing
    python3 "$REPO/benches/check_features.py" "$wc" "$hc" "$WORK/out/weft-$o" "$WORK/out/hugo-$o" >&2 ||
      { echo "compare.sh: the features are missing from an output (above)" >&2; exit 1; }
  fi
  RAYON_NUM_THREADS=1 pair "1thread" "$n" "$l" "$ft" --fresh "$FRESH" \
    --vs "$FLOOR $wc {fresh}" -- \
    "$WEFT" build --root "$wc" --output "{fresh}"
 done
 done
done

python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def fig(s, k):
    return s[k]["median"]
def pages(r):
    n = r.get("langs", 1)
    return (f"{r['size']:,}" if n == 1 else f"{r['size']:,} x {n}") + \
        (" +f" if r.get("features") else "")
print()
print("| pages | run | weft wall | weft CPU | weft RSS | other | other wall | other CPU | other RSS | wall ratio | CPU ratio | RSS ratio |")
print("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    a, b, ab = r["A"], r["B"], r["A/B"]
    other = "floor" if a["label"] == "1thread" else "Hugo"
    rss = fig(a, "maxrss_mib") / fig(b, "maxrss_mib")
    print(f"| {pages(r)} | {a['label']} | {fig(a,'wall'):.2f} s | {fig(a,'cpu'):.2f} s | "
          f"{fig(a,'maxrss_mib'):.0f} MiB | {other} | {fig(b,'wall'):.2f} s | {fig(b,'cpu'):.2f} s | "
          f"{fig(b,'maxrss_mib'):.0f} MiB | {ab['wall']['median']:.2f} | {ab['cpu']['median']:.2f} | {rss:.2f} |")
featured = [r for r in rows if r.get("features")]
plain = {(r["size"], r.get("langs", 1), r["A"]["label"]): r for r in rows if not r.get("features")}
rows = [r for r in rows if not r.get("features")]   # the plain corpus's figures, as before
multi = [r for r in rows if r.get("langs", 1) != 1]
rows = [r for r in rows if r.get("langs", 1) == 1]   # the single-language figures, as before
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
# Three languages (issue 13's targets: the 30 000-file build <= 0.2 x Hugo's wall time and
# <= 0.3 x its peak memory; what the languages cost against the single-language corpus).
one_by = {(r["size"], r["A"]["label"]): r for r in rows}
for r in multi:
    a, b, label, n = r["A"], r["B"], r["A"]["label"], r["langs"]
    if label == "1thread":
        continue
    rss = fig(a, "maxrss_mib") / fig(b, "maxrss_mib")
    print(f"\n{n} languages, {pages(r)} pages ({r['size'] * n:,} files), {label}: wall "
          f"{r['A/B']['wall']['median']:.2f} x Hugo (target <= 0.2), peak memory {rss:.2f} x Hugo "
          f"(target <= 0.3)")
    one = one_by.get((r["size"], label))
    if one:
        print(f"  against one language in this run: weft wall x{fig(a, 'wall') / fig(one['A'], 'wall'):.2f}, "
              f"RSS x{fig(a, 'maxrss_mib') / fig(one['A'], 'maxrss_mib'):.2f}; Hugo wall "
              f"x{fig(b, 'wall') / fig(one['B'], 'wall'):.2f}, "
              f"RSS x{fig(b, 'maxrss_mib') / fig(one['B'], 'maxrss_mib'):.2f}")
# The features corpus (issue 14's target: the 10 000-page build still <= 0.2 x Hugo's wall time
# with code blocks, shortcodes, pagination and data files in the corpus).
for r in featured:
    a, b, label = r["A"], r["B"], r["A"]["label"]
    if label == "1thread":
        continue
    print(f"\nfeatures, {pages(r)} pages, {label}: wall {r['A/B']['wall']['median']:.2f} x Hugo "
          f"(target <= 0.2), CPU {r['A/B']['cpu']['median']:.2f} x")
    one = plain.get((r["size"], r.get("langs", 1), label))
    if one:
        print(f"  against the plain corpus in this run: weft wall x{fig(a, 'wall') / fig(one['A'], 'wall'):.2f}, "
              f"CPU x{fig(a, 'cpu') / fig(one['A'], 'cpu'):.2f}; Hugo wall "
              f"x{fig(b, 'wall') / fig(one['B'], 'wall'):.2f}, CPU x{fig(b, 'cpu') / fig(one['B'], 'cpu'):.2f}")
EOF
