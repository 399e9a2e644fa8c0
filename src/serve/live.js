// weft serve's live reload (injected into HTML by `weft serve` only, never by `weft build`).
// One tab holds the event stream (a Web Lock elects it) and shares its events with the other
// tabs over a BroadcastChannel, so many open tabs use one connection; without those APIs each
// visible tab has its own stream and hidden tabs close theirs.
(() => {
  "use strict";
  const me = document.currentScript;
  const servedBy = me && me.dataset.server;
  // The generation of the snapshot this page came from: a hello announcing a newer one means a
  // reload was announced before this script listened (the page may be stale).
  const servedAt = Number((me && me.dataset.generation) || 0);
  const here = () => decodeURI(location.pathname).replace(/index\.html$/, "");
  const parentOf = (p) => p.replace(/[^/]+\/?$/, "") || "/";
  const OVERLAY = "weft-error-overlay";

  function clearOverlay() {
    const o = document.getElementById(OVERLAY);
    if (o) o.remove();
  }

  function showOverlay(errors) {
    clearOverlay();
    const box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.94);" +
      "color:#fff;font:14px/1.45 ui-monospace,monospace;padding:2rem;";
    const h = document.createElement("h2");
    h.textContent = "weft: the build failed (" + errors.length + " error" +
      (errors.length === 1 ? "" : "s") + "); the last good version is still served";
    h.style.cssText = "font:bold 18px system-ui,sans-serif;color:#ff8a80;margin:0 0 1rem";
    box.appendChild(h);
    const list = document.createElement("ol");
    for (const e of errors) {
      const li = document.createElement("li");
      const where = document.createElement("strong");
      where.className = "weft-error-location";
      where.textContent = e.file ? e.file + (e.line ? ":" + e.line + (e.column ? ":" + e.column : "") : "") : "";
      const msg = document.createElement("span");
      msg.className = "weft-error-message";
      msg.textContent = (where.textContent ? " " : "") + e.message;
      const pre = document.createElement("pre");
      pre.textContent = e.text;
      pre.style.cssText = "white-space:pre-wrap;color:#ddd";
      li.append(where, msg, pre);
      list.appendChild(li);
    }
    box.appendChild(list);
    (document.body || document.documentElement).appendChild(box);
  }

  function swapStylesheets() {
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      url.searchParams.set("weft-reload", Date.now().toString());
      const next = link.cloneNode();
      next.href = url.href;
      next.onload = () => link.remove();
      link.after(next);
    }
  }

  function handle(type, data) {
    if (type === "hello") {
      document.documentElement.dataset.weftLive = "connected";
      if (servedBy && data.server !== servedBy) location.reload();
      else if (data.generation > servedAt) location.reload();
      else if (!data.failing) clearOverlay();
    } else if (type === "errors") {
      showOverlay(data);
    } else if (type === "ok") {
      clearOverlay();
    } else if (type === "css") {
      swapStylesheets();
    } else if (type === "reload") {
      const p = here();
      if ((data.removed || []).includes(p)) location.href = parentOf(p);
      else if (data.all || (data.changed || []).includes(p)) location.reload();
    }
  }

  const TYPES = ["hello", "errors", "ok", "css", "reload"];
  function connect(onEvent) {
    const source = new EventSource("/__weft/events");
    for (const t of TYPES) {
      source.addEventListener(t, (e) => onEvent(t, JSON.parse(e.data)));
    }
    return source;
  }

  const channel = "BroadcastChannel" in self ? new BroadcastChannel("weft-live-reload") : null;
  if (channel && navigator.locks) {
    let leading = false;
    const last = {};
    channel.onmessage = (e) => {
      if (e.data.type !== "sync") handle(e.data.type, e.data.data);
      else if (leading) for (const t of ["hello", "errors"]) {
        if (last[t]) channel.postMessage({ type: t, data: last[t] });
      }
    };
    // The lock is held for the tab's life; when it closes, another tab takes the stream over.
    navigator.locks.request("weft-live-reload", () => new Promise(() => {
      leading = true;
      connect((type, data) => {
        if (type === "hello" || type === "errors") last[type] = data;
        // A tab that joins later learns the newest generation from the hello it is sent.
        if (type === "reload" && last.hello && data.generation) {
          last.hello = Object.assign({}, last.hello, { generation: data.generation });
        }
        if (type === "ok") delete last.errors;
        channel.postMessage({ type, data });
        handle(type, data);
      });
    }));
    // A tab opened while another leads asks it for the current state (errors shown now).
    channel.postMessage({ type: "sync" });
  } else {
    let source = null;
    const sync = () => {
      if (document.hidden) {
        if (source) source.close();
        source = null;
      } else if (!source) {
        source = connect(handle);
      }
    };
    document.addEventListener("visibilitychange", sync);
    sync();
  }
})();
