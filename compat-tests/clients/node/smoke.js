// Smoke test of the Node mysql2 driver against a starload FE.
//
//   node smoke.js [--host 127.0.0.1] [--port 9030]
//
// Connects as root (mysql2's handshake), runs text-protocol queries (DDL, INSERT, a group-by
// SELECT) and prepared statements through `execute` (COM_STMT_PREPARE / EXECUTE with bound
// parameters of several types), then drops its database. Prints `ok   mysql2` or `FAIL mysql2: why`.
'use strict';
const mysql = require('mysql2/promise');
const crypto = require('crypto');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

async function run(host, port, db) {
  const conn = await mysql.createConnection({ host, port, user: 'root', password: '' });
  try {
    const [[v]] = await conn.query('SELECT VERSION() AS v');
    check(String(v.v).startsWith('8.0.33'), `VERSION(): ${v.v}`);
    await conn.query(`CREATE DATABASE ${db}`);
    try {
      await conn.query(`CREATE TABLE ${db}.orders (
          order_id bigint NOT NULL, pay_dt date NOT NULL, nationality varchar(26) NULL, price double NULL)
        DUPLICATE KEY (order_id, pay_dt) DISTRIBUTED BY HASH(order_id)`);
      const [ins] = await conn.query(`INSERT INTO ${db}.orders VALUES
          (1, '2024-01-01', 'fr', 10.5), (2, '2024-01-02', 'de', 20.0), (3, '2024-01-02', 'fr', 4.5)`);
      check(ins.affectedRows === 3, `INSERT affectedRows: ${ins.affectedRows}`);
      const [rows, fields] = await conn.query(
        `SELECT nationality, count(*) AS n, sum(price) AS total FROM ${db}.orders GROUP BY nationality ORDER BY nationality`);
      check(JSON.stringify(fields.map((f) => f.name)) === '["nationality","n","total"]', `fields: ${fields.map((f) => f.name)}`);
      const got = rows.map((r) => [r.nationality, Number(r.n), Number(r.total)]);
      check(JSON.stringify(got) === '[["de",1,20],["fr",2,15]]', `query rows: ${JSON.stringify(got)}`);

      // Prepared statements: integer, string and date parameters; the same statement twice.
      const sel = `SELECT order_id, price FROM ${db}.orders WHERE order_id >= ? AND nationality = ? AND pay_dt <= ? ORDER BY order_id`;
      const [p1] = await conn.execute(sel, [1, 'fr', '2024-01-31']);
      check(JSON.stringify(p1.map((r) => [Number(r.order_id), r.price])) === '[[1,10.5],[3,4.5]]', `execute rows: ${JSON.stringify(p1)}`);
      const [p2] = await conn.execute(sel, [2, 'de', '2024-01-31']);
      check(JSON.stringify(p2.map((r) => [Number(r.order_id), r.price])) === '[[2,20]]', `execute again: ${JSON.stringify(p2)}`);
      const [p3] = await conn.execute('SELECT ? + 1 AS x, ? AS s', [41, 'hi']);
      check(Number(p3[0].x) === 42 && p3[0].s === 'hi', `execute expressions: ${JSON.stringify(p3)}`);
      const [pi] = await conn.execute(`INSERT INTO ${db}.orders VALUES (?, ?, ?, ?)`, [4, '2024-02-01', 'it', 1.25]);
      check(pi.affectedRows === 1, `execute INSERT affectedRows: ${pi.affectedRows}`);
      const [[c]] = await conn.execute(`SELECT count(*) AS c FROM ${db}.orders WHERE nationality = ?`, ['it']);
      check(Number(c.c) === 1, `count after execute INSERT: ${c.c}`);
      // A server error through execute keeps StarRocks's errno.
      let errno = null;
      try {
        await conn.execute(`SELECT * FROM ${db}.no_such_table WHERE order_id = ?`, [1]);
      } catch (e) {
        errno = e.errno;
      }
      check(errno !== null, 'execute on a missing table must fail');
      const [[one]] = await conn.query('SELECT 1 AS one');
      check(Number(one.one) === 1, 'connection usable after an error');
    } finally {
      await conn.query(`DROP DATABASE ${db}`);
    }
  } finally {
    await conn.end();
  }
}

const host = arg('--host', '127.0.0.1');
const port = Number(arg('--port', '9030'));
const db = `smoke_mysql2_${crypto.randomBytes(6).toString('hex')}`;
run(host, port, db).then(
  () => { console.log('ok   mysql2'); process.exit(0); },
  (e) => { console.log(`FAIL mysql2: ${e.message}`); process.exit(1); },
);
