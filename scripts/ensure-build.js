// npm's pre-scripts of start and the CLIs: builds dist/ only when a source is newer than the last build, so
// `npm run --silent call -- --help` answers at once instead of waiting for tsc (4–14 s) every time.
// Where the compiler is not installed — a production install after `npm prune --omit=dev` (the systemd path, in
// which prune also rewrites package-lock.json) or the Docker image (no sources, no TypeScript) — the existing
// build is what runs: nothing is compiled, and a missing dist/ is named with the command that makes it. The first
// build on a fresh clone says what it is doing, since it takes a few seconds before the server prints anything.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.tsbuildinfo');
const ENTRY = path.join(ROOT, 'dist', 'src', 'server.js');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SOURCES = ['src', 'routes', 'views'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newestIn(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  const newest = Math.max(
    ...SOURCES.map((d) => newestIn(path.join(ROOT, d))),
    ...CONFIGS.map((f) => (existsSync(path.join(ROOT, f)) ? statSync(path.join(ROOT, f)).mtimeMs : 0)),
  );
  return newest > built;
}

if (!existsSync(TSC)) {
  // A production install: run what was built.
  if (existsSync(ENTRY)) process.exit(0);
  process.stderr.write(
    'dist/ has not been built and TypeScript is not installed here: run `npm ci && npm run build` first ' +
      '(then `npm prune --omit=dev` if you want the development packages gone).\n',
  );
  process.exit(1);
}

if (stale()) {
  const first = !existsSync(ENTRY);
  process.stderr.write(
    first
      ? 'Building dist/ from the TypeScript sources (the first time takes a few seconds)…\n'
      : 'Sources changed since the last build: rebuilding dist/…\n',
  );
  const run = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  // An incremental build with nothing to emit leaves the stamp as it was: mark this check's time.
  if (run.status === 0 && existsSync(STAMP)) utimesSync(STAMP, new Date(), new Date());
  process.exit(run.status ?? 1);
}
