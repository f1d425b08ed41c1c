// Warden's dashboard: reads the API, draws with uPlot, refreshes every few seconds.
// Message text is only ever set with textContent: it is never parsed as HTML.
"use strict";
(function () {
  const REFRESH_MS = 3000;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const pct = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);
  const num = (x, d = 3) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
  let tab = "overview";
  const token = () => sessionStorage.getItem("warden-token") || "";
  const tokenInput = $("token");
  tokenInput.value = token();
  tokenInput.addEventListener("change", () => {
    sessionStorage.setItem("warden-token", tokenInput.value);
    refresh();
  });

  async function get(path, admin) {
    const headers = admin && token() ? { authorization: `Bearer ${token()}` } : {};
    const res = await fetch(path, { headers });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json();
  }

  // Charts: one uPlot per element, rebuilt when its series change, else given new data.
  const charts = {};
  function chart(id, series, data, thresholds) {
    const host = $(id);
    const width = Math.max(280, host.clientWidth - 4);
    const key = series.map((s) => s.label).join("|");
    const lines = (thresholds || []).map((t) => ({ label: t.label, stroke: t.stroke, dash: [6, 4], width: 1 }));
    const full = [data[0], ...data.slice(1), ...(thresholds || []).map((t) => data[0].map(() => t.value))];
    if (charts[id] && charts[id].key === key && charts[id].width === width) {
      charts[id].plot.setData(full);
      return;
    }
    if (charts[id]) charts[id].plot.destroy();
    host.textContent = "";
    const plot = new uPlot({ width, height: 200, series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: true })), ...lines], axes: [{}, { size: 50 }], scales: { x: { time: true } } }, full, host);
    charts[id] = { plot, key, width };
  }
  let calibrationPlot = null;
  function calibrationChart(x, y) {
    const host = $("chart-calibration");
    const width = Math.max(280, Math.min(520, host.clientWidth - 4));
    const data = [x.length ? x : [0, 1], x.length ? y : [null, null], x.length ? x : [0, 1]];
    if (calibrationPlot) calibrationPlot.destroy();
    host.textContent = "";
    calibrationPlot = new uPlot({
      width, height: 220,
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      series: [{ label: "score" }, { label: "labelled share positive", stroke: "#0b6bcb", width: 2, points: { size: 7 } }, { label: "calibrated", stroke: "#999", dash: [6, 4], width: 1, points: { show: false } }],
      axes: [{}, { size: 40 }],
    }, data, host);
  }
  const times = (windows) => windows.map((w) => Date.parse(w.end) / 1000);
  const col = (windows, f) => windows.map((w) => { const v = f(w); return v === null || v === undefined ? null : v; });

  function cards(host, items) {
    host.textContent = "";
    for (const [label, value] of items) {
      const c = el("div", undefined, "card");
      c.append(el("b", value), el("span", label));
      host.append(c);
    }
  }

  async function header() {
    const [ready, alerts] = await Promise.all([get("/readyz"), get("/v1/alerts")]);
    $("model").textContent = `model ${ready.model}`;
    $("card-link").href = `/v1/models/${encodeURIComponent(ready.model)}/card`;
    const firing = alerts.alerts.filter((a) => a.state === "firing");
    $("alerts-count").textContent = firing.length ? `${firing.length} alert${firing.length > 1 ? "s" : ""} firing` : "no alerts";
    $("alerts-count").className = firing.length ? "pill bad" : "pill";
    const box = $("firing");
    box.textContent = "";
    for (const a of firing) box.append(el("div", `${a.name}: ${a.message}`, "alert"));
  }

  async function overview() {
    const [m, t] = await Promise.all([get("/v1/monitor?window=15m"), get("/v1/monitor/timeline?window=1h")]);
    cards($("totals"), [
      ["messages, last 15 min", m.traffic.requests],
      ["flagged", pct(m.traffic.flagged_rate)],
      ["blocked", pct(m.traffic.block_rate)],
      ["sent to review", pct(m.traffic.review_rate)],
      ["latency p50 / p99 (ms)", `${num(m.latency_ms.p50, 2)} / ${num(m.latency_ms.p99, 2)}`],
      ["shed / degraded", `${m.traffic.shed} / ${pct(m.traffic.degraded_rate)}`],
      ["answered by stage 2", pct(m.traffic.second_stage_rate)],
    ]);
    const w = t.windows;
    const x = times(w);
    chart("chart-traffic", [{ label: "messages", stroke: "#0b6bcb" }, { label: "shed", stroke: "#b3261e" }], [x, col(w, (v) => v.requests), col(w, (v) => v.shed)]);
    chart("chart-latency", [{ label: "p50 ms", stroke: "#1e7b34" }, { label: "p99 ms", stroke: "#b3261e" }], [x, col(w, (v) => v.latency_p50_ms), col(w, (v) => v.latency_p99_ms)]);
    chart("chart-rates", [{ label: "flagged", stroke: "#7e22ce" }, { label: "review", stroke: "#c2410c" }, { label: "blocked", stroke: "#b3261e" }, { label: "degraded", stroke: "#5f6368" }, { label: "stage 2", stroke: "#0e7490" }], [x, col(w, (v) => v.flagged_rate), col(w, (v) => v.review_rate), col(w, (v) => v.block_rate), col(w, (v) => v.degraded_rate), col(w, (v) => v.second_stage_rate)]);
  }

  async function quality() {
    const [m, t] = await Promise.all([get("/v1/monitor?window=1h"), get("/v1/monitor/timeline?window=1h")]);
    const w = t.windows;
    chart("chart-quality", [{ label: "precision (labels)", stroke: "#0b6bcb" }, { label: "recall (labels)", stroke: "#1e7b34" }, { label: "precision (estimated)", stroke: "#7e22ce" }, { label: "recall (estimated)", stroke: "#c2410c" }],
      [times(w), col(w, (v) => v.feedback.all && v.feedback.all.precision), col(w, (v) => v.feedback.all && v.feedback.all.recall), col(w, (v) => v.estimated_precision), col(w, (v) => v.estimated_recall)]);
    const langs = [...new Set(w.flatMap((v) => Object.keys(v.feedback).filter((k) => k !== "all")))].sort().slice(0, 8);
    const palette = ["#0b6bcb", "#c2410c", "#15803d", "#7e22ce", "#be123c", "#0e7490", "#a16207", "#4d7c0f"];
    chart("chart-quality-lang", langs.length ? langs.map((l, i) => ({ label: l, stroke: palette[i] })) : [{ label: "no labels yet", stroke: "#999" }],
      [times(w), ...(langs.length ? langs.map((l) => col(w, (v) => v.feedback[l] && v.feedback[l].precision)) : [w.map(() => null)])]);
    // Calibration: x = bin centre, y = labelled positive share; uPlot wants increasing x, the bins already are.
    const cal = m.quality.calibration || [];
    const centres = cal.map((c) => { const [a, b] = c.bin.split("-").map(Number); return (a + b) / 2; });
    calibrationChart(centres, cal.map((c) => c.positive_share));
    const table = $("quality-lang");
    table.textContent = "";
    const head = el("tr");
    for (const h of ["language", "labels", "precision", "recall", "F1"]) head.append(el("th", h));
    table.append(head);
    for (const [lang, q] of Object.entries(m.quality.by_language)) {
      const tr = el("tr");
      tr.append(el("td", lang), el("td", q.feedback_n, "n"), el("td", num(q.precision), "n"), el("td", num(q.recall), "n"), el("td", num(q.f1), "n"));
      table.append(tr);
    }
    const rates = $("base-rates");
    rates.textContent = "";
    const top = el("tr");
    for (const h of ["category", "positive in traffic (estimated)", "positive in validation data", "precision (estimated)"]) top.append(el("th", h));
    rates.append(top);
    for (const [category, q] of Object.entries(m.quality.by_category)) {
      if (q.estimated_base_rate === undefined) continue;
      const tr = el("tr");
      tr.append(el("td", category), el("td", pct(q.estimated_base_rate), "n"), el("td", pct(q.validation_base_rate), "n"), el("td", num(q.estimated_precision), "n"));
      rates.append(tr);
    }
  }

  async function drift() {
    const [m, t] = await Promise.all([get("/v1/monitor?window=1h"), get("/v1/monitor/timeline?window=1h")]);
    const w = t.windows;
    const d = m.drift;
    chart("chart-psi", [{ label: "score PSI", stroke: "#0b6bcb" }, { label: "language JS", stroke: "#c2410c" }], [times(w), col(w, (v) => v.score_psi), col(w, (v) => v.language_js)],
      [{ label: "PSI alert", value: d.score_psi ? d.score_psi.alert : 0.2, stroke: "#0b6bcb" }, { label: "JS alert", value: d.language_js ? d.language_js.alert : 0.1, stroke: "#c2410c" }]);
    const table = $("data-quality");
    table.textContent = "";
    for (const [k, v] of Object.entries(m.data_quality)) {
      const tr = el("tr");
      tr.append(el("td", k.replace(/_/g, " ")), el("td", pct(v), "n"));
      table.append(tr);
    }
    const terms = $("terms");
    terms.textContent = "";
    for (const e of m.emerging_terms) terms.append(el("li", `${e.term} — in ${pct(e.share)} of flagged messages (was ${pct(e.reference_share)})`));
    if (!m.emerging_terms.length) terms.append(el("li", "nothing stands out"));
  }

  let cursor = 0;
  async function review() {
    const list = $("queue");
    if (!token()) {
      list.textContent = "";
      list.append(el("li", "Enter the admin token to see the review queue."));
      return;
    }
    const { items } = await get("/v1/admin/review?limit=50", true);
    const focused = document.activeElement && list.contains(document.activeElement);
    if (focused) return; // do not redraw under the reviewer's hands
    list.textContent = "";
    if (!items.length) list.append(el("li", "The queue is empty."));
    items.forEach((item, i) => {
      const li = el("li");
      li.dataset.id = item.id;
      if (i === cursor) li.className = "current";
      const text = el("div", undefined, "text");
      // Highlight the explanation's spans: plain text pieces and <mark> pieces, all textContent.
      const spans = (item.explanation || []).slice().sort((a, b) => a.start - b.start);
      let at = 0;
      for (const s of spans) {
        if (s.start < at) continue;
        text.append(document.createTextNode(item.text.slice(at, s.start)));
        const mk = el("mark", item.text.slice(s.start, s.end));
        mk.title = `weight ${s.weight}`;
        text.append(mk);
        at = s.end;
      }
      text.append(document.createTextNode(item.text.slice(at)));
      const meta = el("div", `${item.action} · score ${num(item.score)} · ${item.lang} · ${item.model} · ${item.ts}`, "meta");
      const reason = el("div", item.reason, "meta");
      const yes = el("button", "Abusive (1)");
      yes.dataset.label = "1";
      const no = el("button", "Not abusive (0)");
      no.dataset.label = "0";
      li.append(text, meta, reason, yes, no);
      list.append(li);
    });
  }

  async function label(li, value) {
    const res = await fetch("/v1/feedback", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: li.dataset.id, label: value }) });
    if (res.status === 202) li.remove();
  }
  $("queue").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-label]");
    if (b) void label(b.closest("li"), Number(b.dataset.label));
  });
  document.addEventListener("keydown", (ev) => {
    if (tab !== "review" || ev.target === tokenInput) return;
    const items = [...$("queue").querySelectorAll("li[data-id]")];
    if (!items.length) return;
    if (ev.key === "j" || ev.key === "k") cursor = Math.max(0, Math.min(items.length - 1, cursor + (ev.key === "j" ? 1 : -1)));
    else if (ev.key === "1" || ev.key === "0") void label(items[cursor], Number(ev.key));
    else return;
    items.forEach((li, i) => (li.className = i === cursor ? "current" : ""));
  });

  function rows(table, headings, lines) {
    table.textContent = "";
    const head = el("tr");
    for (const h of headings) head.append(el("th", h));
    table.append(head);
    for (const cells of lines) {
      const tr = el("tr");
      for (const [value, cls] of cells) tr.append(el("td", value, cls));
      table.append(tr);
    }
  }

  async function loop() {
    const l = await get("/v1/loop");
    const all = l.review.labels.all || { n: 0, random: 0 };
    const last = l.last_retrain;
    cards($("loop-cards"), [
      ["reviews waiting", l.review.pending],
      ["labels gathered", all.n],
      ["of them drawn at random", all.random],
      ["last retrain", last ? `${last.state}${last.gate ? `, gate ${last.gate}` : ""}` : "none yet"],
    ]);
    $("loop-waiting").textContent = l.waiting
      ? `A retrain (${l.waiting.trigger}) waits for labels: ${l.waiting.labels} of ${l.waiting.needed}.`
      : l.loop.configured ? `Retrains start on the alerts ${l.loop.trigger_alerts.join(", ")}${l.loop.every_hours ? ` and every ${l.loop.every_hours} h` : ""}; promotion ${l.loop.auto_promote ? "is automatic when the experiment decides to ship" : "is a person's decision"}.` : "No base data configured (loop.baseData): alerts start no retrain.";
    const interval = (q) => (q.estimate === null ? "–" : `${num(q.estimate)} (${num(q.low)}–${num(q.high)}, n ${q.n})`);
    rows($("loop-quality"), ["language", "precision", "recall", "share that should be flagged"],
      Object.entries(l.sampled_quality).map(([lang, q]) => [[lang], [interval(q.precision), "n"], [interval(q.recall), "n"], [interval(q.prevalence), "n"]]));
    rows($("loop-labels"), ["language", "labels", "random", "flagged", "near a threshold", "arms disagreed"],
      Object.entries(l.review.labels).map(([lang, c]) => [[lang], [c.n, "n"], [c.random, "n"], [c.flagged, "n"], [c.uncertain, "n"], [c.disagreement, "n"]]));
    const x = last && last.experiment_status;
    $("loop-last").textContent = last ? `Last: ${last.message}${x ? ` Experiment: ${x.decision}. ${x.summary}` : ""}` : "No retrain yet.";
    rows($("loop-retrains"), ["#", "trigger", "state", "started", "candidate", "gate", "experiment"],
      l.retrains.map((r) => [[r.id, "n"], [r.trigger], [r.state], [r.started_at], [r.candidate || "–"], [r.gate || "–"], [r.experiment || "–"]]));
  }

  async function experiments() {
    const host = $("experiment-list");
    host.textContent = "";
    if (!token()) return host.append(el("p", "Enter the admin token to see experiments."));
    const { experiments } = await get("/v1/admin/experiments", true);
    if (!experiments.length) host.append(el("p", "No experiment yet: start one with warden experiment start."));
    for (const x of experiments) {
      host.append(el("h2", `${x.name} (${x.mode}, ${x.state})`), el("p", `${x.decision}: ${x.summary}`, "decision"));
      const arms = el("div", undefined, "arms");
      for (const a of x.arms || []) {
        const c = el("div", undefined, "card");
        c.append(el("b", `${a.arm}: ${a.model}`), el("div", `${a.requests} requests · flagged ${pct(a.flagged_rate)} · p99 ${num(a.latency_p99_ms, 2)} ms`), el("div", `feedback ${a.feedback.n}: precision ${num(a.feedback.precision)}, recall ${num(a.feedback.recall)}`));
        arms.append(c);
      }
      host.append(arms);
      if (x.differences) {
        const p = x.differences.precision;
        host.append(el("p", `precision difference ${num(p.value)} (always-valid interval ${p.interval ? `${num(p.interval[0])} to ${num(p.interval[1])}` : "not yet"}); split check p = ${num(x.srm_p, 4)}`, "note"));
      }
    }
  }

  async function models() {
    const table = $("model-list");
    table.textContent = "";
    if (!token()) return table.append(el("caption", "Enter the admin token to see the registry."));
    const { models } = await get("/v1/admin/models", true);
    const head = el("tr");
    for (const h of ["", "version", "registered", "gate", "parent", "card"]) head.append(el("th", h));
    table.append(head);
    for (const m of models) {
      const lineage = (m.meta && m.meta.lineage) || {};
      const tr = el("tr");
      const a = el("a", "model card");
      a.href = `/v1/models/${encodeURIComponent(m.version)}/card`;
      const card = el("td");
      card.append(a);
      tr.append(el("td", m.champion ? "champion" : ""), el("td", m.version), el("td", new Date(m.createdAt).toISOString()), el("td", lineage.gate ? (lineage.gate.passed ? "passed" : "failed") : "–"), el("td", lineage.parent || "–"), card);
      table.append(tr);
    }
  }

  const views = { overview, quality, drift, review, loop, experiments, models };
  async function refresh() {
    try {
      await header();
      await views[tab]();
    } catch (err) {
      console.warn(String(err));
    }
  }
  document.querySelectorAll("nav button").forEach((b) =>
    b.addEventListener("click", () => {
      tab = b.dataset.tab;
      document.querySelectorAll("nav button").forEach((x) => x.classList.toggle("active", x === b));
      document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === tab));
      void refresh();
    }),
  );
  void refresh();
  setInterval(refresh, REFRESH_MS);
})();
