"use strict";
// The koi dashboard. Everything shown comes from the daemon's /v1 API and is written with textContent (never
// innerHTML): names and TXT values from the network are hostile until proven otherwise. Every action calls the
// same /v1 routes and ceremonies the CLI calls.

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const badge = (state) => el("span", { class: `badge ${String(state).replace(/[^a-z_]/g, "")}` }, state);

function fill(tableId, rows, columns, empty) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: columns, class: "empty" }, empty)));
    return;
  }
  for (const cells of rows) body.append(el("tr", {}, cells.map((c) => el("td", {}, c))));
}

function ago(at, now) {
  if (!at) return "never";
  const secs = Math.max(0, Math.round((Date.parse(now) - Date.parse(at)) / 1000));
  if (secs < 90) return `${secs}s ago`;
  if (secs < 5400) return `${Math.round(secs / 60)}m ago`;
  if (secs < 129600) return `${Math.round(secs / 3600)}h ago`;
  return `${Math.round(secs / 86400)}d ago`;
}

const day = (at) => (at ? new Date(at).toISOString().slice(0, 10) : "");

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (method !== "GET") {
    init.headers["x-koi-dashboard"] = "1";
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = new Error(data.message || `${method} ${path}: ${response.status}`);
    error.status = response.status;
    error.code = data.error;
    throw error;
  }
  return data;
}

// A read that fails (a capability switched off answers 404) leaves its part of the board empty, not the whole board.
const optional = (path) => api("GET", path).catch((e) => (e.status === 401 ? Promise.reject(e) : null));

function showError(message) {
  $("error").textContent = message || "";
}

let refreshing = null;
let again = false;

function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = load()
    .catch((e) => {
      if (e.status === 401) loggedOut();
      else showError(e.message);
    })
    .finally(() => {
      refreshing = null;
      if (again) {
        again = false;
        refresh();
      }
    });
  return refreshing;
}

async function load() {
  const [status, certmesh, pending, health, transitions, proxies, names, services] = await Promise.all([
    api("GET", "/v1/status"),
    optional("/v1/certmesh/status"),
    optional("/v1/certmesh/pending"),
    optional("/v1/health/status"),
    optional("/v1/health/log?limit=15"),
    optional("/v1/proxy/status"),
    optional("/v1/dns/entries"),
    optional("/v1/mdns/services"),
  ]);
  $("machine").textContent = `${status.hostname} · koi ${status.version}`;
  renderCapabilities(status);
  renderCertmesh(certmesh, pending, health);
  renderHealth(health, transitions);
  renderProxies(proxies);
  fill("names", (names || []).map((n) => [n.name, n.value, n.source]), 3, names ? "no names in the zone" : "DNS is off");
  fill("services", (services || []).map((s) => [
    s.name, s.type, s.host ? `${s.host}:${s.port}` : "",
    Object.entries(s.txt || {}).map(([k, v]) => `${k}=${v}`).join(" "),
  ]), 4, services ? "nothing discovered yet" : "mDNS is off");
  showError("");
}

function renderCapabilities(status) {
  const rows = status.capabilities.map((c) => [
    c.name, badge(c.state), c.reason || "",
    el("ul", {}, (c.components || []).map((k) => el("li", {}, badge(k.state), " ", k.name.split("/").pop(), k.reason ? ` — ${k.reason}` : ""))),
  ]);
  const core = status.components || [];
  const coreState = core.some((k) => k.state === "failed") ? "failed" : core.every((k) => k.state === "running") ? "running" : "starting";
  rows.push(["daemon", badge(coreState), "", el("ul", {}, core.map((k) => el("li", {}, badge(k.state), " ", k.name.split("/").pop(), k.reason ? ` — ${k.reason}` : "")))]);
  fill("capabilities", rows, 4, "");
}

