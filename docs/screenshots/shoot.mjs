// shoot.mjs — the README's screenshots, taken with headless Chromium over the DevTools protocol.
// Called by make.sh (which builds and serves the site): node --experimental-websocket shoot.mjs BASE_URL OUT_DIR
// Each shot: a viewport at phone (390 px, drawn at 2x, mobile) or desktop (1280 px) width, the page
// loaded, optionally scrolled so that one element is at the top, then saved as OUT_DIR/NAME-WIDTH.png.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, out] = process.argv.slice(2);
if (!base || !out) throw new Error("usage: shoot.mjs BASE_URL OUT_DIR");

const shots = [
  { name: "home", path: "" },
  { name: "programme-ipec", path: "programmes/ipec/" },
  { name: "country-kenya", path: "countries/kenya/" },
  { name: "donor-us", path: "donors/united-states/" },
  { name: "countries-map", path: "countries/", top: ".map-section" },
  { name: "donors-chart", path: "donors/", top: ".chart-section" },
];
const sizes = [
  { width: 390, height: 844, scale: 2, mobile: true },
  { width: 1280, height: 900, scale: 1, mobile: false },
];

const profile = mkdtempSync(join(tmpdir(), "weft-shots-"));
const browser = spawn(
  process.env.WEFT_CHROMIUM || "chromium",
  [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--hide-scrollbars",
    "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank",
  ],
  { stdio: ["ignore", "ignore", "pipe"] },
);
const deadline = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref());

try {
  // Chromium prints "DevTools listening on ws://..." on stderr.
  const wsUrl = await Promise.race([
    new Promise((resolve) => {
      let seen = "";
      browser.stderr.on("data", (chunk) => {
        seen += chunk;
        const m = seen.match(/DevTools listening on (ws:\S+)/);
        if (m) resolve(m[1]);
      });
    }),
    deadline(30000, "Chromium's DevTools port"),
  ]);
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });

  let nextId = 0;
  const pending = new Map();
  const waiters = [];
  ws.onmessage = ({ data }) => {
    const msg = JSON.parse(data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject, method } = pending.get(msg.id);
      pending.delete(msg.id);
      msg.error ? reject(new Error(`${method}: ${JSON.stringify(msg.error)}`)) : resolve(msg.result);
    } else if (msg.method) {
      for (const w of waiters.filter((w) => w.method === msg.method)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg.params);
      }
    }
  };
  let session;
  const send = (method, params = {}, sessionId = session) => {
    const id = ++nextId;
    ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return Promise.race([
      new Promise((resolve, reject) => pending.set(id, { resolve, reject, method })),
      deadline(60000, method),
    ]);
  };
  const event = (method) =>
    Promise.race([new Promise((resolve) => waiters.push({ method, resolve })), deadline(60000, method)]);

  const { targetId } = await send("Target.createTarget", { url: "about:blank" }, null);
  ({ sessionId: session } = await send("Target.attachToTarget", { targetId, flatten: true }, null));
  await send("Page.enable");
  // No smooth scrolling, no animation: the picture is the page at rest.
  await send("Emulation.setEmulatedMedia", {
    features: [{ name: "prefers-reduced-motion", value: "reduce" }, { name: "prefers-color-scheme", value: "light" }],
  });

  for (const size of sizes) {
    await send("Emulation.setDeviceMetricsOverride", {
      width: size.width, height: size.height, deviceScaleFactor: size.scale, mobile: size.mobile,
    });
    for (const shot of shots) {
      const loaded = event("Page.loadEventFired");
      await send("Page.navigate", { url: base + shot.path });
      await loaded;
      const top = shot.top ? JSON.stringify(shot.top) : "null";
      await send("Runtime.evaluate", {
        expression: `(async () => {
          const el = ${top} && document.querySelector(${top});
          if (el) window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8);
          await document.fonts.ready;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        })()`,
        awaitPromise: true,
      });
      const { data } = await send("Page.captureScreenshot", { format: "png" });
      const file = join(out, `${shot.name}-${size.width}.png`);
      const bytes = Buffer.from(data, "base64");
      writeFileSync(file, bytes);
      console.log(`${file} (${Math.round(bytes.length / 1024)} KB)`);
    }
  }
  await send("Browser.close", {}, null).catch(() => {});
  ws.close();
} finally {
  if (browser.exitCode === null) {
    const exited = new Promise((resolve) => browser.once("exit", resolve));
    browser.kill();
    await exited;
  }
  rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
}
