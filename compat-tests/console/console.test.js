// Browser test of the FE web console (/console), issue 18: real chromium (Debian's, headless),
// real FE and BEs, the seed's jobs loading from a real broker (run.sh sets them up).
//
//   node console.test.js --host 127.0.0.1 --port 9030 --http-port 8030 --out DIR
//
// Checks: denied without login (401 + Basic challenge, also with a wrong password); root logs
// in and sees the seed jobs; a job page shows lag charts with points; PAUSE in the page makes
// SHOW ROUTINE LOAD (MySQL protocol, mysql2) say PAUSED, RESUME takes it back; a user holding
// INSERT on one table sees only that job; a user without privileges sees no job, is refused
// PAUSE (ERR 5203) and the cluster page's SHOW statements. One screenshot per page goes to
// DIR/console-screenshots; page timings (first contentful paint, DOMContentLoaded) are printed
// and the median first paint must stay under 200 ms.
// Prints one `ok`/`FAIL` line per check and `N passed, N failed`; exits 1 on any failure.
'use strict';
const { chromium } = require('playwright-core');
const mysql = require('mysql2/promise');
const fs = require('fs');
const path = require('path');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const host = arg('--host', '127.0.0.1');
const port = Number(arg('--port', '9030'));
const httpPort = Number(arg('--http-port', String(port - 1000)));
const outDir = arg('--out', '/tmp');
const base = `http://${host}:${httpPort}`;
const shots = path.join(outDir, 'console-screenshots');
const JOB1 = 'example_tbl1_ordertest1';
const JOB2 = 'example_tbl2_ordertest2';
const FIRST_PAINT_BUDGET_MS = 200;

let passed = 0;
let failed = 0;
const timings = [];

async function check(name, fn) {
  try {
    const detail = await fn();
    console.log(`ok   ${name}${detail ? ': ' + detail : ''}`);
    passed++;
  } catch (e) {
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
    failed++;
  }
}

function assert(cond, what) {
  if (!cond) throw new Error(what);
}

// Polls `fn` until it returns a truthy value or `ms` pass (never a fixed sleep).
async function until(what, fn, ms = 60000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last && last.message ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function basic(user, pass) {
  return 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
}

async function httpGet(url, auth, method = 'GET', headers = {}) {
  const h = { ...headers };
  if (auth) h.Authorization = auth;
  const r = await fetch(base + url, { method, headers: h });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (_) { /* HTML */ }
  return { status: r.status, headers: r.headers, text, json };
}

async function showState(conn, job) {
  const [rows] = await conn.query(`SHOW ROUTINE LOAD FOR example_db.${job}`);
  return rows.length ? rows[0].State : null;
}

// Loads `url` `n` times in `page` and keeps the navigation and paint timings.
async function measure(page, name, url, n = 5) {
  const runs = [];
  for (let i = 0; i < n; i++) {
    await page.goto(base + url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.rendered);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const rendered = Number(document.body.dataset.rendered) - performance.timeOrigin;
      return {
        ttfb: nav.responseStart,
        fcp: fcp ? fcp.startTime : null,
        dcl: nav.domContentLoadedEventEnd,
        load: nav.loadEventEnd,
        rendered,
        bytes: nav.transferSize || nav.encodedBodySize,
      };
    });
    runs.push(t);
  }
  const med = (k) => {
    const v = runs.map((r) => r[k]).filter((x) => x !== null).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)] : null;
  };
  const max = (k) => Math.max(...runs.map((r) => r[k] || 0));
  const t = { page: name, runs: n, ttfb: med('ttfb'), fcp: med('fcp'), fcp_max: max('fcp'), dcl: med('dcl'), rendered: med('rendered'), load: med('load'), html_bytes: med('bytes') };
  timings.push(t);
  return t;
}