function renderCertmesh(certmesh, pending, health) {
  const create = $("ca-create");
  const unlock = $("ca-unlock");
  if (!certmesh) {
    $("ca-state").textContent = "Certmesh is off on this daemon.";
    create.hidden = unlock.hidden = true;
  } else if (!certmesh.initialized) {
    $("ca-state").textContent = "No CA on this machine yet.";
    create.hidden = false;
    unlock.hidden = true;
  } else {
    $("ca-state").replaceChildren(
      "CA ", badge(certmesh.locked ? "locked" : "unlocked"),
      ` · profile ${certmesh.profile} · enrollment ${certmesh.enrollment_state}`,
      certmesh.require_approval ? " · joins need approval" : "",
      ` · fingerprint ${String(certmesh.ca_fingerprint || "").slice(0, 16)}…`);
    create.hidden = true;
    unlock.hidden = !certmesh.locked;
  }

  const requests = pending?.requests || [];
  fill("pending", requests.map((r) => [
    r.hostname, r.address, r.totp_valid ? "valid" : "wrong", day(r.expires_at) + " " + new Date(r.expires_at).toISOString().slice(11, 16) + " UTC",
    el("span", {},
      el("button", { type: "button", "data-action": "approve", "data-host": r.hostname, on: { click: () => act("approve", r.hostname) } }, "Approve"),
      " ",
      el("button", { type: "button", "data-action": "deny", "data-host": r.hostname, on: { click: () => act("deny", r.hostname) } }, "Deny")),
  ]), 5, "no join requests waiting");

  const seen = new Map((health?.machines || []).map((m) => [m.name, m]));
  const now = health?.now || new Date().toISOString();
  fill("members", (certmesh?.members || []).map((m) => {
    const days = Math.floor((Date.parse(m.cert_expires) - Date.parse(now)) / 86400000);
    return [
      m.hostname, m.role, badge(m.status), `${day(m.cert_expires)} (${days} days)`,
      ago(seen.get(m.hostname)?.last_seen ?? m.last_seen, now),
      m.role === "primary" || m.status !== "active" ? "" :
        el("button", { type: "button", "data-action": "revoke", "data-host": m.hostname, on: { click: () => act("revoke", m.hostname) } }, "Revoke"),
    ];
  }), 6, certmesh?.initialized ? "no members" : "no mesh");
}

function renderHealth(health, transitions) {
  const rows = [];
  const now = health?.now;
  for (const m of health?.machines || []) rows.push(["machine", m.name, badge(m.state), ago(m.since, now), m.cert?.problem || m.dns?.problem || ""]);
  for (const s of health?.services || []) rows.push(["check", s.name, badge(s.state), ago(s.since, now), [s.label, s.detail].filter(Boolean).join(" · ")]);
  for (const p of health?.proxies || []) rows.push(["proxy", p.name, badge(p.state), ago(p.since, now), p.detail || ""]);
  fill("health", rows, 5, health ? "nothing watched yet" : "health is off");
  $("transitions").replaceChildren(...(transitions || []).slice(-15).reverse().map((t) =>
    el("li", {}, `${new Date(t.at).toISOString().slice(0, 19).replace("T", " ")} `, t.subject, " ", badge(t.from), " → ", badge(t.to), t.reason ? ` (${t.reason})` : "")));
}

function renderProxies(proxies) {
  const host = proxies?.hostname;
  fill("proxies", (proxies?.entries || []).map((p) => {
    const port = p.listen.slice(p.listen.lastIndexOf(":") + 1);
    const url = `https://${host}.lan:${port}`;
    const healthy = p.state === "listening" && p.backend_state !== "unreachable";
    return [p.name, el("a", { href: url, rel: "noreferrer" }, url), p.backend, badge(healthy ? "up" : "down")];
  }), 4, proxies ? "no proxy entries" : "proxy is off");
}

async function act(action, hostname) {
  const verb = { approve: "Approve", deny: "Deny", revoke: "Revoke" }[action];
  if (action !== "approve" && !confirm(`${verb} ${hostname}?`)) return;
  try {
    const body = action === "approve" ? { hostname, approved_by: "dashboard" } : { hostname, reason: `${action} from the dashboard` };
    await api("POST", `/v1/certmesh/${action}`, body);
    await refresh();
  } catch (e) {
    if (e.status === 401) loggedOut();
    else showError(`${verb} ${hostname}: ${e.message}`);
  }
}

// Ceremonies: the daemon asks, this renders whatever it asks (the same engine the CLI's prompts drive).
async function ceremony(name, title) {
  const panel = $("ceremony-panel");
  panel.hidden = false;
  $("ceremony-title").textContent = title;
  let sessionId = null;
  let data = {};
  for (;;) {
    let answer;
    try {
      answer = await api("POST", "/v1/ceremony", { session_id: sessionId, ceremony: name, data });
    } catch (e) {
      $("ceremony-messages").replaceChildren(el("p", { class: "message error" }, e.message));
      $("ceremony-form").replaceChildren(el("button", { type: "button", on: { click: closeCeremony } }, "Close"));
      return;
    }
    sessionId = answer.session_id;
    $("ceremony-messages").replaceChildren(...answer.messages.map(renderMessage));
    if (answer.complete) {
      $("ceremony-form").replaceChildren(el("button", { type: "button", on: { click: closeCeremony } }, "Done"));
      refresh();
      return;
    }
    data = await ask(answer.prompts);
    if (data === null) {
      closeCeremony();
      return;
    }
  }
}

