// npm run test:deploy — runs the Azure guide's own steps, as pasted, as far as this machine can:
//   1. cloud-init: the guide's sed fills REPO_URL into deploy/cloud-init.yaml, and `cloud-init schema` accepts
//      the result (and the file as shipped); the clone step refuses an unfilled REPO_URL with a message.
//   2. Caddy: the HTTPS block's sed edits deploy/Caddyfile for a name, `caddy validate` accepts it (and refuses
//      the empty name the old guide produced); Caddy then serves that site block with `tls internal` in front
//      of the built app, and a request signed for https://NAME/voice passes through it (app: PUBLIC_BASE_URL
//      https://NAME, HOST 127.0.0.1).
//   3. systemd: `systemd-analyze verify` on deploy/twiml-server.service, and deploy/production.env makes the
//      app start in production on port 80 (what the unit runs, under this user's privileges: a real systemd
//      boot needs a container with systemd as PID 1, which the Docker path below covers when it can).
//   4. systemd, booted: with Docker (as npm run test:docker sets it up), a container whose PID 1 is systemd
//      gets the guide's systemd-path steps (the twiml user, the built app in /opt/twiml-server, the unit,
//      deploy/production.env filled in as /etc/twiml-server/env, mode 600) and `systemctl enable`; the
//      service must come up on port 80 as the unprivileged twiml user and answer a signed POST /voice.
//   4a. upgrade: the previous release's build keeps data in SQLite; this build starts on it and lists it all.
//   4b. Docker Compose, for real: the shipped compose.yaml under Compose v2 (config with and without the
//      PostgreSQL profile, up --wait, ps, logs, exec of the guide's CLIs, down).
//   5. az: every `az` command in the guide is checked against `az … --help` (flags exist), with azure-cli from
//      Debian when it can be installed.
//   5. cloud-init, booted: a container whose PID 1 is systemd, with Debian's cloud-init and a NoCloud seed holding
//      deploy/cloud-init.yaml as the guide fills it in (REPO_URL: this checkout), runs every module at boot;
//      stand-ins replace what cannot run inside a container (the real Docker Compose still reads compose.yaml with
//      the VM's .env link before anything starts, as the unit's `compose up` would): the docker.io and docker-compose-v2 packages (a
//      docker.service that does nothing, and a `docker` command whose `compose up` starts the built app the way
//      the image would, on port 80). Then the guide's step 4 (PUBLIC_BASE_URL and the token into the env file,
//      restart) must give a /healthz that answers and a signed /voice.
// A tool that cannot be had makes its section SKIP with the reason; any check that runs and fails makes the
// script exit 1. Figures printed here are the ones the guide may quote.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { getExpectedTwilioSignature } = require('twilio');

const ROOT = path.resolve(__dirname, '..');
const GUIDE = readFileSync(path.join(ROOT, 'docs/deploy-azure.md'), 'utf8');
const TOKEN = '0123456789abcdef0123456789abcdef';
const NAME = 'mytwiml.centralus.cloudapp.azure.com';
const work = mkdtempSync(path.join(os.tmpdir(), 'deploy-'));

/** Every process this script starts, stopped whatever way it ends (a closed pipe, Ctrl-C, a failure). */
const children = new Set();
const track = (child) => (children.add(child), child.once('exit', () => children.delete(child)), child);
const containers = new Set();
process.on('exit', () => {
  children.forEach((c) => c.kill('SIGKILL'));
  containers.forEach((name) => spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' }));
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE']) process.on(signal, () => process.exit(1));
process.stdout.on('error', () => process.exit(1));

let failed = 0;
let passed = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`  ${ok ? '✓' : '✗'} ${name}${detail ? `: ${detail}` : ''}`);
};
const skip = (section, reason) => console.log(`  SKIP ${section}: ${reason}`);
const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const sh = (script, env = {}) =>
  spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: ROOT });

/** Installs Debian packages when root and apt-get are there; true when every tool is then present. */
function provide(tools, packages) {
  if (tools.every(has)) return true;
  if (process.getuid?.() !== 0 || !has('apt-get')) return false;
  spawnSync(
    'bash',
    ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')}`],
    {
      stdio: 'ignore',
      timeout: 10 * 60_000,
    },
  );
  return tools.every(has);
}

