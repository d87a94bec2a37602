// The status page's front end: polls /api/snapshot once a second and redraws. Plain DOM, text only (no HTML from
// data), no third-party resource.
"use strict";

const POLL_MS = 1000;
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const shortHex = (s) => (s && s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s || "");

/** Regions on a circle (three make a triangle, like three sites on a map). */
function positions(regions) {
  const cx = 300, cy = 200, r = 140;
  return Object.fromEntries(regions.map((region, i) => {
    const angle = Math.PI / 2 + Math.PI / regions.length + (2 * Math.PI * i) / regions.length;
    return [region.name, { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) * 0.95 }];
  }));
}

/** Short label on the map; the full figures per direction are in the link's tooltip. */
function lagText(link) {
  if (link.state === "down") return "down";
  const lags = [link.aheadOfB, link.aheadOfA].filter((x) => x !== undefined);
  const lag = lags.length ? ` · lag ${Math.max(...lags)} ops` : "";
  return (link.state === "partial" ? "half-open" : "up") + lag;
}

function lagDetail(link) {
  const dir = (from, to, n) => (n === undefined ? `${from}→${to}: unknown` : `${from}→${to}: ${n} ops not yet seen by ${to}`);
  const age = link.reportAgeMs === undefined ? "" : `; last state report ${link.reportAgeMs} ms ago`;
  return `${link.a}–${link.b} ${link.state}: ${dir(link.a, link.b, link.aheadOfB)}, ${dir(link.b, link.a, link.aheadOfA)}${age}`;
}

function drawMap(s) {
  const map = $("map");
  map.replaceChildren();
  const at = positions(s.regions);
  const centre = { x: 300, y: 200 };
  for (const link of s.links) {
    const a = at[link.a], b = at[link.b];
    const line = svg("line", { class: `link ${link.state}`, x1: a.x, y1: a.y, x2: b.x, y2: b.y, "data-link": `${link.a}-${link.b}`, "data-state": link.state });
    line.append(svg("title", {}, lagDetail(link)));
    map.append(line);
    // The label sits outside the triangle, beside its link's midpoint, so labels never cross other links.
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    const len = Math.hypot(mid.x - centre.x, mid.y - centre.y) || 1;
    const x = mid.x + ((mid.x - centre.x) / len) * 26, y = mid.y + ((mid.y - centre.y) / len) * 26 + 5;
    map.append(svg("text", { class: "lag", x, y, "text-anchor": mid.x < centre.x - 5 ? "end" : mid.x > centre.x + 5 ? "start" : "middle" }, lagText(link)));
  }
  for (const region of s.regions) {
    const p = at[region.name];
    const g = svg("g", { class: `region ${region.health}`, "data-region": region.name, "data-health": region.health });
    g.append(svg("circle", { cx: p.x, cy: p.y, r: 44 }));
    g.append(svg("text", { x: p.x, y: p.y + 1 }, region.name));
    g.append(svg("text", { class: "state", x: p.x, y: p.y + 20 }, region.health));
    map.append(g);
  }
  $("convergence").textContent = s.converged ? "All reachable regions hold the same data (digests equal, nothing pending)." : "Regions are not converged (digests differ or writes pending), or none is reachable.";
}

function drawRegions(s) {
  $("regions").replaceChildren(...s.regions.map((r) => {
    const dl = el("dl");
    const row = (k, v) => dl.append(el("dt", {}, k), el("dd", {}, String(v)));
    if (r.node) row("node", r.node);
    if (r.keys !== undefined) row("documents", r.keys);
    if (r.pendingCommit !== undefined) row("pending", r.pendingCommit);
    if (r.digest) row("digest", shortHex(r.digest));
    const card = el("article", { class: "card", "data-region": r.name, "data-health": r.health }, el("h3", {}, r.name, el("span", { class: "health" }, r.health)), dl);
    if (r.problem) card.append(el("p", { class: "problem" }, r.problem));
    return card;
  }));
}

function drawGuardian(s) {
  const g = s.guardian, banner = $("guardian");
  banner.dataset.state = g.state;
  banner.textContent = g.state === "running" ? "Guardian: running — changes may be applied"
    : g.state === "paused" ? `Guardian: PAUSED by ${g.pausedBy}'s agent${g.reason ? ` — ${g.reason}` : ""}${g.since ? ` (since ${g.since})` : ""}. Only a critical approval can unpause.`
    : `Guardian: unknown — ${g.problem}`;
}

function drawTables(s) {
  $("agents").replaceChildren(...s.agents.map((a) => el("tr", {}, el("td", {}, a.region), el("td", {}, a.dsp), el("td", { class: "mono" }, a.agent))));
  $("rules").replaceChildren(...s.rules.map((r) => el("tr", {}, el("td", {}, r.tier), el("td", {}, String(r.dsps)), el("td", {}, String(r.board)), el("td", {}, r.regionDsp ? "required" : "—"))));
  const bundles = s.bundles.map((b) => el("tr", { "data-bundle": b.name, "data-ready": String(b.missing.length === 0) },
    el("td", {}, `${b.name} (${b.stack}: ${b.regions.join(", ")})`), el("td", {}, b.tier),
    el("td", {}, b.signed.join(", ") || "nobody yet"), el("td", { class: "missing" }, b.missing.length ? b.missing.join("; ") : "nothing: ready for dsc up")));
  $("bundles").replaceChildren(...(bundles.length ? bundles : [el("tr", {}, el("td", { class: "empty", colspan: "4" }, "no bundle awaiting signatures"))]));
  const items = s.timeline.map((t) => el("li", { "data-kind": t.kind }, el("time", { datetime: t.at }, t.at.replace("T", " ").replace(/\.\d+Z$/, "Z")), el("span", { class: "kind" }, t.kind), el("span", {}, `${t.text} (block ${t.block})`)));
  $("timeline").replaceChildren(...(items.length ? items : [el("li", {}, el("span", { class: "empty" }, "no approvals, pauses or rotations yet"))]));
}

async function refresh() {
  try {
    const response = await fetch("/api/snapshot", { cache: "no-store" });
    if (response.status === 503) {
      $("meta").textContent = "waiting for the first poll…";
      return;
    }
    const s = await response.json();
    drawMap(s);
    drawRegions(s);
    drawGuardian(s);
    drawTables(s);
    document.body.classList.remove("stale");
    $("meta").textContent = `chain ${s.chainId} · Consortium Safe ${shortHex(s.consortium)} · updated ${s.generatedAt.replace("T", " ").replace(/\.\d+Z$/, "Z")}`;
  } catch (error) {
    // The status server itself is gone: keep the last view, dimmed, and say so (no console error: it is expected).
    document.body.classList.add("stale");
    $("meta").textContent = `status server unreachable (${error.message}); retrying`;
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

refresh();
