// npm run test:docker — builds the Dockerfile and checks the image as it will run in production:
// /healthz answers, a signed POST /voice answers TwiML (unsigned: 403), the process is not root, docker stop
// ends it within a few seconds with exit code 0, the image adds at most 60 MB over its base, and holds no
// .env, tests, sources or dev dependencies. Host networking keeps every request on loopback.
// Docker and the base image come from ../shared/docker-local-base.sh when missing (no registry is reachable
// here). When Docker cannot be had at all, it says SKIP and exits 0.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { getExpectedTwilioSignature } = require('twilio');

const ROOT = path.resolve(__dirname, '..');
const SHARED_BASE_SCRIPT = path.resolve(ROOT, '../shared/docker-local-base.sh');
const IMAGE = 'twiml-server:test';
const TOKEN = '0123456789abcdef0123456789abcdef';
const MAX_ADDED_MB = 60;
const DEV_ONLY = ['jest', 'ts-jest', 'typescript', 'supertest', 'autocannon', 'fast-check', 'prettier', '@types'];

const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const dockerWorks = () => spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
const baseImage = () => /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];

function skip(reason) {
  console.log(`SKIP: docker image test not run: ${reason}`);
  process.exit(0);
}

/** Docker running and the base image present, or a SKIP saying why not. */
function ensureDockerAndBase(tag) {
  const haveBase = () => dockerWorks() && spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0;
  if (haveBase()) return;
  if (!existsSync(SHARED_BASE_SCRIPT)) skip(`${dockerWorks() ? `no ${tag} image` : 'no Docker'} and no ${SHARED_BASE_SCRIPT} to provide it`);
  if (process.getuid && process.getuid() !== 0) skip('Docker or the base image is missing, and setting them up needs root');
  console.log(`setting up Docker and ${tag} with ../shared/docker-local-base.sh (about a minute)…`);
  const result = spawnSync('bash', [SHARED_BASE_SCRIPT, tag], { stdio: 'inherit', timeout: 15 * 60_000 });
  if (result.status !== 0 || !haveBase()) skip('../shared/docker-local-base.sh could not provide Docker and the base image');
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(origin, timeoutMs) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      if ((await fetch(`${origin}/healthz`)).status === 200) return true;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function main() {
  const base = baseImage();
  if (!base) throw new Error('Dockerfile has no ARG NODE_IMAGE=… line');
  ensureDockerAndBase(base);

  console.log(`building ${IMAGE} on ${base}…`);
  const build = spawnSync('docker', ['build', '--network', 'host', '-t', IMAGE, '.'], { cwd: ROOT, encoding: 'utf8', timeout: 15 * 60_000 });
  if (build.status !== 0) {
    console.log(build.stdout.slice(-3000), build.stderr.slice(-3000));
    throw new Error('docker build failed');
  }

  const checks = [];
  const check = (name, ok, detail = '') => {
    checks.push(ok);
    console.log(`  ${ok ? '✓' : '✗'} ${name}${detail ? `: ${detail}` : ''}`);
  };

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const name = `twiml-server-test-${process.pid}`;
  docker('run', '-d', '--network', 'host', '--name', name,
    '-e', `PORT=${port}`, '-e', `TWILIO_AUTH_TOKEN=${TOKEN}`, '-e', `PUBLIC_BASE_URL=${origin}`, IMAGE);
  try {
    const healthy = await waitForHealth(origin, 20_000);
    check('/healthz answers 200', healthy);
    if (!healthy) console.log(docker('logs', name));

    const params = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };
    const signature = getExpectedTwilioSignature(TOKEN, `${origin}/voice`, params);
    const signed = await fetch(`${origin}/voice`, { method: 'POST', headers: { 'X-Twilio-Signature': signature }, body: new URLSearchParams(params) });
    const twiml = await signed.text();
    check('a signed POST /voice answers TwiML', signed.status === 200 && /^text\/xml/.test(signed.headers.get('content-type') ?? '') && /<Response><Say>.*<Gather /.test(twiml), `${signed.status}`);
    const unsigned = await fetch(`${origin}/voice`, { method: 'POST', body: new URLSearchParams(params) });
    check('an unsigned POST /voice is refused', unsigned.status === 403, `${unsigned.status}`);

    const uid = docker('exec', name, 'id', '-u');
    check('the process runs as a non-root user', uid !== '0', `uid ${uid} (${docker('inspect', '-f', '{{.Config.User}}', IMAGE)})`);
    check('the image declares a HEALTHCHECK', docker('inspect', '-f', '{{json .Config.Healthcheck}}', IMAGE).includes('/healthz'));

    const listing = docker('run', '--rm', '--entrypoint', 'sh', IMAGE, '-c', 'ls -A /app; echo ---; ls -A /app/node_modules');
    const [top, modules] = listing.split('---');
    const present = top.split('\n').filter(Boolean);
    check('the app folder holds only bins, data, dist, node_modules, package.json and scripts', present.sort().join(',') === 'bins,data,dist,node_modules,package.json,scripts', present.join(' '));
    // The README's way to create an inbox user on the Docker path: an npm CLI inside the running container.
    const hashed = spawnSync('docker', ['exec', '-i', name, 'npm', 'run', '--silent', 'hash-password'], { input: 'a long enough password\n', encoding: 'utf8' });
    check('npm run hash-password works inside the container (no TypeScript, no sources)', hashed.status === 0 && /^scrypt:\d+:/m.test(hashed.stdout), (hashed.stderr || hashed.stdout).trim().split('\n').at(-1));
    const compilers = docker('run', '--rm', '--entrypoint', 'sh', IMAGE, '-c', 'for t in gcc g++ cc make python3; do command -v $t; done; true');
    check('no compiler or build tool in the final image', compilers === '', compilers.replace(/\n/g, ' ') || 'none');
    const ready = await fetch(`${origin}/readyz`);
    const store = docker('exec', name, 'sh', '-c', 'stat -c "%U %a" /app/data/twiml-server.db');
    check('the store is ready: SQLite in /app/data, owned by node, mode 600', ready.status === 200 && store === 'node 600', `readyz ${ready.status}, ${store}`);
    const devDeps = DEV_ONLY.filter((d) => modules.split('\n').includes(d));
    check('no dev dependencies inside', devDeps.length === 0, devDeps.join(' ') || 'none');

    const added = (Number(docker('image', 'inspect', '-f', '{{.Size}}', IMAGE)) - Number(docker('image', 'inspect', '-f', '{{.Size}}', base))) / 1e6;
    check(`the image adds at most ${MAX_ADDED_MB} MB over ${base}`, added <= MAX_ADDED_MB, `${added.toFixed(1)} MB`);
    // The README quotes this figure: it must be the one measured here (within 2 MB), not one typed from memory.
    const quoted = Number(/about (\d+) MB over the pinned/.exec(readFileSync(path.join(ROOT, 'README.md'), 'utf8'))?.[1]);
    check('the README quotes the size this run measured', Math.abs(quoted - added) <= 2, `README says about ${quoted} MB, measured ${added.toFixed(1)} MB`);

    // docs/deploy-azure.md: "healthy once the first health probe has passed (10 s after the container starts)".
    const healthyAfter = await (async () => {
      const since = Date.parse(docker('inspect', '-f', '{{.State.StartedAt}}', name));
      for (let i = 0; i < 200; i++) {
        if (docker('inspect', '-f', '{{.State.Health.Status}}', name) === 'healthy') return (Date.now() - since) / 1000;
        await new Promise((r) => setTimeout(r, 100));
      }
      return Infinity;
    })();
    check('Docker reports it healthy within 15 s of the start (first probe at 10 s)', healthyAfter <= 15, `${healthyAfter.toFixed(1)} s`);

    const started = Date.now();
    docker('stop', '-t', '10', name);
    const seconds = (Date.now() - started) / 1000;
    const exitCode = docker('inspect', '-f', '{{.State.ExitCode}}', name);
    check('docker stop ends it within 5 s with exit code 0', seconds < 5 && exitCode === '0', `${seconds.toFixed(1)} s, exit ${exitCode}`);
  } finally {
    spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  }

  const failed = checks.filter((ok) => !ok).length;
  console.log(failed === 0 ? `docker image: all ${checks.length} checks passed` : `docker image: ${failed} of ${checks.length} checks FAILED`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(`docker image test failed: ${err.message}`);
  process.exit(1);
});
