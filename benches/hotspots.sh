#!/usr/bin/env bash
# The two shapes issue 5 names as quadratic traps, built at growing sizes: one section holding
# N pages (its listing shows all of them) and one country referenced by half of them (its page
# lists N/2 backlinks, and so does the countries index). If either grew quadratically, doubling
# N would roughly quadruple the build; linear growth doubles it. Prints, per N, the median wall
# time of weft build (default theme, fresh output folder on tmpfs) and the ratio to the previous
# size.
#
#   benches/hotspots.sh                   # N = 2500 5000 10000 20000, 5 runs each
#   SIZES="5000 10000" RUNS=3 benches/hotspots.sh
#
# Environment: WORK (/tmp/weft-hotspots), SIZES, RUNS (5), WEFT (target/release/weft, built if
# missing), FRESH (/dev/shm/weft-hotspots-out). Needs python3.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/weft-hotspots}"
SIZES="${SIZES:-2500 5000 10000 20000}"
RUNS="${RUNS:-5}"
FRESH="${FRESH:-/dev/shm/weft-hotspots-out}"
WEFT="${WEFT:-$REPO/target/release/weft}"
[ -x "$WEFT" ] || (cd "$REPO" && cargo build --release --quiet --bin weft)

# A site of N pages in one section, the first half naming Kenya in their front matter.
generate() {
    python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
def write(path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
write("site.toml", 'title = "Hotspots"\nbase_url = "https://example.org/"\n\n[collections.countries]\n')
write("content/_index.md", '+++\ntitle = "Home"\n+++\n')
write("content/countries/_index.md", '+++\ntitle = "Countries"\n+++\n')
write("content/countries/kenya.md", '+++\ntitle = "Kenya"\n+++\nA country.\n')
write("content/news/_index.md", '+++\ntitle = "News"\n+++\nEvery item.\n')
for i in range(n):
    refs = 'countries = [{ ref = "Kenya", relation = "MOU since %d" }]\n' % (1990 + i % 30) if i < n // 2 else ""
    write("content/news/item-%06d.md" % i,
          '+++\ntitle = "Item %d"\ndate = 2000-01-%02d\n%s+++\n\nParagraph %d about the work.\n\n## Details\n\nMore text, item %d.\n'
          % (i, 1 + i % 28, refs, i, i))
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '| pages in the section | pages naming Kenya | median wall | x previous size |\n|---:|---:|---:|---:|\n'
previous=""
for n in $SIZES; do
    site="$WORK/site-$n"
    [ -d "$site" ] || generate "$site" "$n"
    times=()
    for _ in $(seq 0 "$RUNS"); do   # one warm-up, then RUNS counted
        rm -rf "$FRESH"
        start=$EPOCHREALTIME
        "$WEFT" build --root "$site" --output "$FRESH" >/dev/null 2>"$WORK/build.log" \
            || { cat "$WORK/build.log"; exit 1; }
        end=$EPOCHREALTIME
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')")
    done
    wall=$(printf '%s\n' "${times[@]:1}" | median)
    ratio="—"
    [ -n "$previous" ] && ratio=$(awk -v a="$wall" -v b="$previous" 'BEGIN {printf "%.2f", a / b}')
    printf '| %d | %d | %.3f s | %s |\n' "$n" "$((n / 2))" "$wall" "$ratio"
    previous="$wall"
done
rm -rf "$FRESH"
