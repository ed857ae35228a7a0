// db:backup on a live store: the built server takes calls on a SQLite file while the CLI copies it; the copy is a
// complete database on its own (every call answered before the backup began is in it, no -wal needed), and a
// server started on the restored file answers them through the API. PostgreSQL is refused with the way to do it.
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { emptyDir, runCli, startServer } from './support/process';

const BACKUP_ENTRY = path.resolve(__dirname, '../dist/src/cli/dbBackup.js');
const API_TOKEN = 'backup-test-token-0123456789abcdef0123';

const callOf = (n: number) => ({
  CallSid: `CA${n.toString(16).padStart(32, '0')}`,
  From: '+15551234567',
  To: '+15550006666',
});

describe('when the operator backs up the store while calls come in', () => {
  jest.setTimeout(60_000);

  it('then the copy holds every call answered before it began, and a server restored from it lists them', async () => {
    const dir = emptyDir();
    const file = path.join(dir, 'live.db');
    const env = { NODE_ENV: 'development', DATABASE_URL: `sqlite:${file}`, API_TOKEN };
    const server = await startServer(env);
    const post = (n: number) =>
      fetch(`${server.url}/callbacks/call-status`, {
        method: 'POST',
        body: new URLSearchParams({ ...callOf(n), CallStatus: 'completed', CallDuration: '9' }),
      }).then((r) => r.status);
    let n = 0;
    try {
      // Answered before the backup starts: these must all be in it.
      for (; n < 40; n++) expect(await post(n)).toBe(204);
      // Load while it runs.
      let loading = true;
      const load = (async () => {
        while (loading) await post(n++);
      })();
      const target = path.join(dir, 'backup.db');
      const backup = await runCli(BACKUP_ENTRY, [target], { DATABASE_URL: `sqlite:${file}` });
      loading = false;
      await load;
      expect([backup.status, backup.stderr]).toEqual([0, '']);
      expect(backup.stdout).toMatch(/live\.db → .*backup\.db \(\d+ pages\)/);
      expect(existsSync(`${target}-wal`)).toBe(false);
      expect(statSync(target).mode & 0o777).toBe(0o600);
      const copy = new SQLite(target, { readonly: true });
      const sids = new Set((copy.prepare('SELECT sid FROM calls').all() as Array<{ sid: string }>).map((r) => r.sid));
      copy.close();
      for (let i = 0; i < 40; i++) expect(sids.has(callOf(i).CallSid)).toBe(true);
      expect(sids.size).toBeGreaterThanOrEqual(40);

      // Restore: stop, put the copy in place (without the old -wal and -shm), start, read it back.
      server.child.kill('SIGTERM');
      await server.exited;
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      copyFileSync(target, file);
      const restored = await startServer(env);
      try {
        // Every page of it: the load during the backup can add more calls than one page holds.
        const listed: string[] = [];
        for (let cursor: string | null = ''; cursor !== null;) {
          const res = await fetch(`${restored.url}/api/calls?limit=200${cursor ? `&before=${cursor}` : ''}`, {
            headers: { Authorization: `Bearer ${API_TOKEN}` },
          });
          const page = (await res.json()) as { items: Array<{ sid: string }>; next: string | null };
          listed.push(...page.items.map((c) => c.sid));
          cursor = page.next;
        }
        expect(new Set(listed)).toEqual(sids);
      } finally {
        restored.child.kill('SIGTERM');
      }
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  it('then a PostgreSQL store is refused with the command that backs it up', async () => {
    const refused = await runCli(BACKUP_ENTRY, ['x.db'], { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/PostgreSQL: back it up with pg_dump/);
    expect(refused.stderr).not.toContain('secret');
  });
});
