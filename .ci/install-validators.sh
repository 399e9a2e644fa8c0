#!/usr/bin/env bash
# Installs the HTML validators the accessibility tests (tests/it/a11y.rs) run on the built site:
# the Nu Html Checker (npm vnu-jar, run with Java) and axe-core (npm, injected into Chromium).
# Idempotent: does nothing when the pinned versions are already there.
# Folder: $WEFT_VALIDATORS, else target/validators in the repository.
# With --check it installs nothing: it exits 0 when the pinned versions are there, else prints
# them (`vnu-jar@… axe-core@…`, what an install would fetch) and exits 1 (used by `cargo xtask test`).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${WEFT_VALIDATORS:-$PWD/target/validators}"
vnu_version=26.9.27
axe_version=4.14.1

installed() { # package version
  node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
    "$dir/node_modules/$1/package.json" "$2" 2>/dev/null
}
if installed vnu-jar "$vnu_version" && installed axe-core "$axe_version"; then
  exit 0
fi
if [ "${1:-}" = --check ]; then
  echo "vnu-jar@$vnu_version axe-core@$axe_version"
  exit 1
fi
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error \
  "vnu-jar@$vnu_version" "axe-core@$axe_version" >&2
test -f "$dir/node_modules/vnu-jar/build/dist/vnu.jar"
test -f "$dir/node_modules/axe-core/axe.min.js"
