// The developer loop: the CLIs answer without rebuilding (dist/ is rebuilt only when a source is newer), timed
// as a ratio to `node -e 0` on the same machine, not as an absolute; `npm run dev` prints its banner and
// reloads when a source changes (in a copy of the checkout).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

function medianSeconds(command: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test' } });
    expect(run.status).toBe(0);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return times.sort((a, b) => a - b)[1] as number;
}

describe('when a developer asks a CLI for --help', () => {
  it('then npm run answers without a rebuild: a small multiple of starting Node at all (tsc alone is ~100×)', () => {
    // The pre-script builds only when a source changed; make sure this checkout is built, then time it.
    expect(spawnSync(process.execPath, ['scripts/ensure-build.js'], { cwd: ROOT }).status).toBe(0);
    const node = medianSeconds(process.execPath, ['-e', '0']);
    const help = medianSeconds('npm', ['run', '--silent', 'sign', '--', '--help']);
    const ratio = help / node;
    // eslint-disable-next-line no-console
    console.log(`npm run sign -- --help: ${help.toFixed(2)} s = ${ratio.toFixed(1)}× node -e 0 (${node.toFixed(3)} s)`);
    expect(ratio).toBeLessThan(40);
  });
});

describe('when a developer runs npm run dev', () => {
  jest.setTimeout(60_000);

  it('then the banner says where it answers, what to configure, whether signatures are checked, and it reloads on a change', async () => {
    // A copy of this checkout (its node_modules linked), so the change below touches nothing here.
    const copy = mkdtempSync(path.join(tmpdir(), 'twiml-dev-'));
    const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean);
    for (const file of files) {
      mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      copyFileSync(path.join(ROOT, file), path.join(copy, file));
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const dev = spawn('npm', ['run', '--silent', 'dev'], {
      cwd: copy,
      detached: true,
      env: { PATH: process.env.PATH, PORT: String(port), OUTBOUND_ALLOWLIST: '+1555*' },
    });
    let stderr = '';
    dev.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    dev.stdout.resume();
    const voice = async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/voice`, { method: 'POST' })).text();
      } catch {
        return '';
      }
    };
    const until = async (what: string, check: () => Promise<boolean>) => {
      const started = Date.now();
      while (!(await check())) {
        if (Date.now() - started > 30_000) throw new Error(`timed out waiting for ${what}:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    try {
      await until('the first answer', async () => (await voice()).includes('Thanks for calling.'));
      expect(stderr).toContain(`twiml-server (development) on http://localhost:${port}`);
      expect(stderr).toContain('Public URL Twilio calls: not set');
      expect(stderr).toContain('A call comes in      POST <PUBLIC_BASE_URL>/voice');
      expect(stderr).toContain('Signatures: NOT checked');
      expect(stderr).toContain('May dial or text: +1555*');
      expect(stderr).toContain('Inbox: off');
      const config = path.join(copy, 'src/config.ts');
      const changed = readFileSync(config, 'utf8').replace("'Thanks for calling.'", "'Reloaded greeting.'");
      // tsx learns which files to watch from the running server, a moment after it starts: the change is
      // written again every 2 s until the answer shows it.
      let lastWrite = 0;
      await until('the changed answer', async () => {
        if (Date.now() - lastWrite > 2_000) {
          writeFileSync(config, changed);
          lastWrite = Date.now();
        }
        return (await voice()).includes('Reloaded greeting.');
      });
    } finally {
      if (dev.pid) process.kill(-dev.pid, 'SIGTERM');
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('when a CLI is asked for --help', () => {
  it('then it says where its settings come from: the environment, then .env in the working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'twiml-help-'));
    for (const cli of ['call', 'sms', 'sign', 'simulate', 'setupNumber']) {
      const entry = path.join(ROOT, 'dist/src/cli', `${cli}.js`);
      const without = spawnSync(process.execPath, [entry, '--help'], { cwd: dir, encoding: 'utf8' });
      expect([cli, without.stdout.trim().split('\n').at(-1)]).toEqual([
        cli,
        `Settings: the environment, then ${path.join(dir, '.env')} (not found); the environment wins.`,
      ]);
    }
    writeFileSync(path.join(dir, '.env'), 'LOG_LEVEL=info\n');
    const withFile = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/call.js'), '--help'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(withFile.stdout).toContain(`${path.join(dir, '.env')} (found)`);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('when the CLIs run from a production install (npm prune --omit=dev, or the image)', () => {
  /** A folder laid out as the systemd path leaves it: dist/ built, TypeScript pruned, package-lock.json rewritten. */
  function productionInstall(withDist: boolean): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'twiml-prod-'));
    mkdirSync(path.join(dir, 'scripts'));
    copyFileSync(path.join(ROOT, 'scripts/ensure-build.js'), path.join(dir, 'scripts/ensure-build.js'));
    if (withDist) {
      mkdirSync(path.join(dir, 'dist/src'), { recursive: true });
      writeFileSync(path.join(dir, 'dist/src/server.js'), '');
      writeFileSync(path.join(dir, 'dist/.tsbuildinfo'), '');
    }
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src/server.ts'), '');
    // prune rewrites the lock file after the build: newer than the stamp.
    writeFileSync(path.join(dir, 'package-lock.json'), '{}');
    return dir;
  }

  it('then the existing build runs as it is: no compiler is looked for, nothing is printed', () => {
    const dir = productionInstall(true);
    const run = spawnSync(process.execPath, ['scripts/ensure-build.js'], { cwd: dir, encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([0, '']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('then a missing build is named with the commands that make it, instead of a crash in tsc', () => {
    const dir = productionInstall(false);
    const run = spawnSync(process.execPath, ['scripts/ensure-build.js'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /dist\/ has not been built and TypeScript is not installed here: run `npm ci && npm run build`/,
    );
    expect(run.stderr).not.toMatch(/Cannot find module/);
    rmSync(dir, { recursive: true, force: true });
  });
});
