#!/usr/bin/env bash
# Edit-to-served latency of `weft serve`, side by side with `hugo server`, on the synthetic corpus
# of ../shared/bench (gen_corpus.py; measure_edit.py does the HTTP polling). For each size it
# measures, for weft and then Hugo in the same run, the median of $RUNS edits of:
#   plain      a programme page's body (gen_corpus --edit's default page)
#   backlinks  the body of the country page with the most backlinks (Costa Rica)
#   title      the title of that programme page, until its section's listing shows it
#   browser    the plain edit, until a headless Chromium tab showing the page has it
# and, with LANGS=3 (issue 13: the corpus with a French and a Spanish translation of every page,
# benches/gen_translations.py; Hugo in its multilingual mode on the same files):
#   translated the body of the plain page's French translation (NAME.fr.md), until its /fr/ URL
#              serves it
#   stale      weft only: the plain page's English body, until its French translation's page
#              changes (it gains the "the original has changed" notice); every other edit puts
#              the English text back, which makes the translation current again (the notice
#              goes): both directions are measured, alternately. Hugo has no such notice.
# and the servers' peak memory (VmHWM). Prints one JSON line per measurement and a table.
#
#   benches/serve_latency.sh                  # 10 000 pages
#   SIZES="10000 30000" RUNS=20 benches/serve_latency.sh
#   LANGS=3 SIZES=10000 RUNS=20 benches/serve_latency.sh    # modes translated stale plain title
#
# Environment: WORK (/tmp/weft-serve-bench), SIZES ("10000"), RUNS (20), MODES ("plain backlinks
# title browser"; with LANGS=3: "translated stale plain title"), LANGS (1 or 3), WEFT (target/release/weft,
# built if missing), HUGO (hugo), CHROMIUM (/usr/bin/chromium), BENCH (../shared/bench),
# WEFT_PORT (41400), HUGO_PORT (41401), SKIP_HUGO=1, SKIP_BROWSER=1, APPEND=1 (keep earlier results).
# Servers bind 127.0.0.1 only and are stopped by PID. Needs python3 (stdlib), hugo, chromium.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${BENCH:-$HERE/../shared/bench}"
WORK="${WORK:-/tmp/weft-serve-bench}"
SIZES="${SIZES:-10000}"
LANGS="${LANGS:-1}"
case "$LANGS" in 1|3) ;; *) echo "serve_latency.sh: LANGS must be 1 or 3" >&2; exit 2 ;; esac
RUNS="${RUNS:-20}"
WEFT="${WEFT:-$HERE/target/release/weft}"
HUGO="${HUGO:-hugo}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
WEFT_PORT="${WEFT_PORT:-41400}"
HUGO_PORT="${HUGO_PORT:-41401}"
BACKLINKS_PAGE="country/costa-rica.md"

if [ ! -x "$WEFT" ]; then
  (cd "$HERE" && cargo build --release --quiet)
fi
mkdir -p "$WORK/corpus" "$WORK/logs"
RESULTS="$WORK/results.jsonl"
[ -n "${APPEND:-}" ] || : > "$RESULTS"
echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB" | tee "$WORK/logs/env.txt"
"$WEFT" --version | tee -a "$WORK/logs/env.txt"
[ -n "${SKIP_HUGO:-}" ] || "$HUGO" version | tee -a "$WORK/logs/env.txt"

corpus() {  # flavor size -> path (generated once, deterministic; translated with LANGS=3)
  local dir="$WORK/corpus/$1-$2" marker=corpus-manifest.json
  if [ "$LANGS" != 1 ]; then dir="$WORK/corpus/$1$LANGS-$2"; marker=translations-manifest.json; fi
  if [ ! -f "$dir/$marker" ]; then
    rm -rf "$dir"
    python3 "$BENCH/gen_corpus.py" --pages "$2" --flavor "$1" --quiet "$dir"
    [ "$LANGS" = 1 ] || python3 "$HERE/benches/gen_translations.py" "$dir"
  fi
  echo "$dir"
}

# The title and browser measurements (measure_edit.py only appends a marker to a page's body).
cat > "$WORK/serve_edits.py" <<'PY'
"""title / browser / translated / stale edit latency of a serve mode; reuses measure_edit.py's
helpers."""
import argparse, base64, json, os, re, socket, statistics, subprocess, sys, time
from pathlib import Path

sys.path.insert(0, os.environ["BENCH"])
from gen_corpus import apply_edit, edit_target  # noqa: E402
from measure_edit import cpu_seconds, get, rss_kib, stop, wait_idle  # noqa: E402