function closeCeremony() {
  $("ceremony-panel").hidden = true;
  $("ceremony-form").replaceChildren();
  $("ceremony-messages").replaceChildren();
}

function renderMessage(m) {
  if (m.kind === "qr_code") {
    return el("div", { class: "message" }, el("strong", {}, m.title), el("p", {}, "Add this to your authenticator app:"), el("code", {}, m.content));
  }
  return el("div", { class: `message ${m.kind}` }, el("strong", {}, m.title), el("div", {}, m.content));
}

function ask(prompts) {
  return new Promise((resolve) => {
    const form = $("ceremony-form");
    const readers = [];
    form.replaceChildren();
    for (const p of prompts) {
      const id = `prompt-${p.key}`;
      let input;
      if (p.input_type === "select_one" || p.input_type === "select_many") {
        input = el("select", { id, name: p.key, multiple: p.input_type === "select_many" ? "" : null },
          (p.options || []).map((o) => el("option", { value: o.value }, o.label)));
        if (p.default) input.value = p.default;
        readers.push(() => [p.key, p.input_type === "select_many" ? [...input.selectedOptions].map((o) => o.value) : input.value]);
        form.append(el("label", { for: id }, p.prompt, input));
      } else if (p.input_type === "entropy") {
        const keys = [];
        const started = performance.now();
        input = el("textarea", { id, rows: 3, placeholder: "type random keys here (optional; the daemon mixes them into its own randomness)" });
        input.addEventListener("keydown", (e) => keys.push(`${e.key}:${Math.round((performance.now() - started) * 1000)};`));
        readers.push(() => [p.key, keys.join("")]);
        form.append(el("label", { for: id }, p.prompt, input));
      } else {
        const secret = p.input_type === "secret" || p.input_type === "secret_confirm";
        input = el("input", { id, name: p.key, type: secret ? "password" : "text", autocomplete: "off", value: p.default ?? "" });
        form.append(el("label", { for: id }, p.prompt, input));
        if (p.input_type === "secret_confirm") {
          const again = el("input", { id: `${id}-again`, type: "password", autocomplete: "off" });
          form.append(el("label", { for: `${id}-again` }, "Type it again", again));
          readers.push(() => {
            if (input.value !== again.value) throw new Error("the two entries differ");
            return [p.key, input.value];
          });
        } else {
          readers.push(() => [p.key, input.value]);
        }
      }
    }
    const problem = el("p", { class: "error" });
    form.append(problem,
      el("button", { type: "submit" }, "Continue"), " ",
      el("button", { type: "button", on: { click: () => resolve(null) } }, "Cancel"));
    form.onsubmit = (e) => {
      e.preventDefault();
      try {
        resolve(Object.fromEntries(readers.map((read) => read())));
      } catch (error) {
        problem.textContent = error.message;
      }
    };
    form.querySelector("input, select, textarea")?.focus();
  });
}

// Live: any event from the daemon redraws the board (reads are cheap; the stream says when to make them).
let events = null;

function listen() {
  // named=false: every event arrives as "message", whatever its kind.
  events = new EventSource("/v1/events?named=false");
  // Events sent before the stream opened (or while it was reconnecting) never arrive: read the board again on
  // every open, so a change in that gap is not lost until the next event.
  events.onopen = () => {
    setLive(true);
    refresh();
  };
  events.onerror = () => setLive(false);
  events.onmessage = () => refresh();
}

function setLive(live) {
  const indicator = $("live");
  indicator.className = `badge ${live ? "live" : "offline"}`;
  indicator.textContent = live ? "live" : "reconnecting";
}

function loggedOut() {
  events?.close();
  $("board").hidden = true;
  $("logout").hidden = true;
  $("login-needed").hidden = false;
  setLive(false);
  $("live").textContent = "logged out";
}

async function start() {
  $("ca-create").addEventListener("click", () => ceremony("init", "Create the certificate mesh"));
  $("ca-unlock").addEventListener("click", () => ceremony("unlock", "Unlock the CA"));
  $("logout").addEventListener("click", async () => {
    await fetch("/dashboard/logout", { method: "POST", credentials: "same-origin", headers: { "x-koi-dashboard": "1" } });
    loggedOut();
  });
  const session = await api("GET", "/v1/dashboard/session").catch(() => ({ logged_in: false }));
  if (!session.logged_in) {
    loggedOut();
    return;
  }
  $("board").hidden = false;
  $("logout").hidden = false;
  await refresh();
  listen();
  // Ages ("12s ago") move without events too.
  setInterval(refresh, 15000);
}

start();
