// npm run bench:profile — runs this app under --cpu-prof with the benchmark's load, then prints where the
// CPU went: self time by function and by package (bench/profile/ keeps the .cpuprofile for DevTools).
'use strict';
const { mkdirSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const path = require('node:path');
const autocannon = require('autocannon');
const { AUTH_TOKEN, CALL_PARAMS, freePort, startProcess, waitFor, signedForm, stop } = require('./lib');

const DIR = path.join(__dirname, 'profile');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

function summarise(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  const byPackage = new Map();
  const dt = profile.timeDeltas;
  const ids = profile.samples;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    const node = nodes.get(ids[i]);
    const t = dt[i] ?? 0;
    total += t;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + t);
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/dist/') ? 'twiml-server' : url.startsWith('node:') ? 'node core' : functionName.startsWith('(') ? functionName : 'node core');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t);
  }
  const pct = (t) => `${((t / total) * 100).toFixed(1)}%`;
  console.log('\nself time by package:');
  for (const [k, t] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(t).padStart(6)}  ${k}`);
  console.log('\nself time by function (top 25):');
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(t).padStart(6)}  ${k}`);
}

async function main() {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const request = signedForm(origin, process.env.BENCH_PATH ?? '/voice', CALL_PARAMS);
  const child = startProcess(['--cpu-prof', `--cpu-prof-dir=${DIR}`, 'dist/src/server.js'], {
    PORT: String(port), NODE_ENV: 'production', LOG_LEVEL: 'info', TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: origin,
  });
  await waitFor(async () => (await fetch(`${origin}/healthz`)).status === 200);
  const result = await autocannon({ url: origin, connections: 50, duration: SECONDS, requests: [request] });
  console.log(`${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx (under the profiler)`);
  await stop(child);
  const file = readdirSync(DIR).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  summarise(path.join(DIR, file));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