class WebSocket:
    """Just enough of RFC 6455 to talk to Chromium's DevTools (text frames)."""

    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        self.buf = b""

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        data = text.encode()
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 else
                                bytes([0x80 | 127]) + n.to_bytes(8, "big"))
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            payload = self._read(n)
            if b0 & 0x0F in (0x1, 0x0):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Browser:
    def __init__(self, binary, profile):
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
             "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        for line in self.proc.stderr:
            line = line.decode(errors="replace")
            if line.startswith("DevTools listening on "):
                url = line.split(" ", 3)[3].strip()
                break
        else:
            raise SystemExit("Chromium did not start")
        self.ws, self.next_id = WebSocket(url), 0
        target = self.call("Target.createTarget", {"url": "about:blank"})
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True})["sessionId"]

    def call(self, method, params, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SystemExit(f"{method}: {reply['error']}")
                return reply["result"]

    def eval(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                      self.session)
        return r.get("result", {}).get("value")

    def close(self):
        stop(self.proc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["title", "browser", "translated", "stale"], required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--label", default="")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    corpus = Path(a.corpus)
    rel, page_file, path = edit_target(corpus)
    listing = path.rstrip("/").rsplit("/", 1)[0] + "/"
    # The French translation of the edited page, beside it, published under /fr/ at the same path
    # (gen_translations.py sets no translated slug, in weft or in Hugo).
    fr_file = page_file.with_name(page_file.name[:-len(".md")] + ".fr.md")
    fr_path = "/fr" + path
    if a.mode == "translated":
        page_file = fr_file         # the file edited (and restored); its URL polled is fr_path
    original = page_file.read_bytes()
    log = open(Path(os.environ["WORK"]) / "logs" / f"{a.label}.log", "wb")
    proc = subprocess.Popen(cmd, cwd=corpus, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    browser, runs = None, []
    try:
        deadline = time.monotonic() + 1200
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}")
            try:
                if get("127.0.0.1", a.port, path)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.05)
        wait_idle(proc.pid, 1.0, 600)
        if a.mode in ("stale", "translated"):
            status, fr_body = get("127.0.0.1", a.port, fr_path)
            if status != 200:
                raise SystemExit(f"{fr_path}: HTTP {status}; is this a three-language corpus, "
                                 "and does this server build languages?")
        if a.mode == "browser":
            browser = Browser(a.chromium, Path(os.environ["WORK"]) / f"profile-{os.getpid()}")
            browser.call("Page.navigate", {"url": f"http://127.0.0.1:{a.port}{path}"}, browser.session)
            t_end = time.monotonic() + 60
            while browser.eval("document.readyState") != "complete" and time.monotonic() < t_end:
                time.sleep(0.01)
            time.sleep(1.0)  # let the page's live-reload connection open
        for i in range(a.runs):
            token = f"edit{i:03d}x{time.time_ns() % 10**9:09d}"
            cpu0 = cpu_seconds(proc.pid)
            t0 = time.perf_counter()
            if a.mode == "stale":
                # Even edits append a marker to the English body (the translation becomes stale),
                # odd ones put the original back (current again); either way the French page
                # changes, and that change is what is waited for.
                if i % 2 == 0:
                    page_file.write_bytes(original.rstrip(b"\n") + f"\n\nRevision marker: {token}.\n".encode())
                else:
                    page_file.write_bytes(original)
                while True:
                    try:
                        status, body = get("127.0.0.1", a.port, fr_path)
                        if status == 200 and body != fr_body:
                            fr_body = body
                            break
                    except OSError:
                        pass
                    if time.perf_counter() - t0 > 300:
                        raise SystemExit("the translation's page did not change")
                    time.sleep(0.005)
            elif a.mode == "title":
                text = original.decode()
                line = next(l for l in text.splitlines() if l.startswith("title = "))
                page_file.write_text(text.replace(line, f'title = "Retitled {token}"', 1))
                while True:
                    try:
                        status, body = get("127.0.0.1", a.port, listing)
                        if status == 200 and token.encode() in body:
                            break
                    except OSError:
                        pass
                    if time.perf_counter() - t0 > 300:
                        raise SystemExit("title not shown")
                    time.sleep(0.005)
            elif a.mode == "translated":
                page_file.write_bytes(original.rstrip(b"\n") + f"\n\nRevision marker: {token}.\n".encode())
                while True:
                    try:
                        status, body = get("127.0.0.1", a.port, fr_path)
                        if status == 200 and token.encode() in body:
                            break
                    except OSError:
                        pass
                    if time.perf_counter() - t0 > 300:
                        raise SystemExit("the translation's edit was not served")
                    time.sleep(0.005)
            else:
                apply_edit(corpus, rel, token)
                while not browser.eval(f"document.body && document.body.innerText.includes({json.dumps(token)})"):
                    if time.perf_counter() - t0 > 300:
                        raise SystemExit("edit not shown in the browser")
                    time.sleep(0.002)
            latency = time.perf_counter() - t0
            cpu1 = wait_idle(proc.pid, 0.5, 600)
            if a.mode == "stale":     # the page as served once the server is idle
                fr_body = get("127.0.0.1", a.port, fr_path)[1]
            runs.append({"latency_s": round(latency, 4), "server_cpu_s": round(cpu1 - cpu0, 3)})
            print(f"[{a.label}] edit {i}: {latency * 1000:.0f} ms", file=sys.stderr, flush=True)
            time.sleep(0.3)
        peak = round(rss_kib(proc.pid) / 1024, 1)
    finally:
        if browser:
            browser.close()
        stop(proc)
        page_file.write_bytes(original)
    lat = [r["latency_s"] for r in runs]
    print(json.dumps({"label": a.label, "cmd": cmd, "runs": len(runs),
                      "latency_ms": {"median": round(statistics.median(lat) * 1000, 1),
                                     "min": round(min(lat) * 1000, 1),
                                     "max": round(max(lat) * 1000, 1)},
                      "server_cpu_s_per_edit": round(statistics.median(r["server_cpu_s"] for r in runs), 3),
                      "peak_rss_mib": peak}))


main()
PY

# label corpus port page(or -) mode cmd...
measure() {
  local label="$1" dir="$2" port="$3" page="$4" mode="$5"; shift 5
  echo "== $label" >&2
  if [ "$mode" = body ]; then
    local args=()
    [ "$page" != - ] && args=(--page "$page")
    python3 "$BENCH/measure_edit.py" --corpus "$dir" --port "$port" --runs "$RUNS" \
      --label "$label" "${args[@]}" --log "$WORK/logs/$label.log" -- "$@" > "$WORK/logs/$label.json"
    python3 - "$WORK/logs/$label.json" <<'EOF' | tee -a "$RESULTS"
import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps({"label": r["label"], "cmd": r["cmd"], "runs": len(r["runs"]),
                  "latency_ms": r["latency_ms"],
                  "server_cpu_s_per_edit": r["server_cpu_s_per_edit"]["median"],
                  "peak_rss_mib": r["peak_rss_mib"]}))
EOF
  else
    BENCH="$BENCH" WORK="$WORK" python3 "$WORK/serve_edits.py" --mode "$mode" --corpus "$dir" --port "$port" \
      --runs "$RUNS" --label "$label" --chromium "$CHROMIUM" -- "$@" | tee -a "$RESULTS"
  fi
}

