// starload console: renders the JSON a page carries inline (#console-data), then refreshes it
// from /console/api every few seconds. No other network access: uPlot is served by the FE.
"use strict";
(function () {
  const REFRESH_MS = 5000;
  const page = document.body.dataset.page;
  const main = document.getElementById("main");
  const charts = {};

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function fmtNum(v, digits) {
    if (v === null || v === undefined) return "-";
    if (typeof v !== "number") return String(v);
    return v.toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  function fmtSecs(s) {
    if (s === null || s === undefined) return "-";
    if (s < 60) return fmtNum(s, 1) + " s";
    if (s < 3600) return fmtNum(s / 60, 1) + " min";
    return fmtNum(s / 3600, 1) + " h";
  }

  function badge(state) {
    return el("span", { class: "state state-" + String(state || "").toLowerCase(), "data-state": state }, state || "?");
  }

  function errorBox(err) {
    return el("div", { class: "error", role: "alert" },
      err.errno ? `ERROR ${err.errno} (${err.sqlstate}): ` : "", err.message || String(err));
  }

  function setStatus(text, isError) {
    let s = document.getElementById("status");
    if (!s) {
      s = el("div", { id: "status", role: "status" });
      main.prepend(s);
    }
    s.className = isError ? "error" : "notice";
    s.textContent = text;
  }

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    const body = await r.json().catch(() => ({}));
    return { ok: r.ok, status: r.status, body };
  }

  async function operate(job, op) {
    const r = await fetch(`/console/api/jobs/${job.id}/${op}`, {
      method: "POST",
      headers: { "X-Starload-Console": "1", Accept: "application/json" },
    });
    const body = await r.json().catch(() => ({}));
    if (r.ok) setStatus(`${op.toUpperCase()} ${job.db}.${job.name}: ${body.state}`, false);
    else setStatus(`${op.toUpperCase()} ${job.db}.${job.name} failed: ERROR ${body.errno} (${body.sqlstate}): ${body.message}`, true);
    await refresh();
  }

  function opButtons(job) {
    if (!job.can_operate) return null;
    const state = job.state;
    const out = el("span", { class: "ops" });
    if (state === "RUNNING" || state === "NEED_SCHEDULE" || state === "UNSTABLE") {
      out.appendChild(el("button", { "data-op": "pause", onclick: () => operate(job, "pause") }, "PAUSE"));
    }
    if (state === "PAUSED") {
      out.appendChild(el("button", { "data-op": "resume", onclick: () => operate(job, "resume") }, "RESUME"));
    }
    return out;
  }

  function reasonCell(job) {
    if (!job.reason && !job.advice) return null;
    return el("div", { class: "reason" },
      job.reason ? el("div", { class: "why" }, job.reason) : null,
      job.advice ? el("div", { class: "advice" }, "What to do: ", job.advice) : null);
  }

  // ---------------------------------------------------------------- jobs page
  function renderJobs(d) {
    const rows = d.jobs.map((j) => el("tr", { "data-job-id": j.id, "data-job-name": j.name },
      el("td", {}, el("a", { href: `/console/jobs/${j.id}` }, j.name)),
      el("td", {}, `${j.db}.${j.table}`),
      el("td", {}, badge(j.state)),
      el("td", { class: "num" }, fmtNum(j.rows_per_s)),
      el("td", { class: "num" }, fmtNum(j.loaded_rows, 0)),
      el("td", { class: "num" }, fmtNum(j.error_rows, 0)),
      el("td", { class: "num" }, fmtNum(j.error_rows_per_s, 2)),
      el("td", { class: "num" }, fmtNum(j.offset_lag, 0)),
      el("td", { class: "num" }, fmtSecs(j.time_lag_s)),
      el("td", {}, reasonCell(j)),
      el("td", {}, opButtons(j))));
    const table = el("table", { id: "jobs" },
      el("thead", {}, el("tr", {},
        ["Job", "Table", "State", "Rows/s", "Loaded rows", "Error rows", "Errors/s", "Offset lag", "Time lag", "Reason", ""]
          .map((t) => el("th", {}, t)))),
      el("tbody", {}, rows));
    const body = [el("h1", {}, "Routine load jobs")];
    for (const e of d.errors || []) body.push(errorBox(e));
    body.push(d.jobs.length ? table : el("p", { class: "muted", id: "no-jobs" }, "No routine load job you may load into."));
    body.push(el("p", { class: "muted" }, "Rates over the last minute; lag from the newest task report."));
    replaceMain(body);
  }

  // ---------------------------------------------------------------- job page
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  // uPlot wants one x array: the union of every partition's sample times.
  function alignedSeries(lag, field) {
    const parts = Object.keys(lag.partitions).sort((a, b) => Number(a) - Number(b));
    const xs = Array.from(new Set(parts.flatMap((p) => lag.partitions[p].t))).sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const ys = parts.map((p) => {
      const col = new Array(xs.length).fill(null);
      const s = lag.partitions[p];
      s.t.forEach((t, i) => { col[index.get(t)] = s[field][i]; });
      return col;
    });
    return { parts, data: [xs, ...ys] };
  }

  function chart(id, title, unit, lag, field) {
    const box = el("div", { class: "chart", id, "data-points": 0 }, el("h3", {}, title));
    const { parts, data } = alignedSeries(lag, field);
    const points = data.slice(1).reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
    box.setAttribute("data-points", points);
    if (!points) {
      box.appendChild(el("p", { class: "muted" }, "No samples yet: the FE records one each time a task of the job reports."));
      return box;
    }
    if (typeof uPlot === "undefined") {
      box.appendChild(el("p", { class: "error" }, "Chart library not loaded."));
      return box;
    }
    const opts = {
      width: Math.min(900, Math.max(320, main.clientWidth - 40)),
      height: 220,
      scales: { x: { time: true } },
      series: [{}].concat(parts.map((p, i) => ({
        label: "p" + p,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        spanGaps: true,
        points: { show: true, size: 5 },
      }))),
      axes: [{}, { label: unit, size: 60 }],
    };
    charts[id] = new uPlot(opts, data, box);
    return box;
  }

  function kv(pairs) {
    return el("dl", { class: "kv" }, pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  function resultTable(res, id, columns) {
    if (!res) return null;
    if (res.error) return errorBox(res.error);
    const idx = columns ? columns.map((c) => res.columns.indexOf(c)).filter((i) => i >= 0) : res.columns.map((_, i) => i);
    return el("table", { id },
      el("thead", {}, el("tr", {}, idx.map((i) => el("th", {}, res.columns[i])))),
      el("tbody", {}, res.rows.map((r) => el("tr", {}, idx.map((i) => el("td", {}, r[i] === null ? "NULL" : r[i]))))));
  }

  // A statement this FE may not have yet: its rows, or a note with its error.
  function optionalTable(res, id, what) {
    if (!res) return null;
    if (res.error) return el("p", { class: "muted", id }, `${what} is not available here: ${res.error.message}`);
    return resultTable(res, id);
  }

  function renderJob(d) {
    if (d.error) {
      replaceMain([el("h1", {}, "Job not available"), errorBox(d.error)]);
      return;
    }
    const lag = d.lag;
    const parts = Object.keys(lag.partitions).sort((a, b) => Number(a) - Number(b));
    const partRows = parts.map((p) => {
      const s = lag.partitions[p];
      const n = s.t.length;
      return el("tr", {},
        el("td", {}, p),
        el("td", { class: "num" }, fmtNum(s.committed_offset, 0)),
        el("td", { class: "num" }, fmtNum(s.high_watermark, 0)),
        el("td", { class: "num" }, s.last_stable_offset === null ? "-" : fmtNum(s.last_stable_offset, 0)),
        el("td", { class: "num" }, fmtNum(n ? s.offset_lag[n - 1] : null, 0)),
        el("td", { class: "num" }, fmtSecs(n ? s.time_lag_s[n - 1] : null)),
        el("td", { class: "num" }, n));
    });
    const ledger = d.ledger.txns.map((t) => el("tr", {},
      el("td", {}, t.txn_id), el("td", {}, t.label), el("td", {}, t.status),
      el("td", {}, t.commit_time || "-"),
      el("td", {}, t.versions.map((v) => `${v[0]}:v${v[1]}`).join(" ")),
      el("td", {}, t.reason || "")));
    const rej = d.rejected;
    Object.values(charts).forEach((c) => c.destroy());
    for (const k of Object.keys(charts)) delete charts[k];
    replaceMain([
      el("h1", {}, `Job ${d.db}.${d.name} `, badge(d.state), " ", opButtons(d)),
      reasonCell(d),
      kv([
        ["Table", `${d.db}.${d.table}`],
        ["Rows/s (1 min)", fmtNum(d.rows_per_s)],
        ["Loaded rows", fmtNum(d.loaded_rows, 0)],
        ["Error rows", fmtNum(d.error_rows, 0)],
        ["Offset lag", fmtNum(d.offset_lag, 0)],
        ["Time lag", fmtSecs(d.time_lag_s)],
        ["History", `last ${fmtSecs(lag.horizon_s)} at ${lag.resolution_s} s resolution, ${lag.points} samples (in memory)`],
        ["Retention horizon", d.retention.available ? d.retention.value : d.retention.note],
      ]),
      el("h2", {}, "Lag per partition"),
      chart("chart-offset-lag", "Offset lag (messages behind the high watermark)", "messages", lag, "offset_lag"),
      chart("chart-time-lag", "Time lag (seconds behind; upper bound from the last loaded message)", "seconds", lag, "time_lag_s"),
      el("table", { id: "partitions" },
        el("thead", {}, el("tr", {}, ["Partition", "Committed offset", "High watermark", "Last stable offset", "Offset lag", "Time lag", "Samples"].map((t) => el("th", {}, t)))),
        el("tbody", {}, partRows)),
      el("h2", {}, "Lag now (SHOW ROUTINE LOAD LAG)"),
      optionalTable(d.lag_now, "lag-now", "SHOW ROUTINE LOAD LAG"),
      el("h2", {}, "Tasks"),
      resultTable(d.tasks, "tasks", ["TaskId", "TxnId", "TxnStatus", "JobId", "CreateTime", "LastScheduledTime", "ExecuteStartTime", "Timeout", "BeId", "DataSourceProperties", "Message"]),
      el("h2", {}, "Transactions (offset ledger)"),
      d.offset_ledger && !d.offset_ledger.error ? resultTable(d.offset_ledger, "ledger") : [
        el("p", { class: "muted" }, d.ledger.note),
        el("table", { id: "ledger" },
          el("thead", {}, el("tr", {}, ["Txn", "Label", "Status", "Committed", "Versions", "Reason"].map((t) => el("th", {}, t)))),
          el("tbody", {}, ledger))],
      el("h2", {}, "Rejected rows"),
      d.rejected_ledger && !d.rejected_ledger.error ? resultTable(d.rejected_ledger, "rejected-ledger") : null,
      rej.error ? errorBox(rej.error)
        : rej.lines.length ? el("pre", { id: "rejected" }, rej.lines.join("\n") + (rej.truncated ? "\n..." : ""))
        : el("p", { class: "muted", id: "rejected" }, "No rejected rows recorded."),
      rej.tracking_sql ? el("p", { class: "muted" }, "From: ", el("code", {}, rej.tracking_sql)) : null,
    ]);
  }

  // ---------------------------------------------------------------- cluster page
  function renderCluster(d) {
    replaceMain([
      el("h1", {}, "Cluster"),
      kv([["Console version", d.version]]),
      el("h2", {}, "Frontends"),
      resultTable(d.frontends, "frontends", ["Name", "IP", "EditLogPort", "HttpPort", "QueryPort", "RpcPort", "Role", "IsMaster", "Alive", "LastHeartbeat", "Version", "ErrMsg", "StartTime"]),
      el("h2", {}, "Backends"),
      resultTable(d.backends, "backends", ["BackendId", "IP", "HeartbeatPort", "BePort", "HttpPort", "LastStartTime", "LastHeartbeat", "Alive", "TabletNum", "ErrMsg", "Version", "NumRunningQueries", "CpuCores"]),
    ]);
  }

  function replaceMain(children) {
    const status = document.getElementById("status");
    main.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
    if (status) main.prepend(status);
  }

  function render(d) {
    if (page === "jobs") renderJobs(d);
    else if (page === "job") renderJob(d);
    else if (page === "cluster") renderCluster(d);
    document.body.dataset.rendered = String(Date.now());
  }

  function apiUrl() {
    if (page === "jobs") return "/console/api/jobs";
    if (page === "cluster") return "/console/api/cluster";
    const m = location.pathname.match(/\/console\/jobs\/(\d+)/);
    return m ? `/console/api/jobs/${m[1]}` : null;
  }

  async function refresh() {
    const url = apiUrl();
    if (!url) return;
    try {
      const r = await getJson(url);
      if (r.ok) render(r.body);
      else if (page === "job") render({ error: r.body });
    } catch (e) {
      setStatus("Refresh failed: " + e, true);
    }
  }

  const inline = document.getElementById("console-data");
  render(JSON.parse(inline.textContent));
  setInterval(refresh, REFRESH_MS);
})();
