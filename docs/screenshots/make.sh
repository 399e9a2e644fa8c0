#!/usr/bin/env bash
# Builds the Global Programmes site and takes the README's screenshots with headless Chromium:
# the home page, a programme (IPEC), a country (Kenya), a donor (the United States), the
# countries index at its map and the donors index at its chart, each at phone (390 px wide,
# drawn at 2x) and desktop (1280 px) width, as docs/screenshots/<page>-<width>.png.
#
# Usage: docs/screenshots/make.sh     (needs cargo, python3, node >= 20 and chromium; no network)
# The site is served from a temporary folder at /global-programmes/, its base path in site.toml;
# shoot.mjs drives Chromium over the DevTools protocol (viewport, scrolling, capture).
set -euo pipefail
cd "$(dirname "$0")/../.."
shots="$PWD/docs/screenshots"
chromium="${WEFT_CHROMIUM:-chromium}"
command -v "$chromium" >/dev/null || { echo "make.sh: $chromium not found (apt-get install -y chromium)" >&2; exit 2; }
export WEFT_CHROMIUM="$chromium"

tmp="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cargo build --release --quiet
./target/release/weft build --output "$tmp/site/global-programmes"

# A static server on a free port; it writes the port to $tmp/port once it listens.
python3 - "$tmp/site" "$tmp/port" 2>/dev/null <<'EOF' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".part", "w") as f:
    f.write(str(httpd.server_address[1]))
__import__("os").rename(sys.argv[2] + ".part", sys.argv[2])
httpd.serve_forever()
EOF
server=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "make.sh: the static server did not start" >&2; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")/global-programmes/"

node --experimental-websocket "$shots/shoot.mjs" "$base" "$shots"