for n in $SIZES; do
  wc="$(corpus weft "$n")"
  hc=""
  [ -n "${SKIP_HUGO:-}" ] || hc="$(corpus hugo "$n")"
  if [ "$LANGS" = 1 ]; then modes="${MODES:-plain backlinks title browser}"
  else modes="${MODES:-translated stale plain title}"; fi
  [ -z "${SKIP_BROWSER:-}" ] || modes="${modes/browser/}"
  for m in $modes; do
    case "$m" in translated|stale) [ "$LANGS" = 3 ] || {
      echo "serve_latency.sh: mode $m needs LANGS=3" >&2; exit 2; } ;; esac
    case "$m" in
      plain) page=-; kind=body ;;
      backlinks) page="$BACKLINKS_PAGE"; kind=body ;;
      *) page=-; kind="$m" ;;
    esac
    size="$n"; [ "$LANGS" = 1 ] || size="${n}x$LANGS"   # labels: weft-plain-10000x3
    measure "weft-$m-$size" "$wc" "$WEFT_PORT" "$page" "$kind" \
      "$WEFT" serve --bind 127.0.0.1 --port "$WEFT_PORT"
    if [ -n "$hc" ] && [ "$m" != stale ]; then
      measure "hugo-$m-$size" "$hc" "$HUGO_PORT" "$page" "$kind" \
        "$HUGO" server --bind 127.0.0.1 --port "$HUGO_PORT"
    fi
  done
done

python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("\n| measurement | median | min–max | server CPU / edit | peak RSS |")
print("|---|---|---|---|---|")
for r in rows:
    l = r["latency_ms"]
    print(f"| {r['label']} | {l['median']:.0f} ms | {l['min']:.0f}–{l['max']:.0f} ms "
          f"| {r['server_cpu_s_per_edit']:.2f} s | {r['peak_rss_mib']:.0f} MiB |")
EOF
echo "results: $RESULTS"