function fmtTiming(t) {
  const f = (v) => (v === null ? '-' : v.toFixed(1));
  return `${t.page}: median of ${t.runs} loads: TTFB ${f(t.ttfb)} ms, first contentful paint ${f(t.fcp)} ms (max ${f(t.fcp_max)}), DOMContentLoaded ${f(t.dcl)} ms, data rendered ${f(t.rendered)} ms, load ${f(t.load)} ms`;
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const conn = await mysql.createConnection({ host, port, user: 'root', password: '' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-default-apps', '--no-first-run', '--disable-domain-reliability'],
  });
  try {
    // Accounts: one that may load into example_tbl1 only, one with no privilege at all.
    for (const u of ['console_op', 'console_nopriv']) {
      await conn.query(`DROP USER IF EXISTS '${u}'@'%'`);
    }
    await conn.query(`CREATE USER 'console_op'@'%' IDENTIFIED BY 'op-pass'`);
    await conn.query(`GRANT INSERT, SELECT ON TABLE example_db.example_tbl1 TO USER 'console_op'@'%'`);
    await conn.query(`CREATE USER 'console_nopriv'@'%' IDENTIFIED BY 'np-pass'`);

    const [[j1]] = await conn.query(`SHOW ROUTINE LOAD FOR example_db.${JOB1}`);
    const job1 = Number(j1.Id);

    await check('denied without login', async () => {
      for (const url of ['/console', '/console/cluster', `/console/jobs/${job1}`, '/console/api/jobs', `/console/api/jobs/${job1}`, '/console/api/cluster']) {
        const r = await httpGet(url);
        assert(r.status === 401, `${url}: HTTP ${r.status}`);
        assert(/^Basic realm=/.test(r.headers.get('www-authenticate') || ''), `${url}: no Basic challenge`);
        assert(!r.text.includes(JOB1), `${url}: job name in the 401 body`);
      }
      const p = await httpGet(`/console/api/jobs/${job1}/pause`, null, 'POST', { 'X-Starload-Console': '1' });
      assert(p.status === 401, `POST pause: HTTP ${p.status}`);
      const bad = await httpGet('/console/api/jobs', basic('root', 'wrong'));
      assert(bad.status === 401 && bad.json && bad.json.errno === 1045, `wrong password: ${bad.status} ${bad.text}`);
      assert(bad.json.message === "Access denied for user 'root' (using password: YES)", bad.json.message);
      return '401 with a Basic challenge on every page and API call; a wrong password gets 1045';
    });

    const ctx = await browser.newContext({ httpCredentials: { username: 'root', password: '' }, viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const offline = [];
    page.on('request', (req) => { if (!req.url().startsWith(base)) offline.push(req.url()); });

    await check('login and see the seed jobs', async () => {
      await page.goto(base + '/console');
      await page.waitForSelector(`tr[data-job-name="${JOB1}"]`);
      await page.waitForSelector(`tr[data-job-name="${JOB2}"]`);
      const user = await page.textContent('#user');
      assert(user === "'root'@'%'", `user shown: ${user}`);
      return `jobs ${JOB1} and ${JOB2} listed for ${user}`;
    });

    await check('jobs load and the FE keeps lag samples', async () => {
      const n1 = await until('rows in example_tbl1', async () => {
        const [[r]] = await conn.query('SELECT count(*) AS n FROM example_db.example_tbl1');
        return Number(r.n) > 0 && Number(r.n);
      });
      const pts = await until('lag samples', async () => {
        const r = await httpGet(`/console/api/jobs/${job1}`, basic('root', ''));
        return r.json && r.json.lag.points > 0 && r.json.lag.points;
      });
      return `${n1} rows in example_tbl1, ${pts} lag samples`;
    });

    await check('jobs page screenshot', async () => {
      await page.goto(base + '/console');
      await page.waitForSelector(`tr[data-job-name="${JOB1}"] .state`);
      await page.screenshot({ path: path.join(shots, '1-jobs.png'), fullPage: true });
      return path.join(shots, '1-jobs.png');
    });

    await check('open a job: lag chart with points', async () => {
      await page.click(`tr[data-job-name="${JOB1}"] a`);
      await page.waitForURL(`**/console/jobs/${job1}`);
      await page.waitForSelector('#chart-offset-lag canvas');
      const points = Number(await page.getAttribute('#chart-offset-lag', 'data-points'));
      assert(points > 0, `offset lag chart has ${points} points`);
      const tpoints = Number(await page.getAttribute('#chart-time-lag', 'data-points'));
      const parts = await page.locator('#partitions tbody tr').count();
      assert(parts === 5, `${parts} partition rows`);
      await page.screenshot({ path: path.join(shots, '2-job.png'), fullPage: true });
      return `offset-lag chart ${points} points, time-lag chart ${tpoints} points, ${parts} partitions`;
    });

    await check('PAUSE in the page: SHOW ROUTINE LOAD says PAUSED', async () => {
      await page.click('button[data-op="pause"]');
      await page.waitForSelector('h1 .state[data-state="PAUSED"]');
      const st = await until('PAUSED in SHOW', async () => (await showState(conn, JOB1)) === 'PAUSED' && 'PAUSED');
      const [[row]] = await conn.query(`SHOW ROUTINE LOAD FOR example_db.${JOB1}`);
      assert(row.ReasonOfStateChanged.includes('User root pauses routine load job'), row.ReasonOfStateChanged);
      await page.waitForSelector('.reason .advice');
      await page.screenshot({ path: path.join(shots, '3-job-paused.png'), fullPage: true });
      return `${st}; ReasonOfStateChanged: ${row.ReasonOfStateChanged}`;
    });

    await check('RESUME in the page', async () => {
      await page.click('button[data-op="resume"]');
      const st = await until('not PAUSED in SHOW', async () => {
        const s = await showState(conn, JOB1);
        return (s === 'NEED_SCHEDULE' || s === 'RUNNING') && s;
      });
      return st;
    });

    await check('cluster page', async () => {
      await page.goto(base + '/console/cluster');
      await page.waitForSelector('#backends tbody tr');
      const bes = await page.locator('#backends tbody tr').count();
      const fes = await page.locator('#frontends tbody tr').count();
      const [rows] = await conn.query('SHOW BACKENDS');
      assert(bes === rows.length && bes > 0, `${bes} backend rows, SHOW BACKENDS has ${rows.length}`);
      await page.screenshot({ path: path.join(shots, '4-cluster.png'), fullPage: true });
      return `${fes} frontend(s), ${bes} backends`;
    });

    await check('pages use no network beyond the FE', async () => {
      assert(offline.length === 0, `requests elsewhere: ${offline.join(', ')}`);
      return 'every request went to the FE';
    });

    await check('page timings (first paint under 200 ms)', async () => {
      const ts = [await measure(page, 'jobs', '/console'), await measure(page, 'job', `/console/jobs/${job1}`), await measure(page, 'cluster', '/console/cluster')];
      for (const t of ts) console.log('     ' + fmtTiming(t));
      for (const t of ts) assert(t.fcp !== null && t.fcp < FIRST_PAINT_BUDGET_MS, `${t.page}: first paint ${t.fcp} ms`);
      fs.writeFileSync(path.join(shots, 'timings.json'), JSON.stringify(timings, null, 2));
      return ts.map((t) => `${t.page} ${t.fcp.toFixed(0)} ms`).join(', ');
    });
    await ctx.close();

    await check('a user with INSERT on one table sees and operates only that job', async () => {
      const c = await browser.newContext({ httpCredentials: { username: 'console_op', password: 'op-pass' } });
      const p = await c.newPage();
      await p.goto(base + '/console');
      await p.waitForSelector(`tr[data-job-name="${JOB1}"]`);
      assert(await p.locator(`tr[data-job-name="${JOB2}"]`).count() === 0, `${JOB2} visible`);
      assert(await p.locator(`tr[data-job-name="${JOB1}"] button[data-op="pause"]`).count() === 1, 'no PAUSE button');
      await p.screenshot({ path: path.join(shots, '5-jobs-console_op.png'), fullPage: true });
      await c.close();
      return `${JOB1} only, with PAUSE`;
    });

    await check('denied without privilege', async () => {
      const auth = basic('console_nopriv', 'np-pass');
      const jobs = await httpGet('/console/api/jobs', auth);
      assert(jobs.status === 200 && jobs.json.jobs.length === 0, `jobs: ${jobs.text}`);
      const job = await httpGet(`/console/api/jobs/${job1}`, auth);
      assert(job.status === 404 && !job.text.includes('example_tbl1'), `job page: ${job.status} ${job.text}`);
      const p = await httpGet(`/console/api/jobs/${job1}/pause`, auth, 'POST', { 'X-Starload-Console': '1' });
      assert(p.status === 403 && p.json.errno === 5203, `pause: ${p.status} ${p.text}`);
      assert(p.json.message.startsWith('Access denied; you need (at least one of) the INSERT privilege(s) on TABLE example_tbl1'), p.json.message);
      const st = await showState(conn, JOB1);
      assert(st !== 'PAUSED', `job state ${st}`);
      const noHeader = await httpGet(`/console/api/jobs/${job1}/pause`, basic('root', ''), 'POST');
      assert(noHeader.status === 403, `root POST without X-Starload-Console: ${noHeader.status}`);
      const cl = await httpGet('/console/api/cluster', auth);
      assert(cl.json.backends.error && cl.json.backends.error.errno === 5203, `cluster: ${cl.text}`);
      const c = await browser.newContext({ httpCredentials: { username: 'console_nopriv', password: 'np-pass' } });
      const pg = await c.newPage();
      await pg.goto(base + '/console');
      await pg.waitForSelector('#no-jobs');
      await pg.screenshot({ path: path.join(shots, '6-jobs-nopriv.png'), fullPage: true });
      await pg.goto(base + '/console/cluster');
      await pg.waitForSelector('.error');
      await pg.screenshot({ path: path.join(shots, '7-cluster-nopriv.png'), fullPage: true });
      await c.close();
      return 'no jobs listed, job 404, PAUSE 403/5203, SHOW BACKENDS 5203, POST without the console header 403';
    });
  } finally {
    await browser.close();
    for (const u of ['console_op', 'console_nopriv']) {
      await conn.query(`DROP USER IF EXISTS '${u}'@'%'`).catch(() => {});
    }
    await conn.end();
  }
}

main()
  .catch((e) => { console.log(`FAIL console: ${e && e.stack ? e.stack : e}`); failed++; })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
