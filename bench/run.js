// npm run bench: loads four servers in one run, on loopback, with the same signed POST /voice:
//   (a) bare node:http, (b) bare Express 5, (c) Twilio's quickstart shape, (d) this app as built for production,
// and prints req/s, p50/p99 latency and errors, each as a ratio to (b) and (c); then cold start and RSS.
// (e) is this app again on a route whose TwiML is built per request and so passes the egress policy per
// response (/twiml/forward); with an in-process timing of the policy check itself, it shows what the check costs.
// (d) keeps every call in its store, an SQLite file (the default); (f) is the same app with a stand-in store that
// keeps nothing, and (g) the same app on PostgreSQL (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local
// server on 127.0.0.1:5432 when one answers; a schema of its own, dropped afterwards): what the store costs.
// Settings: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (50). Writes bench/results.json.
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { AUTH_TOKEN, CALL_PARAMS, freePort, startProcess, waitFor, rssBytes, signedForm, stop } = require('./lib');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

const ALL_TARGETS = [
  { id: 'a', name: 'bare node:http', args: ['bench/targets/bare-http.js'] },
  { id: 'b', name: 'bare Express 5', args: ['bench/targets/bare-express.js'] },
  { id: 'c', name: 'Twilio quickstart shape', args: ['bench/targets/twilio-quickstart.js'] },
  { id: 'd', name: 'twiml-server (production, store on: SQLite)', args: ['dist/src/server.js'], ours: true },
  {
    id: 'e',
    name: 'twiml-server, dynamic TwiML (egress check per response)',
    args: ['dist/src/server.js'],
    ours: true,
    path: '/twiml/forward?PhoneNumber=%2B15557654321&CallerId=%2B15550006666',
  },
  { id: 'f', name: 'twiml-server, store off (stand-in that keeps nothing)', args: ['bench/targets/store-off.js'], ours: true },
  { id: 'g', name: 'twiml-server, store on: PostgreSQL', args: ['dist/src/server.js'], ours: true, postgres: true },
];
// BENCH_TARGETS=b,d measures a subset (for quick comparisons while working); ratios need b and c.
const TARGETS = process.env.BENCH_TARGETS
  ? ALL_TARGETS.filter((t) => process.env.BENCH_TARGETS.split(',').includes(t.id))
  : ALL_TARGETS;

/** A fresh SQLite file per target, outside the repository. */
const benchDir = mkdtempSync(path.join(os.tmpdir(), 'twiml-bench-'));

/** A PostgreSQL URL for (g) in a schema of its own, or undefined when no server answers. */
async function postgresTarget() {
  const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const { Client } = require('pg');
  const schema = `bench_${process.pid}`;
  const client = new Client({ connectionString: base, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query(`create schema if not exists ${schema}`);
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const drop = async () => {
    const c = new Client({ connectionString: base });
    await c.connect();
    await c.query(`drop schema ${schema} cascade`);
    await c.end();
  };
  return { url, drop };
}

function envFor(port, origin, databaseUrl = `sqlite:${path.join(benchDir, `${port}.db`)}`) {
  return {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    NODE_ENV: 'production',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    PUBLIC_BASE_URL: origin,
    OUTBOUND_ALLOWLIST: '+1555*',
  };
}

function load(origin, request, duration) {
  return autocannon({
    url: origin,
    connections: CONNECTIONS,
    duration,
    requests: [request],
  });
}

async function measure(target, databaseUrl) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const request = signedForm(origin, target.path ?? '/voice', CALL_PARAMS);
  const child = startProcess(target.args, envFor(port, origin, databaseUrl));
  try {
    await waitFor(async () => {
      const res = await fetch(origin + request.path, { method: 'POST', headers: request.headers, body: request.body });
      return res.status === 200;
    });
    if (WARMUP > 0) await load(origin, request, WARMUP);
    const result = await load(origin, request, SECONDS);
    return {
      id: target.id,
      name: target.name,
      reqPerSec: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      requests: result.requests.total,
      rssMb: Math.round(rssBytes(child.pid) / 1e5) / 10,
    };
  } finally {
    await stop(child);
  }
}

/** Spawn to first 200 on /healthz, median of five starts. */
async function coldStart() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const started = Date.now();
    const child = startProcess(['dist/src/server.js'], envFor(port, origin, `sqlite:${path.join(benchDir, `cold-${i}.db`)}`));
    await waitFor(async () => (await fetch(`${origin}/healthz`)).status === 200);
    times.push(Date.now() - started);
    await stop(child);
  }
  times.sort((x, y) => x - y);
  return { medianMs: times[2], allMs: times };
}

const ratio = (x, y) => (y ? Math.round((x / y) * 100) / 100 : null);

