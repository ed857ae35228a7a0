// npm's pre-scripts of start and the CLIs: builds dist/ only when a source is newer than the last build, so
// `npm run --silent call -- --help` answers at once instead of waiting for tsc (4–14 s) every time.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.tsbuildinfo');
const SOURCES = ['src', 'routes', 'views'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newestIn(dir) {
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

if (stale()) {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  // An incremental build with nothing to emit leaves the stamp as it was: mark this check's time.
  if (run.status === 0 && existsSync(STAMP)) utimesSync(STAMP, new Date(), new Date());
  process.exit(run.status ?? 1);
}
