/* gsomia common operational picture: one page, two modes.
 * live   (/cop on a node): own and received warnings, pushed by Server-Sent Events;
 * replay (gsomia cop RUN.json): a run's parties and routes side by side on a time slider.
 * Every request goes to the serving node; the map is GeoJSON on a blank background. */
"use strict";

const PARTY_COLORS = { JPN: "#c0392b", KOR: "#1f5fa8", USA: "#2e7d32" };
const LAUNCH_COLORS = ["#e6194b", "#f58231", "#911eb4", "#008b8b", "#9a6324", "#000075"];
const ROUTE_NAMES = {
  none: "own sensors only", direct: "bilateral GSOMIA",
  tisa_hub: "TISA, via the US hub", auto_hub: "automated hub (2023)", own: "own",
};
const ZONE_NAMES = { land: "land", territorial_sea: "territorial sea", eez: "EEZ", high_seas: "high seas" };
const K95 = Math.sqrt(-2 * Math.log(0.05));   // 95 % ellipse scale (chi-square, 2 dof)
const R_KM = 6371.0088;                        // mean Earth radius (IUGG) for drawing only

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const partyColor = (p) => PARTY_COLORS[p] || "#7b1fa2";
const fmtS = (s) => (s == null ? "—" : `${s >= 0 ? "+" : "−"}${Math.abs(s).toFixed(0)} s`);
function mmss(s) {
  const a = Math.max(0, Math.round(s));
  return `${Math.floor(a / 60)}:${String(a % 60).padStart(2, "0")}`;
}
// an exercise node's page reads its data under its prefix (gsomia.web.exercise)
const ROOT = document.querySelector('meta[name="gsomia-root"]')?.content || "";
async function getJSON(url) {
  const r = await fetch(ROOT + url, { cache: "no-store" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(body.error || `${url}: HTTP ${r.status}`), { status: r.status });
  return body;
}

/* ---------- geometry ---------- */
function ecefToGeodetic(x, y, z) {   // Bowring (1976), WGS-84
  const a = 6378137, f = 1 / 298.257223563, e2 = f * (2 - f), b = a * (1 - f), ep2 = (a * a - b * b) / (b * b);
  const p = Math.hypot(x, y), th = Math.atan2(z * a, p * b);
  const lat = Math.atan2(z + ep2 * b * Math.sin(th) ** 3, p - e2 * a * Math.cos(th) ** 3);
  const n = a / Math.sqrt(1 - e2 * Math.sin(lat) ** 2);
  return [lat * 180 / Math.PI, Math.atan2(y, x) * 180 / Math.PI, (p / Math.cos(lat) - n) / 1000];
}
function ellipseAxes(c) {           // east-north covariance [m^2] -> 95 % semi-axes [km], orientation [deg from north]
  const ee = c[0][0], en = 0.5 * (c[0][1] + c[1][0]), nn = c[1][1];
  const m = 0.5 * (ee + nn), d = Math.sqrt(0.25 * (ee - nn) ** 2 + en * en);
  const th = 0.5 * Math.atan2(2 * en, ee - nn);           // major axis from east, counter-clockwise
  return [K95 * Math.sqrt(Math.max(m + d, 0)) / 1000, K95 * Math.sqrt(Math.max(m - d, 0)) / 1000, 90 - th * 180 / Math.PI];
}
function ellipsePoints(lat, lon, aKm, bKm, orientDeg, n = 72) {
  const o = orientDeg * Math.PI / 180, pts = [];
  for (let i = 0; i <= n; i++) {
    const t = 2 * Math.PI * i / n, u = aKm * Math.cos(t), v = bKm * Math.sin(t);
    const east = u * Math.sin(o) + v * Math.cos(o), north = u * Math.cos(o) - v * Math.sin(o);
    pts.push([lat + north / R_KM * 180 / Math.PI, lon + east / (R_KM * Math.cos(lat * Math.PI / 180)) * 180 / Math.PI]);
  }
  return pts;
}
function distKm(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180, dl = (lat2 - lat1) * r, dn = (lon2 - lon1) * r;
  const h = Math.sin(dl / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dn / 2) ** 2;
  return 2 * R_KM * Math.asin(Math.sqrt(h));
}

/* ---------- map ---------- */
function zoneStyle(p) {
  const c = partyColor(p.party);
  if (p.layer === "land") return { fillColor: "#ece6d6", fillOpacity: 1, color: "#8a8577", weight: 0.7 };
  if (p.layer === "territorial_sea") return { fillColor: c, fillOpacity: 0.16, color: c, weight: 0.8 };
  return { fillColor: c, fillOpacity: 0.05, color: c, weight: 1.2, dashArray: "7 5" };
}
function sensorIcon(s) {
  const sym = s.platform === "ship" ? "▲" : "■";
  return L.divIcon({ className: `sensor-icon sensor ${s.platform}`, html: `<span style="color:${partyColor(s.owner)}">${sym}</span>`, iconSize: [14, 14] });
}
function drawSensors(map, sensors) {
  for (const s of sensors) {
    if (s.lat_deg == null) continue;
    const c = partyColor(s.owner);
    if (s.sector_center_deg == null || s.sector_half_width_deg >= 180) {
      L.circle([s.lat_deg, s.lon_deg], { radius: s.max_range_km * 1000, color: c, weight: 1, opacity: 0.55, fill: false, dashArray: "2 5", interactive: false }).addTo(map);
    } else {
      const pts = [[s.lat_deg, s.lon_deg]];
      for (let k = -20; k <= 20; k++) {
        const az = (s.sector_center_deg + k / 20 * s.sector_half_width_deg) * Math.PI / 180, r = s.max_range_km;
        pts.push([s.lat_deg + r * Math.cos(az) / R_KM * 180 / Math.PI, s.lon_deg + r * Math.sin(az) / (R_KM * Math.cos(s.lat_deg * Math.PI / 180)) * 180 / Math.PI]);
      }
      L.polygon(pts, { color: c, weight: 1, opacity: 0.55, fill: false, dashArray: "2 5", interactive: false }).addTo(map);
    }
    L.marker([s.lat_deg, s.lon_deg], { icon: sensorIcon(s), keyboard: false })
      .bindTooltip(`<b>${esc(s.id)}</b> (${esc(s.owner)}, ${s.platform})<br>${esc(s.description)}<br>range ${s.max_range_km} km`)
      .addTo(map);
  }
}
function legendHtml(parties, sensors) {
  const space = sensors.filter((s) => s.platform === "space").map((s) => `${esc(s.id)} (${esc(s.owner)})`).join(", ");
  return parties.map((p) => `<span class="chip" style="background:${partyColor(p)}"></span>${esc(p)}`).join(" ")
    + `<b>sensors</b><span class="sym">■</span>land radar <span class="sym">▲</span>ship radar <span class="sym"><i class="sw ring"></i></span>coverage`
    + (space ? `<br><span class="sym">✱</span>space infrared: ${space}` : "")
    + `<b>picture</b><span class="sym"><i class="sw solid"></i></span>own track <span class="sym"><i class="sw dash"></i></span>partner's track <span class="sym"><i class="sw dot"></i></span>truth`
    + `<br><span class="sym"><i class="sw ell"></i></span>PIP, 95 % ellipse <span class="sym">✚</span><i class="sw ring"></i> LPE, 95 %`
    + `<b>zones</b><span class="sym"><i class="sw ts"></i></span>territorial sea 12 nmi <span class="sym"><i class="sw eez"></i></span>EEZ 200 nmi`;
}
function legendControl(parties, sensors) {
  const ctl = L.control({ position: "bottomright" });
  ctl.onAdd = () => Object.assign(L.DomUtil.create("div", "legend"), { innerHTML: legendHtml(parties, sensors) });
  return ctl;
}
function makeMap(el, geo, sensors, parties, title, withLegend) {
  const map = L.map(el, { attributionControl: false, zoomSnap: 0.25, minZoom: 3, maxZoom: 11 });
  map.fitBounds([[33.5, 123.8], [44.0, 141.5]]);
  L.geoJSON(geo, { style: (f) => zoneStyle(f.properties), interactive: false }).addTo(map);
  L.control.scale({ imperial: false, position: "bottomleft", maxWidth: 160 }).addTo(map);
  L.control.attribution({ prefix: false, position: "bottomleft" })
    .addAttribution("Natural Earth 1:10m (public domain); zones: UNCLOS 12/200 nmi, median lines").addTo(map);
  if (title) {
    const t = L.control({ position: "topright" });
    t.onAdd = () => Object.assign(L.DomUtil.create("div", "route-title"), { innerHTML: title });
    t.addTo(map);
  }
  drawSensors(map, sensors);
  if (withLegend) legendControl(parties, sensors).addTo(map);
  const layer = L.layerGroup().addTo(map);
  return { map, layer };
}
function drawTrack(layer, pts, color, dashed, label) {
  if (pts.length < 1) return;
  L.polyline(pts, { color, weight: dashed ? 2 : 2.6, opacity: 0.95, dashArray: dashed ? "6 5" : null, className: "track" }).addTo(layer);
  L.circleMarker(pts[pts.length - 1], { radius: 3.5, color, fillColor: color, fillOpacity: 1, weight: 1 })
    .bindTooltip(esc(label)).addTo(layer);
}
function drawPip(layer, lat, lon, a, b, o, color, label) {
  L.polygon(ellipsePoints(lat, lon, a, b, o), { color, weight: 2, fillColor: color, fillOpacity: 0.18, className: `pip-ellipse pip-${label}` })
    .bindTooltip(`${esc(label)} PIP: ${lat.toFixed(2)}°, ${lon.toFixed(2)}°; 95 % ellipse ${a.toFixed(0)} × ${b.toFixed(0)} km`).addTo(layer);
  L.circleMarker([lat, lon], { radius: 3, color, fillColor: "#fff", fillOpacity: 1, weight: 2 })
    .bindTooltip(esc(label), { permanent: true, direction: "right", className: "lbl", offset: [4, 0] }).addTo(layer);
}
function drawLpe(layer, lat, lon, radiusKm, color, label) {
  L.circle([lat, lon], { radius: Math.max(radiusKm, 1) * 1000, color, weight: 1.5, fill: false, className: "lpe" }).addTo(layer);
  L.marker([lat, lon], { icon: L.divIcon({ className: "sensor-icon", html: `<span style="color:${color}">✚</span>`, iconSize: [14, 14] }) })
    .bindTooltip(`LPE ${esc(label)}`).addTo(layer);
}

/* ---------- replay ---------- */
const R = { doc: null, t: 0, tMin: 0, tMax: 600, party: null, playing: false, speed: 10, maps: {}, idx: {}, lastDraw: 0 };

function launchColor(doc, id) {
  const i = doc.launches.findIndex((l) => l.id === id);
  return LAUNCH_COLORS[(i < 0 ? 0 : i) % LAUNCH_COLORS.length];
}
function indexArrivals(doc) {   // route -> to -> originator -> {t: [...], sent: cumulative max}
  const idx = {};
  for (const [route, rows] of Object.entries(doc.picture.arrivals)) {
    const per = (idx[route] = {});
    for (const [t, to, from, kind, launches, sent] of rows) {
      const k = ((per[to] ||= {})[from] ||= { t: [], sent: [], kinds: [], launches: [] });
      k.t.push(t); k.sent.push(sent); k.kinds.push(kind); k.launches.push(launches);
    }
    for (const byFrom of Object.values(per)) for (const k of Object.values(byFrom)) {
      const order = k.t.map((_, i) => i).sort((x, y) => k.t[x] - k.t[y]);
      for (const key of ["t", "sent", "kinds", "launches"]) k[key] = order.map((i) => k[key][i]);
    }
  }
  return idx;
}
function arrivedBy(k, t) {      // number of arrivals with time <= t (binary search)
  let lo = 0, hi = k.t.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (k.t[m] <= t) lo = m + 1; else hi = m; }
  return lo;
}
function latestSent(k, t, kind) {
  let best = null;
  for (let i = arrivedBy(k, t) - 1; i >= 0; i--) if (k.kinds[i] === kind) { best = Math.max(best ?? -Infinity, k.sent[i]); }
  return best;
}
function pointsUpTo(points, t) {
  const out = [];
  for (const p of points) { if (p[0] > t) break; out.push([p[1], p[2]]); }
  return out;
}
function pipAt(rows, t) {
  let row = null;
  for (const r of rows || []) { if (r[0] > t) break; row = r; }
  return row;
}
function drawReplayRoute(route) {
  const { doc, t, party } = R, pic = doc.picture, m = R.maps[route];
  m.layer.clearLayers();
  for (const f of pic.flights) {
    const pts = pointsUpTo(f.points, t);
    if (pts.length) L.polyline(pts, { color: "#555", weight: 1.2, dashArray: "1 4", opacity: 0.9, interactive: false }).addTo(m.layer);
  }
  for (const tr of pic.tracks[party] || []) drawTrack(m.layer, pointsUpTo(tr.points, t), partyColor(party), false, `${tr.track} (own)`);
  const byFrom = (R.idx[route] || {})[party] || {};
  for (const [from, k] of Object.entries(byFrom)) {
    const sent = latestSent(k, t, "track");
    if (sent == null) continue;
    for (const tr of pic.tracks[from] || []) drawTrack(m.layer, pointsUpTo(tr.points, sent), partyColor(from), true, `${tr.track} from ${from} via ${route}`);
  }
  for (const r of pic.launch_reports) {
    let known = r.owner === party && r.t_s <= t;
    const k = byFrom[r.owner];
    if (!known && k) for (let i = arrivedBy(k, t) - 1; i >= 0; i--) if (k.kinds[i] === "launch" && Math.abs(k.sent[i] - r.t_s) < 0.5) { known = true; break; }
    if (known) drawLpe(m.layer, r.lat_deg, r.lon_deg, K95 * r.sigma_km, launchColor(doc, r.launch), `${r.launch ?? "?"} (${r.sensor}, ${r.owner})`);
  }
  for (const l of doc.launches) {
    const row = pipAt(((pic.pips[l.id] || {})[party] || {})[route], t);
    if (row) drawPip(m.layer, row[1], row[2], row[3], row[4], row[5], launchColor(doc, l.id), l.id);
  }
}
function reached(l, party, route, key, t) {
  const v = (((l.parties || {})[party] || {})[route] || {})[key];
  return v != null && l.launch_s + v <= t;
}
function renderReplaySide() {
  const { doc, t, party } = R, epoch = Date.parse(doc.scenario.epoch);
  $("time").textContent = `T${fmtS(t)} · ${new Date(epoch + t * 1000).toISOString().slice(11, 19)} UTC`;
  $("slider").value = String(Math.round(t));
  const focus = doc.routes.includes("direct") ? "direct" : doc.routes[doc.routes.length - 1];
  $("missiles").innerHTML = doc.launches.map((l) => {
    const c = launchColor(doc, l.id), tti = l.impact_s - t;
    const row = pipAt(((doc.picture.pips[l.id] || {})[party] || {})[focus], t);
    const err = row ? distKm(row[1], row[2], l.impact_lat_deg, l.impact_lon_deg) : null;
    const area = reached(l, party, focus, "area_at_risk_s", t)
      ? `${esc(l.impact_area.party || "")} ${ZONE_NAMES[l.impact_area.zone] || l.impact_area.zone}` : "not yet known";
    const state = t < l.launch_s ? "not launched" : tti > 0 ? "in flight" : "impacted";
    return `<div class="missile" style="border-left-color:${c}" data-launch="${esc(l.id)}">
      <div class="head"><span>${esc(l.id)} <small class="muted">${state}</small></span>
      <span class="tti ${tti <= 0 ? "done" : ""}">${tti > 0 ? "impact in " + mmss(tti) : "impact " + fmtS(-tti) + " ago"}</span></div>
      <div class="meta">${esc(party)} on <b>${esc(focus)}</b>: PIP ${row ? `(T${fmtS(row[0])}) ${row[1].toFixed(2)}°, ${row[2].toFixed(2)}° · 95 % ${row[3].toFixed(0)}×${row[4].toFixed(0)} km · error ${err.toFixed(0)} km · from ${row[6].join("+")}` : "none yet"}</div>
      <div class="meta">area at risk: ${area}</div></div>`;
  }).join("");
  const head = `<tr><th>party</th>${doc.routes.map((r) => `<th class="num">${esc(r)}</th>`).join("")}</tr>`;
  const rows = doc.scenario.parties.map((p) => `<tr><th class="${p === party ? "sel" : ""}"><span class="chip" style="background:${partyColor(p)}"></span>${esc(p)}</th>${doc.routes.map((r) => {
    const n = (key) => doc.launches.filter((l) => reached(l, p, r, key, t)).length;
    return `<td class="num ${p === party ? "sel" : ""}">${n("first_detection_s")} · ${n("first_confirmed_s")} · <b>${n("first_pip_within_50km_s")}</b> · <b>${n("area_at_risk_s")}</b></td>`;
  }).join("")}</tr>`).join("");
  $("matrix").innerHTML = `<table>${head}${rows}</table><p class="muted">of ${doc.launches.length} launches: detected · tracked · <b>PIP within 50 km</b> · <b>area at risk known</b></p>`;
  const contrib = [];
  for (const r of doc.routes) {
    const byFrom = (R.idx[r] || {})[party] || {};
    for (const [from, k] of Object.entries(byFrom)) {
      const n = arrivedBy(k, t);
      if (!n) continue;
      const kinds = {};
      for (let i = 0; i < n; i++) kinds[k.kinds[i]] = (kinds[k.kinds[i]] || 0) + 1;
      contrib.push(`<tr><td>${esc(r)}</td><td><span class="chip" style="background:${partyColor(from)}"></span>${esc(from)}</td><td>${Object.entries(kinds).map(([a, b]) => `${b} ${a} report${b > 1 ? "s" : ""}`).join(", ")}</td><td class="num">${(t - k.sent[n - 1]).toFixed(0)} s</td></tr>`);
    }
  }
  const own = (doc.picture.tracks[party] || []).filter((tr) => tr.confirmed_s <= t).length;
  $("contrib").innerHTML = `<table><tr><th>route</th><th>from</th><th>items arrived at ${esc(party)}</th><th class="num">age</th></tr>
    <tr><td>own</td><td><span class="chip" style="background:${partyColor(party)}"></span>${esc(party)}</td><td>${own} confirmed tracks</td><td class="num">—</td></tr>${contrib.join("")}</table>`;
  const ev = [];
  for (const l of doc.launches) {
    ev.push([l.launch_s, `<b>${esc(l.id)}</b> launched`]);
    ev.push([l.impact_s, `<b>${esc(l.id)}</b> impact (${esc(l.impact_area.party || "")} ${ZONE_NAMES[l.impact_area.zone] || ""})`]);
    for (const r of doc.routes) {
      const f = ((l.parties || {})[party] || {})[r] || {};
      for (const [key, what] of [["first_detection_s", "first detection"], ["first_confirmed_s", "track confirmed"], ["first_pip_within_50km_s", "PIP within 50 km"], ["area_at_risk_s", "area at risk known"]]) {
        if (f[key] != null) ev.push([l.launch_s + f[key], `${esc(party)} · ${esc(r)}: ${esc(l.id)} ${what}`]);
      }
    }
  }
  const past = ev.filter((e) => e[0] <= t).sort((a, b) => b[0] - a[0]);
  $("timeline").innerHTML = past.map(([s, txt]) => `<li><time>T${fmtS(s)}</time>${txt}</li>`).join("") || `<li class="muted">before the first launch</li>`;
}
function renderReplay(force) {
  const now = performance.now();
  if (!force && now - R.lastDraw < 90) return;
  R.lastDraw = now;
  for (const r of R.doc.routes) drawReplayRoute(r);
  renderReplaySide();
}
function setParty(p) {
  R.party = p;
  for (const b of $("parties").querySelectorAll("button")) b.classList.toggle("on", b.dataset.party === p);
  renderReplay(true);
}
async function startReplay(cfg, geo) {
  document.body.classList.add("replay");
  $("controls").hidden = false; $("matrix-box").hidden = false;
  $("mode").textContent = "replay";
  const doc = (R.doc = await getJSON("/cop/api/run"));
  $("title").textContent = `${doc.scenario.name} — ${doc.scenario.title}`;
  R.idx = indexArrivals(doc);
  R.tMin = 0;
  R.tMax = Math.ceil(Math.max(...doc.launches.map((l) => l.impact_s)) + 20);
  R.t = Math.min(R.tMax, Math.max(...doc.launches.map((l) => l.launch_s)) + 120);
  const slider = $("slider");
  slider.min = String(R.tMin); slider.max = String(R.tMax);
  slider.addEventListener("input", () => { R.t = Number(slider.value); renderReplay(true); });
  $("parties").innerHTML = doc.scenario.parties.map((p) => `<button type="button" data-party="${esc(p)}" style="border-bottom:3px solid ${partyColor(p)}">${esc(p)}</button>`).join("");
  for (const b of $("parties").querySelectorAll("button")) b.addEventListener("click", () => setParty(b.dataset.party));
  $("speed").addEventListener("change", () => { R.speed = Number($("speed").value); });
  R.speed = Number($("speed").value);
  $("play").addEventListener("click", () => {
    R.playing = !R.playing;
    $("play").textContent = R.playing ? "❚❚ pause" : "▶ play";
    if (R.playing && R.t >= R.tMax) R.t = R.tMin;
    let last = performance.now();
    const step = (now) => {
      if (!R.playing) return;
      R.t = Math.min(R.tMax, R.t + (now - last) / 1000 * R.speed); last = now;
      renderReplay(false);
      if (R.t >= R.tMax) { R.playing = false; $("play").textContent = "▶ play"; renderReplay(true); return; }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const maps = $("maps");
  maps.className = doc.routes.length > 1 ? "four" : "one";
  for (const [i, r] of doc.routes.entries()) {
    const el = document.createElement("div");
    el.className = "map"; el.id = `map-${r}`; el.dataset.route = r;
    maps.appendChild(el);
    R.maps[r] = makeMap(el, geo, doc.picture.sensors, doc.scenario.parties,
      `${esc(r)} <small>${esc(ROUTE_NAMES[r] || "")}</small>`, false);
  }
  $("legend-box").hidden = false;
  $("legend").innerHTML = legendHtml(doc.scenario.parties, doc.picture.sensors);
  setParty(doc.scenario.parties[0]);
}

/* ---------- live ---------- */
const LV = { cfg: null, map: null, warnings: [], areas: {}, busy: false, again: false, epochs: {} };

function warningGroups() {
  const groups = new Map();
  for (const w of LV.warnings) {
    const key = `${w.originator}/${w.payload.track_id}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(w);
  }
  for (const g of groups.values()) g.sort((a, b) => a.payload.t_s - b.payload.t_s);
  return [...groups.values()];
}
const utcOf = (w, s) => Date.parse(w.payload.epoch) + s * 1000;
const withdrawn = (w) => (w.actions || []).find((a) => a.action === "recall" || a.action === "destroy");
function areaText(list) {
  if (!list) return "…";
  if (!list.length) return "outside the region";
  return list.filter((a) => a.probability >= 0.005).slice(0, 3).map((a) => `${esc(a.party || "")} ${ZONE_NAMES[a.zone] || a.zone} ${(100 * a.probability).toFixed(0)} %`).join(", ");
}
function renderLiveMissiles() {
  const groups = warningGroups(), now = Date.now();
  $("missiles").innerHTML = groups.length ? groups.map((g, i) => {
    const w = g[g.length - 1], ip = w.payload.impact_point, c = LAUNCH_COLORS[i % LAUNCH_COLORS.length];
    const tti = ip ? (utcOf(w, ip.impact_s) - now) / 1000 : null;
    const age = (now - utcOf(w, w.payload.t_s)) / 1000;
    const who = w.route === "own" ? "own" : `partner, via ${esc(w.route)}`;
    const ax = ip ? ellipseAxes(ip.cov_en_m2) : null, gone = withdrawn(w);
    if (gone) return `<div class="missile withdrawn" data-track-id="${esc(w.payload.track_id)}" data-originator="${esc(w.originator)}">
      <div class="head"><span>${esc(w.payload.track_id)} <small class="muted">${esc(w.originator)} · ${who}</small></span>
      <span class="tti done">withdrawn (${esc(gone.action)})</span></div>
      <div class="meta">withdrawn by its originator at ${esc(gone.issued_at.slice(11, 19))} UTC (Art. 6); not drawn</div></div>`;
    return `<div class="missile" style="border-left-color:${c}" data-track-id="${esc(w.payload.track_id)}" data-originator="${esc(w.originator)}">
      <div class="head"><span>${esc(w.payload.track_id)} <small class="muted">${esc(w.originator)} · ${who}</small></span>
      <span class="tti ${tti != null && tti <= 0 ? "done" : ""}" data-impact-utc="${ip ? utcOf(w, ip.impact_s) : ""}">${tti == null ? "no PIP" : tti > 0 ? "impact in " + mmss(tti) : "impacted"}</span></div>
      <div class="meta">${g.length} report${g.length > 1 ? "s" : ""}, latest ${age.toFixed(0)} s old${w.marking ? ` · <span class="marking">${esc(w.marking.text)}</span>` : ""}</div>
      <div class="meta">LPE ${w.payload.launch_point ? `${w.payload.launch_point.lat_deg.toFixed(2)}°, ${w.payload.launch_point.lon_deg.toFixed(2)}°` : "—"} · PIP ${ip ? `${ip.lat_deg.toFixed(2)}°, ${ip.lon_deg.toFixed(2)}° · 95 % ${ax[0].toFixed(0)}×${ax[1].toFixed(0)} km` : "—"}</div>
      <div class="meta">area at risk: ${ip ? areaText(LV.areas[w.item_id]) : "—"}</div></div>`;
  }).join("") : `<p class="muted">no warnings</p>`;
}
function tick() {
  const now = Date.now();
  $("clock").textContent = new Date(now).toISOString().slice(11, 19) + " UTC";
  for (const el of document.querySelectorAll(".tti[data-impact-utc]")) {
    const at = Number(el.dataset.impactUtc);
    if (!at) continue;
    const s = (at - now) / 1000;
    el.textContent = s > 0 ? "impact in " + mmss(s) : "impacted";
    el.classList.toggle("done", s <= 0);
  }
}
function drawLive() {
  const layer = LV.map.layer;
  layer.clearLayers();
  warningGroups().forEach((g, i) => {
    const c = LAUNCH_COLORS[i % LAUNCH_COLORS.length], w = g[g.length - 1], label = w.payload.track_id;
    if (withdrawn(w)) return;
    const pts = g.filter((x) => x.payload.trajectory).map((x) => { const v = x.payload.trajectory.x_ecef; const [la, lo] = ecefToGeodetic(v[0], v[1], v[2]); return [la, lo]; });
    drawTrack(layer, pts, partyColor(w.originator), w.route !== "own", `${label} (${w.originator}, ${w.route})`);
    const lp = w.payload.launch_point;
    if (lp) { const a = ellipseAxes(lp.cov_en_m2); drawLpe(layer, lp.lat_deg, lp.lon_deg, a[0], c, label); }
    const ip = w.payload.impact_point;
    if (ip) { const [a, b, o] = ellipseAxes(ip.cov_en_m2); drawPip(layer, ip.lat_deg, ip.lon_deg, a, b, o, c, label); }
  });
}
function renderLiveSide(items, health, links, readError) {
  const ev = [];
  for (const g of warningGroups()) g.forEach((w, k) => {
    const verb = k === 0 ? "issued" : "updated";
    const how = w.route === "own" ? `by ${esc(w.originator)} (own)` : `by ${esc(w.originator)}, received via ${esc(w.route)}`;
    ev.push([utcOf(w, w.payload.t_s), `warning ${esc(w.payload.track_id)} ${verb} ${how}`]);
    for (const a of w.actions || []) {
      const what = a.action === "recall" || a.action === "destroy" ? "withdrawn" : "changed";
      ev.push([Date.parse(a.issued_at), `warning ${esc(w.payload.track_id)} ${what} (${esc(a.action)}) by ${esc(w.originator)}`]);
    }
  });
  ev.sort((a, b) => b[0] - a[0]);
  $("timeline").innerHTML = ev.map(([ms, txt]) => `<li><time>${new Date(ms).toISOString().slice(11, 19)}</time>${txt}</li>`).join("") || `<li class="muted">nothing yet</li>`;
  const by = {};
  for (const w of LV.warnings) {
    const k = `${w.originator}|${w.route}`;
    const e = (by[k] ||= { from: w.originator, route: w.route, n: 0, last: -Infinity });
    e.n++; e.last = Math.max(e.last, utcOf(w, w.payload.t_s));
  }
  $("contrib").innerHTML = Object.keys(by).length ? `<table><tr><th>from</th><th>route</th><th class="num">warnings</th><th class="num">latest age</th></tr>${Object.values(by).map((e) => `<tr><td><span class="chip" style="background:${partyColor(e.from)}"></span>${esc(e.from)}${e.route === "own" ? " (own)" : ""}</td><td>${esc(e.route)}</td><td class="num">${e.n}</td><td class="num">${((Date.now() - e.last) / 1000).toFixed(0)} s</td></tr>`).join("")}</table>` : `<p class="muted">nothing yet</p>`;
  $("links").innerHTML = `<p>node <b>${esc(health.party)}</b>: ${esc(health.status)} · items ${health.items} · outbox ${esc(Object.entries(health.outbox).map(([a, b]) => `${b} ${a}`).join(", "))} · incidents ${health.incidents ?? 0}</p>`
    + `<table><tr><th>partner</th><th>route</th><th>outbox</th><th>last</th></tr>${links.map((l) => {
      const cls = l.last_status === "acked" ? "ok" : l.last_status === "pending" ? "warn" : l.last_status ? "bad" : "muted";
      return `<tr><td><span class="chip" style="background:${partyColor(l.partner)}"></span>${esc(l.partner)}</td><td>${esc(l.route)}${l.hub ? ` via ${esc(l.hub)}` : ""}</td><td>${esc(Object.entries(l.outbox).map(([a, b]) => `${b} ${a}`).join(", ") || "empty")}</td><td class="${cls}">${esc(l.last_status || "—")}</td></tr>`;
    }).join("")}</table>`;
  $("items").innerHTML = readError ? `<p class="bad">items not shown: ${esc(readError)}</p>`
    : items.length ? `<table><tr><th>item</th><th>kind</th><th>from</th><th>route</th><th>marking</th></tr>${items.slice().reverse().map((i) => `<tr data-item-id="${esc(i.item_id)}"><td title="${esc(i.item_id)}">${esc(i.item_id.slice(0, 8))}…</td><td>${esc(i.kind)}</td><td>${esc(i.originator)}</td><td>${esc(i.route)}</td><td><span class="marking">${esc(i.marking.text)}</span><br><small class="muted">${esc(i.marking.text_en || "")}</small></td></tr>`).join("")}</table>`
    : `<p class="muted">none</p>`;
}
async function refreshLive() {
  if (LV.busy) { LV.again = true; return; }
  LV.busy = true;
  try {
    const [own, health, links] = await Promise.all([getJSON("/cop/api/own"), getJSON("/v1/health"), getJSON("/cop/api/links")]);
    let items = [], readError = null;
    try { items = await getJSON("/v1/items"); } catch (e) { readError = e.message; }
    LV.warnings = own.map((o) => ({ item_id: o.item_id, originator: LV.cfg.party, route: "own", payload: o.payload, marking: null, actions: o.actions }))
      .concat(items.filter((i) => i.kind === "missile_warning").map((i) => ({ item_id: i.item_id, originator: i.originator, route: i.route, payload: i.payload, marking: i.marking })));
    drawLive();
    renderLiveMissiles();
    renderLiveSide(items, health, links, readError);
    for (const g of warningGroups()) {
      const w = g[g.length - 1], ip = w.payload.impact_point;
      if (!ip || LV.areas[w.item_id]) continue;
      const c = ip.cov_en_m2;
      getJSON(`/cop/api/area?lat=${ip.lat_deg}&lon=${ip.lon_deg}&cee=${c[0][0]}&cen=${c[0][1]}&cnn=${c[1][1]}`)
        .then((a) => { LV.areas[w.item_id] = a; renderLiveMissiles(); }).catch(() => {});
    }
  } catch (e) {
    $("status").textContent = `error: ${e.message}`; $("status").classList.add("down");
  } finally {
    LV.busy = false;
    if (LV.again) { LV.again = false; refreshLive(); }
  }
}
async function startLive(cfg, geo) {
  LV.cfg = cfg;
  $("mode").textContent = "live";
  $("links-box").hidden = false; $("items-box").hidden = false;
  $("title").textContent = `${cfg.party} node · partners ${Object.entries(cfg.partners).map(([p, r]) => `${p} (${r})`).join(", ")}`;
  const sensors = await getJSON("/cop/api/sensors");
  const el = document.createElement("div");
  el.className = "map"; el.id = "map-live";
  $("maps").className = "one"; $("maps").appendChild(el);
  LV.map = makeMap(el, geo, sensors, [cfg.party, ...Object.keys(cfg.partners)], `${esc(cfg.party)} <small>live</small>`, true);
  await refreshLive();
  const es = new EventSource("/cop/api/events");
  es.addEventListener("open", () => { $("status").textContent = "● live (pushed)"; $("status").classList.remove("down"); });
  es.addEventListener("update", () => refreshLive());
  es.addEventListener("error", () => { $("status").textContent = "○ reconnecting"; $("status").classList.add("down"); });
  setInterval(tick, 250);
}

(async function main() {
  try {
    const cfg = await getJSON("/cop/api/config");
    const geo = await getJSON("/cop/api/geo");
    if (cfg.mode === "replay") await startReplay(cfg, geo); else await startLive(cfg, geo);
    document.body.dataset.ready = "1";
  } catch (e) {
    $("status").textContent = `error: ${e.message}`; $("status").classList.add("down");
  }
})();