/** The guide's shell code blocks, joined. */
const guideShell = () => [...GUIDE.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');

/** The guide line that starts with `prefix` (trimmed), or a failure naming it. */
function guideLine(prefix) {
  const line = guideShell()
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`the guide has no line starting with ${prefix}`);
  return line;
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(probe, timeoutMs) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      if (await probe()) return true;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function cloudInit() {
  console.log('cloud-init (deploy/cloud-init.yaml)');
  const filled = path.join(work, 'cloud-init.yaml');
  const sed = guideLine('sed "s|__REPO_URL__|$REPO_URL|" deploy/cloud-init.yaml').replace(
    '/tmp/twiml-cloud-init.yaml',
    filled,
  );
  const result = sh(sed, { REPO_URL: 'https://github.com/example/twiml-server.git' });
  const text = existsSync(filled) ? readFileSync(filled, 'utf8') : '';
  check(
    "the guide's sed fills in REPO_URL",
    result.status === 0 && text.includes('REPO_URL=https://github.com/example/twiml-server.git;'),
  );
  const clone = /'(REPO_URL=__REPO_URL__;[^']*)'/.exec(
    readFileSync(path.join(ROOT, 'deploy/cloud-init.yaml'), 'utf8'),
  )?.[1];
  const unfilled = clone ? sh(clone) : { status: 0, stderr: '' };
  check(
    'an unfilled REPO_URL stops the clone with a message',
    unfilled.status !== 0 && /REPO_URL was not filled in/.test(unfilled.stderr),
  );
  if (!provide(['cloud-init'], ['cloud-init']))
    return skip('cloud-init schema', 'cloud-init is not installed and cannot be (apt-get install cloud-init)');
  for (const file of [filled, path.join(ROOT, 'deploy/cloud-init.yaml')]) {
    const schema = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
    check(
      `cloud-init schema accepts ${path.basename(path.dirname(file))}/${path.basename(file)}`,
      schema.status === 0,
      (schema.stdout + schema.stderr).trim().split('\n').at(-1),
    );
  }
}

/** The built app on 127.0.0.1:port with `env`; resolves with a stop function once /healthz answers. */
async function startApp(env) {
  const child = track(
    spawn(process.execPath, ['dist/src/server.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const port = env.PORT;
  const up = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 10_000);
  return {
    up,
    stderr: () => stderr,
    stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))),
  };
}