/** The egress check alone, in process on the production build: microseconds per document, median of 5 runs. */
function egressCheckCost() {
  const { loadConfig } = require('../dist/src/config');
  const { egressPolicyFromConfig } = require('../dist/src/policy/fromConfig');
  const { dialTwimlet } = require('../dist/views/twimlets');
  const origin = 'https://voice.example.com';
  const policy = egressPolicyFromConfig(loadConfig({ OUTBOUND_ALLOWLIST: '+1555*', PUBLIC_BASE_URL: origin }));
  const doc = dialTwimlet({
    targets: [{ number: '+15557654321' }],
    timeout: 20,
    callerId: '+15550006666',
    actionUrl: `${origin}/twiml/forward?Dial=true`,
    say: {},
  });
  const perDoc = [];
  for (let run = 0; run < 5; run++) {
    const n = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (policy.check(doc, origin)) throw new Error('the bench document was refused');
    perDoc.push(Number(process.hrtime.bigint() - started) / 1e3 / n);
  }
  perDoc.sort((x, y) => x - y);
  return { microsecondsPerCheck: Math.round(perDoc[2] * 10) / 10, bytes: doc.length };
}

async function main() {
  console.log(`bench: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s per target, signed POST /voice\n`);
  const rows = [];
  for (const target of TARGETS) {
    if (target.postgres) {
      const pg = await postgresTarget();
      if (!pg) {
        process.stdout.write(`  SKIP (${target.id}) ${target.name}: no PostgreSQL answers\n`);
        continue;
      }
      process.stdout.write(`  measuring (${target.id}) ${target.name}…\n`);
      rows.push(await measure(target, pg.url).finally(pg.drop));
      continue;
    }
    process.stdout.write(`  measuring (${target.id}) ${target.name}…\n`);
    rows.push(await measure(target));
  }
  const bare = rows.find((r) => r.id === 'b');
  const quick = rows.find((r) => r.id === 'c');
  for (const row of rows) {
    row.vsExpress = ratio(row.reqPerSec, bare?.reqPerSec);
    row.vsQuickstart = ratio(row.reqPerSec, quick?.reqPerSec);
  }
  if (!rows.some((r) => r.id === 'd')) {
    console.table(rows);
    return;
  }
  const cold = await coldStart();
  const egress = egressCheckCost();

  console.log('');
  console.table(
    Object.fromEntries(
      rows.map((r) => [
        `(${r.id}) ${r.name}`,
        { 'req/s': r.reqPerSec, 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms, errors: r.errors, '×express': r.vsExpress, '×quickstart': r.vsQuickstart, 'RSS MB': r.rssMb },
      ]),
    ),
  );
  const ours = rows.find((r) => r.id === 'd');
  const checks = [
    [`/voice ≥ 1.5× quickstart req/s`, ours.vsQuickstart >= 1.5, `${ours.vsQuickstart}×`],
    [`/voice ≥ 0.7× bare Express req/s`, ours.vsExpress >= 0.7, `${ours.vsExpress}×`],
    ['p99 ≤ 25 ms (store on, SQLite)', ours.p99Ms <= 25, `${ours.p99Ms} ms`],
    ['0 errors', ours.errors === 0, String(ours.errors)],
    ['cold start < 1 s', cold.medianMs < 1000, `${cold.medianMs} ms (median of ${cold.allMs.join(', ')})`],
  ];
  console.log(`cold start (spawn → first 200 on /healthz): ${cold.medianMs} ms median`);
  const dynamic = rows.find((r) => r.id === 'e');
  if (dynamic) {
    const perRequestUs = 1e6 / dynamic.reqPerSec;
    console.log(
      `egress check: ${egress.microsecondsPerCheck} µs per ${egress.bytes}-byte document in process; ` +
        `(e) serves one request per ${Math.round(perRequestUs)} µs of wall time on ${os.cpus().length} cores ` +
        `(${ratio(dynamic.reqPerSec, ours.reqPerSec)}× the static /voice)`,
    );
  }
  const off = rows.find((r) => r.id === 'f');
  const pgRow = rows.find((r) => r.id === 'g');
  if (off) {
    console.log(
      `store: SQLite ${ours.reqPerSec} req/s, p99 ${ours.p99Ms} ms (${ratio(ours.reqPerSec, off.reqPerSec)}× store off)` +
        (pgRow ? `; PostgreSQL ${pgRow.reqPerSec} req/s, p99 ${pgRow.p99Ms} ms (${ratio(pgRow.reqPerSec, off.reqPerSec)}×)` : '') +
        `; store off ${off.reqPerSec} req/s, p99 ${off.p99Ms} ms`,
    );
  }
  console.log('');
  for (const [name, ok, value] of checks) console.log(`  ${ok ? '✓' : '✗'} ${name}: ${value}`);

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 1e9), node: process.version },
    settings: { seconds: SECONDS, warmupSeconds: WARMUP, connections: CONNECTIONS },
    targets: rows,
    coldStart: cold,
    egressCheck: egress,
    checks: checks.map(([name, ok, value]) => ({ name, ok, value })),
  };
  writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  rmSync(benchDir, { recursive: true, force: true });
  console.log('\nwritten: bench/results.json');
  if (process.env.BENCH_STRICT === '1' && checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
