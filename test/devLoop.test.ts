// The developer loop: the CLIs answer without rebuilding (dist/ is rebuilt only when a source is newer), timed
// as a ratio to `node -e 0` on the same machine, not as an absolute.
import { spawnSync } from 'node:child_process';
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