async function caddy() {
  console.log('Caddy (deploy/Caddyfile, as the HTTPS block edits it)');
  if (!provide(['caddy', 'curl'], ['caddy', 'curl']))
    return skip('Caddy', 'caddy is not installed and cannot be (apt-get install caddy)');
  const edited = path.join(work, 'Caddyfile');
  const sedLine = guideLine('sed "s|{\\$TWIML_DOMAIN}|$FQDN|" /opt/twiml-server/deploy/Caddyfile');
  const sed = `${/^sed "[^"]*"/.exec(sedLine)?.[0]} ${path.join(ROOT, 'deploy/Caddyfile')}`;
  const result = sh(`${sed} > ${edited}`, { FQDN: NAME });
  check(
    "the HTTPS block's sed names the site",
    result.status === 0 && readFileSync(edited, 'utf8').includes(`${NAME} {`),
  );
  const validate = (file) =>
    spawnSync('caddy', ['validate', '--config', file, '--adapter', 'caddyfile'], { encoding: 'utf8' });
  check('caddy validate accepts it', validate(edited).status === 0);
  const empty = path.join(work, 'Caddyfile.empty');
  sh(`${sed} > ${empty}`, { FQDN: '' });
  check(
    'caddy validate refuses the empty name an unset $FQDN gives (the guide now stops before it)',
    validate(empty).status !== 0,
  );

  // Served for real: the same site block, with Caddy's own CA (tls internal) and high ports, in front of the app.
  const [appPort, httpsPort, httpPort, adminPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const served = path.join(work, 'Caddyfile.served');
  const site = readFileSync(edited, 'utf8').replace(
    'reverse_proxy 127.0.0.1:3000',
    `reverse_proxy 127.0.0.1:${appPort}\n\ttls internal`,
  );
  writeFileSync(
    served,
    `{\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}\n\tadmin 127.0.0.1:${adminPort}\n\tskip_install_trust\n}\n${site.replace(`${NAME} {`, `${NAME}:${httpsPort} {`)}`,
  );
  const app = await startApp({
    NODE_ENV: 'production',
    PORT: String(appPort),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `https://${NAME}`,
    TWILIO_AUTH_TOKEN: TOKEN,
  });
  check('the app starts on loopback with PUBLIC_BASE_URL=https://NAME', app.up, app.up ? '' : app.stderr().slice(-300));
  const caddyHome = mkdtempSync(path.join(work, 'caddy-'));
  const proxy = track(
    spawn('caddy', ['run', '--config', served, '--adapter', 'caddyfile'], {
      env: { ...process.env, HOME: caddyHome, XDG_DATA_HOME: caddyHome },
      stdio: 'ignore',
    }),
  );
  try {
    const params = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };
    const url = `https://${NAME}/voice`;
    const signature = getExpectedTwilioSignature(TOKEN, url, params);
    const curl = (extra) =>
      sh(
        `curl -sS -k --resolve ${NAME}:${httpsPort}:127.0.0.1 -o - -w '\\n%{http_code}' -X POST https://${NAME}:${httpsPort}/voice ${extra} --data-urlencode CallSid=${params.CallSid} --data-urlencode From=${params.From} --data-urlencode To=${params.To}`,
      );
    const ready = await waitFor(() => curl('').stdout.trim().endsWith('403'), 20_000);
    check('Caddy serves the name over TLS (tls internal)', ready);
    // Caddy forwards to the app on the origin's default port; Twilio signs https://NAME/voice: the app checks
    // against PUBLIC_BASE_URL, so what passed through Caddy verifies.
    const answer = curl(`-H 'X-Twilio-Signature: ${signature}'`).stdout.trim();
    check(
      'a request signed for https://NAME/voice passes through Caddy and is answered',
      answer.endsWith('200') && answer.includes('<Gather'),
      answer.split('\n').at(-1),
    );
  } finally {
    proxy.kill('SIGTERM');
    await app.stop();
  }
}

const docker = (...args) => spawnSync('docker', args, { encoding: 'utf8', timeout: 15 * 60_000 });
const baseImage = () => /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];

/** Docker running with the app image (and its base) built by npm run test:docker; else the reason to skip. */
function dockerUnavailable() {
  if (docker('info').status !== 0) return 'Docker is not running (npm run test:docker starts it)';
  if (docker('image', 'inspect', APP_IMAGE).status !== 0 || docker('image', 'inspect', baseImage()).status !== 0)
    return `no ${APP_IMAGE} or ${baseImage()} image (run npm run test:docker first)`;
  return undefined;
}

/**
 * Builds the Dockerfile in `dir` as `image` and boots it with systemd as PID 1: no --privileged (not allowed in
 * every sandbox, and not needed), the cgroup tree read-only. The container's name, or undefined (reported).
 */
function bootWithSystemd(dir, image, label, extraArgs = []) {
  const build = docker('build', '--network', 'host', '-t', image, dir);
  if (build.status !== 0) return void check(`the ${label} image builds`, false, build.stderr.slice(-500));
  const name = `${image.split(':')[0]}-${process.pid}`;
  containers.add(name);
  const mounts = ['-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro', '--tmpfs', '/run', '--tmpfs', '/run/lock', ...extraArgs];
  const run = docker('run', '-d', '--name', name, '--network', 'host', ...mounts, image);
  if (run.status !== 0) return void skip(label, `the container does not start: ${run.stderr.trim().slice(-200)}`);
  return name;
}

/** A POST /voice signed for http://127.0.0.1 with TOKEN must answer the greeting TwiML. */
async function checkSignedVoiceOnPort80() {
  const params = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567' };
  const signature = getExpectedTwilioSignature(TOKEN, 'http://127.0.0.1/voice', params);
  const res = await fetch('http://127.0.0.1/voice', {
    method: 'POST',
    headers: { 'X-Twilio-Signature': signature },
    body: new URLSearchParams(params),
  }).catch(() => undefined);
  const text = res ? await res.text() : '';
  check(
    'a signed POST /voice on port 80 answers TwiML',
    res?.status === 200 && text.includes('<Gather'),
    String(res?.status),
  );
}

async function systemd() {
  console.log('systemd (deploy/twiml-server.service with deploy/production.env)');
  if (has('systemd-analyze')) {
    const dir = mkdtempSync(path.join(work, 'unit-'));
    writeFileSync(path.join(dir, 'twiml-server.service'), readFileSync(path.join(ROOT, 'deploy/twiml-server.service')));
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', 'twiml-server.service'], {
      cwd: dir,
      encoding: 'utf8',
    });
    check(
      'systemd-analyze verify accepts the unit',
      verify.status === 0 && !verify.stderr.includes('twiml-server.service'),
      verify.stderr.trim(),
    );
  } else skip('systemd-analyze verify', 'systemd-analyze is not installed');
  // The env template, read the way systemd reads it (KEY=VALUE lines; the file wins over Environment=).
  const unit = readFileSync(path.join(ROOT, 'deploy/twiml-server.service'), 'utf8');
  const unitEnv = Object.fromEntries(
    (/^Environment=(.*)$/m.exec(unit)?.[1] ?? '').split(/\s+/).map((kv) => kv.split('=')),
  );
  const template = Object.fromEntries(
    readFileSync(path.join(ROOT, 'deploy/production.env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const effective = { ...unitEnv, ...Object.fromEntries(Object.entries(template).filter(([, v]) => v !== '')) };
  check(
    'the production template runs NODE_ENV=production on port 80',
    effective.NODE_ENV === 'production' && effective.PORT === '80',
    JSON.stringify({ NODE_ENV: effective.NODE_ENV, PORT: effective.PORT }),
  );
  if (process.getuid?.() !== 0)
    return skip('port 80', 'binding port 80 needs root here (the unit grants CAP_NET_BIND_SERVICE)');
  const busy = await new Promise((resolve) => {
    const probe = net
      .createServer()
      .once('error', () => resolve(true))
      .listen(80, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
  if (busy) return skip('port 80', 'port 80 is taken on this machine');
  const app = await startApp({
    ...effective,
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    TWILIO_AUTH_TOKEN: TOKEN,
  });
  try {
    check(
      'with the template filled in, the app answers /healthz on port 80',
      app.up,
      app.up ? '' : app.stderr().slice(-300),
    );
    await checkSignedVoiceOnPort80();
  } finally {
    await app.stop();
  }
}

const APP_IMAGE = 'twiml-server:test';

async function systemdBooted() {
  console.log('systemd, booted (the unit under real systemd, in a container)');
  const unavailable = dockerUnavailable();
  if (unavailable) return skip('systemd, booted', unavailable);
  const base = baseImage();
  const dir = mkdtempSync(path.join(work, 'systemd-'));
  writeFileSync(path.join(dir, 'twiml-server.service'), readFileSync(path.join(ROOT, 'deploy/twiml-server.service')));
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .stdout.split('\n')
    .filter((f) => f && existsSync(path.join(ROOT, f)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, 'repo', file)), { recursive: true });
    writeFileSync(path.join(dir, 'repo', file), readFileSync(path.join(ROOT, file)));
  }
  const env = readFileSync(path.join(ROOT, 'deploy/production.env'), 'utf8')
    .replace(/^PUBLIC_BASE_URL=$/m, 'PUBLIC_BASE_URL=http://127.0.0.1')
    .replace(/^TWILIO_AUTH_TOKEN=$/m, `TWILIO_AUTH_TOKEN=${TOKEN}`);
  writeFileSync(path.join(dir, 'env'), env);
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    [
      `FROM ${base}`,
      'RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd systemd-sysv procps >/dev/null && rm -rf /var/lib/apt/lists/*',
      // NodeSource's package puts node at /usr/bin/node, the path the unit runs.
      'RUN ln -sf /usr/local/bin/node /usr/bin/node',
      // The guide's steps, in order: the user, the app, its owner, the env file, the unit.
      'RUN useradd --system --shell /usr/sbin/nologin --no-create-home twiml',
      // The guide's own line, as pasted (run as root, as `sudo` runs it), on this checkout's files.
      'COPY repo/ /opt/twiml-server/',
      `RUN ${guideLine('cd /opt/twiml-server && sudo npm ci').replaceAll('sudo ', '')} --no-audit --no-fund`,
      'RUN chown -R twiml:twiml /opt/twiml-server',
      'RUN install -d -m 700 /etc/twiml-server',
      'COPY env /etc/twiml-server/env',
      'RUN chmod 600 /etc/twiml-server/env && chown root:root /etc/twiml-server/env',
      'COPY twiml-server.service /etc/systemd/system/twiml-server.service',
      'RUN systemctl enable twiml-server',
      'STOPSIGNAL SIGRTMIN+3',
      'CMD ["/lib/systemd/systemd"]',
    ].join('\n'),
  );
  const name = bootWithSystemd(dir, 'twiml-systemd:test', 'systemd, booted');
  if (!name) return;
  try {
    const up = await waitFor(async () => (await fetch('http://127.0.0.1/healthz')).ok, 60_000);
    const state = docker('exec', name, 'systemctl', 'is-active', 'twiml-server').stdout.trim();
    if (
      !up &&
      state !== 'active' &&
      docker('exec', name, 'systemctl', 'is-system-running').status !== 0 &&
      !/running|degraded/.test(docker('exec', name, 'systemctl', 'is-system-running').stdout)
    ) {
      return skip(
        'systemd, booted',
        `systemd did not boot in a container here: ${docker('logs', name).stdout.slice(-300)}`,
      );
    }
    check('systemctl reports twiml-server active, and /healthz answers on port 80', up && state === 'active', state);
    const pid = docker('exec', name, 'systemctl', 'show', '-p', 'MainPID', '--value', 'twiml-server').stdout.trim();
    const user = docker('exec', name, 'ps', '-o', 'user=', '-p', pid).stdout.trim();
    check('Node runs as the unprivileged twiml user', user === 'twiml', `MainPID ${pid}: ${user}`);
    await checkSignedVoiceOnPort80();
    const env = docker('exec', name, 'stat', '-c', '%a %U', '/etc/twiml-server/env').stdout.trim();
    check('the env file is mode 600, owned by root', env === '600 root', env);
    // ProtectSystem=strict leaves one writable place: StateDirectory=, where the store and its spool live.
    const ready = await fetch('http://127.0.0.1/readyz');
    const store = docker('exec', name, 'stat', '-c', '%a %U', '/var/lib/twiml-server/twiml-server.db').stdout.trim();
    check(
      'the store is ready in /var/lib/twiml-server (StateDirectory), owned by twiml, mode 600',
      ready.status === 200 && store === '600 twiml',
      `readyz ${ready.status}, ${store || 'no database file'}`,
    );
    // After `npm prune --omit=dev` (no TypeScript, a rewritten package-lock.json) every npm CLI still runs.
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    const clis = Object.keys(scripts).filter((n) => scripts[`pre${n}`] === 'node scripts/ensure-build.js' && n !== 'start');
    const broken = clis.filter(
      (cli) => docker('exec', '-w', '/opt/twiml-server', name, 'npm', 'run', '--silent', cli, '--', '--help').status !== 0,
    );
    check(`after npm prune, npm run ${clis.join(', ')} answer --help`, clis.length >= 7 && broken.length === 0, broken.join(' ') || `${clis.length} CLIs`);
    const hashed = spawnSync('docker', ['exec', '-i', '-w', '/opt/twiml-server', name, 'npm', 'run', '--silent', 'hash-password'], {
      input: 'a long enough password\n',
      encoding: 'utf8',
    });
    check("the guide's hash-password after prune prints a hash", hashed.status === 0 && /^scrypt:/m.test(hashed.stdout), (hashed.stderr || hashed.stdout).trim().split('\n').at(-1));
    const backup = docker('exec', '-w', '/opt/twiml-server', '-e', 'DATABASE_URL=sqlite:/var/lib/twiml-server/twiml-server.db', name, 'npm', 'run', '--silent', 'db:backup', '--', '/root/twiml-backup.db');
    check("the guide's db:backup on the systemd path writes a copy", backup.status === 0, (backup.stderr || backup.stdout).trim());
  } finally {
    docker('rm', '-f', name);
  }
}

const DOCKER_STAND_IN = `#!/bin/sh
# Stand-in for Docker inside the test container: \`compose up\` first has the real Docker Compose read the project
# as the VM's would (compose.yaml with the .env link, every service interpolated: what failed the VM's first boot),
# then runs the built app as the image would (settings from the project's .env, port 80); \`compose down\` stops
# it; anything else succeeds.
case "$1 $2" in
  "compose up") /usr/local/bin/docker-compose-real config -q || exit 1
    cp -a /prebuilt/dist /prebuilt/node_modules /opt/twiml-server/
    exec systemd-run --unit=twiml-app --property=EnvironmentFile=/opt/twiml-server/.env --setenv=PORT=80 \\
      --working-directory=/opt/twiml-server /usr/local/bin/node dist/src/server.js ;;
  "compose down") systemctl stop twiml-app 2>/dev/null; systemctl reset-failed twiml-app 2>/dev/null; exit 0 ;;
  *) exit 0 ;;
esac
`;

async function cloudInitBooted() {
  console.log('cloud-init, booted (deploy/cloud-init.yaml run by cloud-init at boot, in a container)');
  const unavailable = dockerUnavailable();
  if (unavailable) return skip('cloud-init, booted', unavailable);
  const base = baseImage();
  if (!existsSync(path.join(ROOT, '.git')))
    return skip('cloud-init, booted', 'this checkout is not a git repository to clone');
  const dir = mkdtempSync(path.join(work, 'cloud-init-'));
  mkdirSync(path.join(dir, 'seed'));
  // The guide's sed, with this checkout as the repository; the two Docker packages are the stand-ins' job.
  const userData = readFileSync(path.join(ROOT, 'deploy/cloud-init.yaml'), 'utf8')
    .replaceAll('__REPO_URL__', 'file:///repo')
    .replace(/^ {2}- docker\.io\n|^ {2}- docker-compose-v2\n/gm, '')
    .replace(/^package_upgrade: true$/m, 'package_upgrade: false');
  writeFileSync(path.join(dir, 'seed/user-data'), userData);
  writeFileSync(path.join(dir, 'seed/meta-data'), 'instance-id: twiml-test\nlocal-hostname: twiml-vm\n');
  writeFileSync(path.join(dir, 'docker'), DOCKER_STAND_IN);
  const composeBinary = provideCompose() ? composePlugin() : undefined;
  if (!composeBinary) return skip('cloud-init, booted', 'no Docker Compose v2 binary to read compose.yaml with');
  writeFileSync(path.join(dir, 'docker-compose-real'), readFileSync(composeBinary));
  writeFileSync(
    path.join(dir, 'docker.service'),
    '[Unit]\nDescription=stand-in for the docker.io package\n[Service]\nType=oneshot\nRemainAfterExit=true\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
  );
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    [
      `FROM ${base}`,
      'RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd systemd-sysv cloud-init git curl locales >/dev/null && rm -rf /var/lib/apt/lists/*',
      "RUN sed -i 's/^# *en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen && locale-gen >/dev/null",
      `COPY --from=${APP_IMAGE} /app /prebuilt`,
      'COPY docker /usr/bin/docker',
      'COPY docker-compose-real /usr/local/bin/docker-compose-real',
      'RUN chmod 755 /usr/bin/docker /usr/local/bin/docker-compose-real',
      'COPY docker.service /etc/systemd/system/docker.service',
      'COPY seed/ /var/lib/cloud/seed/nocloud/',
      "RUN printf 'datasource_list: [ NoCloud, None ]\\n' > /etc/cloud/cloud.cfg.d/90_datasource.cfg",
      'STOPSIGNAL SIGRTMIN+3',
      'CMD ["/lib/systemd/systemd"]',
    ].join('\n'),
  );
  const name = bootWithSystemd(dir, 'twiml-cloud-init:test', 'cloud-init, booted', ['-v', `${ROOT}:/repo:ro`]);
  if (!name) return;
  try {
    const inside = (script) => docker('exec', name, 'sh', '-c', script);
    const done = await waitFor(
      async () => /status: (done|error)/.test(inside('cloud-init status --long').stdout),
      180_000,
    );
    const status = inside('cloud-init status --long').stdout;
    check(
      'cloud-init runs every module at boot without an error',
      done && /status: done/.test(status),
      status
        .split('\n')
        .filter(Boolean)
        .slice(0, 1)
        .concat(/detail:\n([\s\S]*)/.exec(status)?.[1]?.trim().slice(0, 300) ?? [])
        .join(' '),
    );
    check('the twiml user cannot log in', /:\/usr\/sbin\/nologin$/.test(inside('getent passwd twiml').stdout.trim()));
    check(
      'the env file is 600 root, and /opt/twiml-server/.env is a link to it',
      inside('stat -c "%a %U" /etc/twiml-server/env').stdout.trim() === '600 root' &&
        inside('readlink /opt/twiml-server/.env').stdout.trim() === '/etc/twiml-server/env',
    );
    check(
      'the twiml-server unit is enabled and active',
      inside('systemctl is-enabled twiml-server; systemctl is-active twiml-server').stdout.trim() === 'enabled\nactive',
    );
    // The guide's step 4, as its one ssh line does it, plus the token the editor adds.
    inside(
      `sed -i 's|^PUBLIC_BASE_URL=.*|PUBLIC_BASE_URL=http://127.0.0.1|; s|^TWILIO_AUTH_TOKEN=.*|TWILIO_AUTH_TOKEN=${TOKEN}|' /etc/twiml-server/env && systemctl restart twiml-server`,
    );
    const up = await waitFor(async () => (await fetch('http://127.0.0.1/healthz')).ok, 30_000);
    check(
      'after step 4, /healthz answers on port 80',
      up,
      up ? '' : inside('journalctl -u twiml-app --no-pager | tail -5').stdout,
    );
    await checkSignedVoiceOnPort80();
  } finally {
    docker('rm', '-f', name);
  }
}

/**
 * Docker Compose v2, as Ubuntu's docker-compose-v2 package gives the VM: present, or Debian trixie's
 * docker-compose package (Compose 2.26, the same Go program) unpacked as Docker's CLI plugin when root. Debian's
 * bookworm only has Compose v1, a different program.
 */
function provideCompose() {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return true;
  if (process.getuid?.() !== 0 || !has('apt-get')) return false;
  const dir = mkdtempSync(path.join(work, 'compose-'));
  const apt = `-o Dir::Etc::SourceList=${dir}/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=${dir}/lists`;
  const script = [
    `mkdir -p ${dir}/lists/partial`,
    `echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' > ${dir}/sources.list`,
    `apt-get ${apt} update -qq`,
    `cd ${dir} && apt-get ${apt} download docker-compose`,
    `dpkg-deb -x ${dir}/docker-compose_*.deb ${dir}/x`,
    `install -D -m 755 ${dir}/x/usr/libexec/docker/cli-plugins/docker-compose /usr/local/lib/docker/cli-plugins/docker-compose`,
  ].join(' && ');
  spawnSync('bash', ['-c', script], { stdio: 'ignore', timeout: 10 * 60_000 });
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

/** The last release before the upgrade this script rehearses (the previous landed main). */
const PREVIOUS_RELEASE = 'a1eeb16';

/**
 * The guide's upgrade, on data: the previous release (built from git history) keeps a call, a voicemail and a
 * text in a SQLite file and stops; this checkout's build starts on the same file, migrates what it must, is
 * ready, and lists all three. SKIP where the history is not there (a shallow clone).
 */
async function upgrade() {
  console.log(`upgrade from the previous release (${PREVIOUS_RELEASE}) on its data`);
  if (sh(`git cat-file -e ${PREVIOUS_RELEASE}^{commit}`).status !== 0)
    return skip('upgrade', `commit ${PREVIOUS_RELEASE} is not in this clone's history (a shallow clone)`);
  const old = mkdtempSync(path.join(work, 'previous-'));
  const unpack = sh(`git archive ${PREVIOUS_RELEASE} | tar -x -C ${old}`);
  const install = spawnSync('bash', ['-c', 'npm ci --no-audit --no-fund --ignore-scripts >/dev/null && npm run --silent build'], {
    cwd: old,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (unpack.status !== 0 || install.status !== 0)
    return check('the previous release builds', false, (install.stderr || unpack.stderr).slice(-300));
  const data = mkdtempSync(path.join(work, 'data-'));
  const API = '0123456789abcdef0123456789abcdef-api';
  const env = { NODE_ENV: 'development', DATABASE_URL: `sqlite:${path.join(data, 'twiml-server.db')}`, API_TOKEN: API };
  const run = async (root, port) => {
    const child = track(
      spawn(process.execPath, ['dist/src/server.js'], {
        cwd: root,
        env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const up = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 15_000);
    const stop = () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM'))));
    return { up, stderr: () => stderr, stop };
  };
  const CALL = 'CA' + '1'.repeat(32);
  const port = await freePort();
  const before = await run(old, port);
  check('the previous release starts on a new database', before.up, before.up ? '' : before.stderr().slice(-300));
  const post = (p, body) => fetch(`http://127.0.0.1:${port}${p}`, { method: 'POST', body: new URLSearchParams(body) });
  const caller = { CallSid: CALL, From: '+15551234567', To: '+15550006666' };
  await post('/voice/voicemail', { ...caller, RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE${'2'.repeat(32)}`, RecordingSid: `RE${'2'.repeat(32)}`, RecordingDuration: '6' });
  await post('/callbacks/call-status', { ...caller, CallStatus: 'completed', CallDuration: '31' });
  await post('/sms', { MessageSid: 'SM' + '3'.repeat(32), From: '+15551234567', To: '+15550006666', Body: 'kept across the upgrade' });
  await before.stop();
  const after = await run(ROOT, port);
  try {
    check('this build starts on the previous release\'s database', after.up, after.up ? '' : after.stderr().slice(-300));
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
    const get = (p) => fetch(`http://127.0.0.1:${port}${p}`, { headers: { Authorization: `Bearer ${API}` } }).then((r) => r.json(), () => ({}));
    const call = await get(`/api/calls/${CALL}`);
    const voicemails = await get('/api/voicemails');
    const messages = await get('/api/messages');
    check(
      'after the upgrade: ready, and the call, its voicemail and the text are all there',
      ready === 200 &&
        call.status === 'completed' &&
        call.durationSeconds === 31 &&
        voicemails.items?.some((v) => v.callSid === CALL) &&
        messages.items?.some((m) => m.body === 'kept across the upgrade'),
      `readyz ${ready}, call ${call.status}/${call.durationSeconds}, voicemails ${voicemails.items?.length}, messages ${messages.items?.length}`,
    );
  } finally {
    await after.stop();
  }
}

/** Where Docker's CLI finds its Compose v2 plugin (a Go binary that also runs on its own), or undefined. */
function composePlugin() {
  const dirs = ['/usr/local/lib/docker/cli-plugins', '/usr/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins'];
  return dirs.map((d) => path.join(d, 'docker-compose')).find((f) => existsSync(f));
}

/**
 * The shipped compose.yaml under the real Docker Compose: `config` with and without the PostgreSQL profile and
 * no POSTGRES_PASSWORD anywhere (the first boot of the VM), `up --wait` to a healthy container answering a signed
 * /voice, `ps`, `logs`, `exec … hash-password` (the guide's inbox user) and `down`. The PostgreSQL service itself
 * needs the postgres image from a registry: SKIP unless it is present.
 */
async function compose() {
  console.log('Docker Compose (compose.yaml, for real)');
  if (docker('info').status !== 0) return skip('Docker Compose', 'Docker is not running (npm run test:docker starts it)');
  if (!provideCompose()) return skip('Docker Compose', 'docker compose v2 is not installed and cannot be');
  const version = docker('compose', 'version', '--short').stdout.trim();
  const port = await freePort();
  const envFile = path.join(work, 'compose.env');
  writeFileSync(
    envFile,
    `NODE_ENV=production\nPUBLIC_BASE_URL=http://127.0.0.1:${port}\nTWILIO_AUTH_TOKEN=${TOKEN}\nHTTP_PORT=127.0.0.1:${port}\n`,
  );
  const project = `twimltest${process.pid}`;
  // As on the VM: Compose's own variables from the environment of the unit (none) and the env file.
  const env = { ...process.env, ENV_FILE: envFile, HTTP_PORT: `127.0.0.1:${port}`, POSTGRES_PASSWORD: '' };
  delete env.POSTGRES_PASSWORD;
  const run = (...args) =>
    spawnSync('docker', ['compose', '-p', project, '-f', path.join(ROOT, 'compose.yaml'), ...args], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 15 * 60_000,
    });
  const last = (r) => (r.stderr || r.stdout).trim().split('\n').at(-1);
  const plain = run('config', '-q');
  check(`compose ${version}: config without the postgres profile and no POSTGRES_PASSWORD`, plain.status === 0, last(plain));
  const profiled = run('--profile', 'postgres', 'config', '--services');
  check(
    'config with the postgres profile lists both services',
    profiled.status === 0 && /postgres/.test(profiled.stdout) && /twiml-server/.test(profiled.stdout),
    last(profiled),
  );
  try {
    const up = run('up', '-d', '--build', '--wait', '--wait-timeout', '120');
    check('up -d --build --wait: the service comes up healthy', up.status === 0, last(up));
    const ps = run('ps', '--format', '{{.Service}} {{.State}} {{.Health}}');
    check('ps shows it running and healthy', ps.status === 0 && /twiml-server running healthy/.test(ps.stdout), ps.stdout.trim());
    const params = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567' };
    const origin = `http://127.0.0.1:${port}`;
    const res = await fetch(`${origin}/voice`, {
      method: 'POST',
      headers: { 'X-Twilio-Signature': getExpectedTwilioSignature(TOKEN, `${origin}/voice`, params) },
      body: new URLSearchParams(params),
    }).catch(() => undefined);
    check('a signed POST /voice through the published port answers TwiML', res?.status === 200 && (await res.text()).includes('<Gather'), String(res?.status));
    const logs = run('logs', '--no-color', 'twiml-server');
    check('logs shows the server listening', logs.status === 0 && /listening on port 3000/.test(logs.stdout), last(logs));
    const hashed = spawnSync(
      'docker',
      ['compose', '-p', project, '-f', path.join(ROOT, 'compose.yaml'), 'exec', '-T', 'twiml-server', 'npm', 'run', '--silent', 'hash-password'],
      { cwd: ROOT, env, encoding: 'utf8', input: 'a long enough password\n' },
    );
    check('exec … npm run hash-password (the guide\'s inbox user) prints a hash', hashed.status === 0 && /^scrypt:/m.test(hashed.stdout), last(hashed));
    const backup = run('exec', '-T', 'twiml-server', 'npm', 'run', '--silent', 'db:backup', '--', '/app/data/backup.db');
    check("exec … npm run db:backup (the guide's backup) writes a copy", backup.status === 0, last(backup));
  } finally {
    const down = run('down', '-v', '--remove-orphans');
    check('down stops and removes it', down.status === 0, last(down));
  }
  if (docker('image', 'inspect', 'postgres:16-bookworm').status !== 0)
    skip('compose up with the postgres profile', 'the postgres:16-bookworm image cannot be pulled here (no container registry)');
}

function az() {
  console.log('az commands in the guide');
  if (!provide(['az'], ['azure-cli']))
    return skip('az', 'azure-cli is not installed and cannot be (apt-get install azure-cli)');
  const version = sh('az version --query \'"azure-cli"\' -o tsv 2>/dev/null').stdout.trim();
  const commands = guideShell()
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => /(?:^|\$\()\s*(az [^)]*)/.exec(l)?.[1])
    .filter(Boolean);
  for (const command of commands) {
    const words = command.split(/\s+/);
    const firstFlag = words.findIndex((w) => w.startsWith('--'));
    const group = words.slice(1, firstFlag === -1 ? undefined : firstFlag);
    const flags = words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.split('=')[0]);
    const help = spawnSync('az', [...group, '--help'], { encoding: 'utf8', timeout: 120_000 });
    if (help.status !== 0) {
      // Debian's azure-cli 2.45 cannot even print help for `az network …` (its network module and SDK disagree).
      const why =
        /Error: (.*)/i.exec(`${help.stderr}`.split('\n').find((l) => /Error/.test(l)) ?? '')?.[1] ??
        `exit ${help.status}`;
      skip(`az ${group.join(' ')}`, `azure-cli ${version} fails on its own --help (${why.trim()})`);
      continue;
    }
    const unknown = flags.filter((f) => !help.stdout.includes(f));
    check(
      `az ${group.join(' ')} takes ${flags.join(' ') || 'no flags'}`,
      help.status === 0 && unknown.length === 0,
      unknown.length ? `unknown: ${unknown.join(' ')} (azure-cli ${version})` : `azure-cli ${version}`,
    );
  }
}

/**
 * docs/deploy-azure.md says the TypeScript build "peaks near N MB" (why a B1s needs swap): measured here, the
 * median of three builds (one build's peak varies by a fifth with V8's heap growth), within 15 %.
 */
function buildMemory() {
  console.log('the build on a small VM');
  if (!existsSync('/usr/bin/time'))
    return skip('build memory', '/usr/bin/time is not installed (apt-get install time)');
  const out = path.join(work, 'tsc-out');
  const peaks = [];
  for (let i = 0; i < 3; i++) {
    const run = spawnSync(
      '/usr/bin/time',
      ['-v', process.execPath, 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (run.status !== 0) return check('the TypeScript build succeeds', false, run.stderr.slice(-300));
    peaks.push(Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]) / 1024);
  }
  peaks.sort((a, b) => a - b);
  const mb = peaks[1];
  const quoted = Number(/peaks near (\d+) MB/.exec(GUIDE)?.[1]);
  check(
    'the guide quotes the build peak this run measured (median of 3, within 15 %)',
    Math.abs(mb - quoted) <= quoted * 0.15,
    `guide: ${quoted} MB, measured ${mb.toFixed(0)} MB (${peaks.map((p) => p.toFixed(0)).join(', ')}; Node ${process.version})`,
  );
}

/** DEPLOY_ONLY=compose,systemdBooted runs just those sections (while working on one); unset, all of them. */
const SECTIONS = { buildMemory, cloudInit, caddy, systemd, upgrade, compose, systemdBooted, cloudInitBooted, az };

async function main() {
  if (!existsSync(path.join(ROOT, 'dist/src/server.js'))) throw new Error('build first: npm run build');
  const only = process.env.DEPLOY_ONLY?.split(',').filter(Boolean);
  for (const [name, section] of Object.entries(SECTIONS)) if (!only || only.includes(name)) await section();
  console.log(
    failed === 0 ? `deploy: all ${passed} checks passed` : `deploy: ${failed} of ${passed + failed} checks FAILED`,
  );
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(`deploy test failed: ${err.message}`);
  process.exit(1);
});
