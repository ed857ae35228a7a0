// What the store adds at the edges: the API's list parameters and errors, the audio stream's refusals, the
// outbox listing; the server process (the default SQLite file, a database newer than the code, db:migrate);
// the setup-number CLI against the simulator; rate limits shared through Redis by two instances.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { TwilioApiServer } from '../src/simulator/restServer';
import { openDatabase } from '../src/store/database';
import { openStore, type Store } from '../src/store/store';
import { BACKENDS, type TestDatabase } from './support/databases';
import type { Kysely } from 'kysely';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig, testEnv } from './support/config';
import { childEnv, emptyDir, runCli, startServer } from './support/process';
import { LOCAL_REDIS_URL, closedPort, redisUp } from './support/redis';

const API_TOKEN = 'surface-api-token-0123456789abcdef0123456';
const DIST = path.resolve(__dirname, '../dist/src');
const auth = (r: request.Test) => r.set('Authorization', `Bearer ${API_TOKEN}`);

describe('when the API lists what the store holds', () => {
  const app = createApp(testConfig({ API_TOKEN }));

  it.each([
    ['/api/calls?limit=0', 'limit'],
    ['/api/calls?limit=201', 'limit'],
    ['/api/messages?limit=ten', 'limit'],
    ['/api/voicemails?before=not-a-cursor', 'before'],
    ['/api/calls?colour=blue', 'colour'],
    ['/api/voicemails?include=everything', 'include'],
    ['/api/notifications?status=lost', 'status'],
    ['/api/voicemails/abc', 'id'],
  ])('then %s is a 400 naming %s', async (url, field) => {
    const res = await auth(request(app).get(url));
    expect(res.status).toBe(400);
    expect(res.body.fields.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('then empty lists are pages with no next, and an unknown voicemail is a 404 for reading, marking and playing', async () => {
    for (const list of ['calls', 'messages', 'voicemails']) {
      const res = await auth(request(app).get(`/api/${list}`));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [], next: null });
    }
    expect((await auth(request(app).get('/api/voicemails/7'))).status).toBe(404);
    expect((await auth(request(app).post('/api/voicemails/7/listened'))).status).toBe(404);
    expect((await auth(request(app).get('/api/voicemails/7/audio'))).status).toBe(404);
    expect((await auth(request(app).get('/api/notifications'))).body).toEqual({ items: [], next: null });
  });

  it('then no list is open without the bearer token', async () => {
    for (const url of [
      '/api/calls',
      '/api/messages',
      '/api/voicemails',
      '/api/voicemails/1/audio',
      '/api/notifications',
    ]) {
      expect((await request(app).get(url)).status).toBe(401);
    }
  });

  it('then a recording cannot be played without Twilio credentials: 503 with the reason', async () => {
    const store = openStore('sqlite::memory:');
    await store.apply(
      [
        {
          type: 'voicemail',
          at: new Date().toISOString(),
          recordingSid: `RE${'1'.repeat(32)}`,
          silent: false,
          source: 'menu',
          audience: { emails: [] },
        },
      ],
      () => [],
    );
    const bare = createApp(
      testConfig({
        API_TOKEN,
        TWILIO_ACCOUNT_SID: undefined,
        TWILIO_AUTH_TOKEN: undefined,
        TWILIO_VALIDATE_SIGNATURE: 'false',
      }),
      { store },
    );
    const res = await auth(request(bare).get('/api/voicemails/1/audio'));
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/Twilio credentials are not configured/);
    await store.close();
  });
});

describe('when the server process keeps its store', () => {
  it('then without DATABASE_URL it creates data/twiml-server.db (0600) in its working directory', async () => {
    const server = await startServer({ ...testEnv({ NODE_ENV: 'development', LOG_LEVEL: 'info' }) });
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect(server.stdout()).toMatch(/"store":"sqlite:[^"]+\/data\/twiml-server\.db","msg":"store ready"/);
      const file = /"store":"sqlite:([^"]+)"/.exec(server.stdout())?.[1] as string;
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('then a database a newer version migrated stops the start with the reason, and db:migrate says the same', async () => {
    const dir = emptyDir();
    const url = `sqlite:${path.join(dir, 'future.db')}`;
    const store = openStore(url);
    await store.ready();
    await store.close();
    const database = openDatabase(url);
    await (database.db as unknown as Kysely<{ kysely_migration: { name: string; timestamp: string } }>)
      .insertInto('kysely_migration')
      .values({ name: '999_future', timestamp: new Date().toISOString() })
      .execute();
    await database.db.destroy();
    const env = childEnv({ ...testEnv({ DATABASE_URL: url }), PORT: '0' });
    const server = spawnSync(process.execPath, [path.join(DIST, 'server.js')], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(server.status).toBe(1);
    expect(server.stderr).toMatch(/was migrated by a newer version of twiml-server \(migration 999_future is unknown/);
    const migrate = spawnSync(process.execPath, [path.join(DIST, 'cli/dbMigrate.js')], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(migrate.status).toBe(1);
    expect(migrate.stderr).toMatch(/999_future/);
  });

  it('then a PostgreSQL that does not answer at start does not stop it: calls are answered, readiness says why, no password is printed', async () => {
    const server = await startServer(
      testEnv({
        LOG_LEVEL: 'info',
        DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/twiml',
        TWILIO_VALIDATE_SIGNATURE: 'false',
      }),
    );
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not ready', store: 'unreachable' });
      const voice = await fetch(`${server.url}/voice`, {
        method: 'POST',
        body: new URLSearchParams({ CallSid: `CA${'e'.repeat(32)}`, CallStatus: 'ringing', From: '+15551234567' }),
      });
      expect(voice.status).toBe(200);
      expect(await voice.text()).toContain('<Gather');
      expect(server.stdout()).toMatch(
        /"store":"postgres:\/\/127\.0\.0\.1:1\/twiml","reason":"ECONNREFUSED","msg":"store unreachable at start/,
      );
      expect(server.stdout() + server.stderr()).not.toContain('hunter2');
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('then db:migrate creates and migrates a new file, then finds it up to date', () => {
    const dir = emptyDir();
    const env = childEnv({ ...testEnv({ DATABASE_URL: 'sqlite:store/x.db' }) });
    const first = spawnSync(process.execPath, [path.join(DIST, 'cli/dbMigrate.js')], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(first.stdout).toMatch(/x\.db: applied 001_initial/);
    expect(existsSync(path.join(dir, 'store/x.db'))).toBe(true);
    const again = spawnSync(process.execPath, [path.join(DIST, 'cli/dbMigrate.js')], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(again.stdout).toMatch(/x\.db: up to date/);
  });
});

describe('when setup-number points a number at this server', () => {
  let twilioApi: TwilioApiServer;
  beforeAll(async () => {
    twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  });
  afterAll(() => twilioApi.close());
  const env = (overrides: Record<string, string | undefined> = {}) =>
    testEnv({ TWILIO_API_BASE_URL: twilioApi.url, PUBLIC_BASE_URL: 'https://voice.example.com', ...overrides });
  const CLI = path.join(DIST, 'cli/setupNumber.js');

  it('then it prints the number’s settings before and after, and Twilio holds the new ones', async () => {
    const number = twilioApi.addNumber('+15550006666');
    const result = await runCli(CLI, ['+15550006666'], env());
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`+15550006666 (${number.sid})`);
    expect(result.stdout).toMatch(/before:\n {2}voice URL {8}POST https:\/\/demo\.twilio\.com\/welcome\/voice\/\n/);
    expect(result.stdout).toMatch(
      /after:\n {2}voice URL {8}POST https:\/\/voice\.example\.com\/voice\n {2}SMS URL {10}POST https:\/\/voice\.example\.com\/sms\n {2}status callback {2}POST https:\/\/voice\.example\.com\/callbacks\/call-status/,
    );
    expect(twilioApi.phoneNumbers.get(number.sid as string)).toMatchObject({
      voice_url: 'https://voice.example.com/voice',
      sms_url: 'https://voice.example.com/sms',
      status_callback: 'https://voice.example.com/callbacks/call-status',
    });
  });

  it.each([
    [['+15550001111'], {}, 2, /\+15550001111 is not a phone number of this Twilio account/],
    [['5550001111'], {}, 2, /E\.164/],
    [[], {}, 2, /give exactly one phone number/],
    [['+15550006666'], { PUBLIC_BASE_URL: undefined }, 1, /PUBLIC_BASE_URL is not set/],
    [['+15550006666'], { TWILIO_AUTH_TOKEN: 'f'.repeat(32) }, 1, /Twilio answered 401|Authenticate/],
  ])('then %j (with %j) exits %i saying why', async (args, overrides, status, reason) => {
    const result = await runCli(CLI, args, env(overrides));
    expect(result.status).toBe(status);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).not.toContain(TEST_AUTH_TOKEN);
  });
});

describe('when two instances share their rate limits through Redis', () => {
  it('then the per-token budget is one budget across both (SKIP without Redis on 127.0.0.1:6379)', async () => {
    if (!(await redisUp())) {
      console.warn('SKIP: shared rate limits: no Redis on 127.0.0.1:6379'); // eslint-disable-line no-console
      return;
    }
    // A token of its own: the counters live in Redis beyond this test.
    const token = `redis-shared-${Date.now()}-0123456789abcdef0123456789`;
    const config = testConfig({ API_TOKEN: token, API_RATE_LIMIT: '3', REDIS_URL: LOCAL_REDIS_URL });
    const [a, b] = [createApp(config), createApp(config)];
    const get = (app: typeof a) => request(app).get('/api/calls').set('Authorization', `Bearer ${token}`);
    const statuses = [];
    for (const app of [a, b, a, b]) statuses.push((await get(app)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const { backgroundOf } = jest.requireActual<typeof import('../src/app')>('../src/app');
    await Promise.all([backgroundOf(a).stop(), backgroundOf(b).stop()]);
  });
});

describe('when REDIS_URL names a Redis that has never answered', () => {
  it('then the API, with the right token or a wrong one, answers at once (limits fail open), not after a connection wait', async () => {
    // A port where nothing listens: every connection attempt is refused, for as long as the test runs.
    const closed = await closedPort();
    const config = testConfig({ API_TOKEN, REDIS_URL: `redis://127.0.0.1:${closed}` });
    const app = createApp(config);
    const { backgroundOf } = jest.requireActual<typeof import('../src/app')>('../src/app');
    try {
      for (const token of [API_TOKEN, 'wrong-token-0123456789abcdef0123456789']) {
        const started = Date.now();
        const res = await request(app).get('/api/calls').set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(token === API_TOKEN ? 200 : 401);
        expect(Date.now() - started).toBeLessThan(1_500); // was 8 s and more
      }
    } finally {
      await backgroundOf(app).stop();
    }
  });
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))(
  'when a list is asked with a forged cursor or a control character, on %s',
  (_name, backend) => {
    let database: TestDatabase;
    let store: Store;
    let app: ReturnType<typeof createApp>;
    beforeAll(async () => {
      database = await backend.create();
      store = openStore(database.url);
      await store.ready();
      app = createApp(testConfig({ API_TOKEN }), { store });
    });
    afterAll(async () => {
      await store.close();
      await database.drop();
    });
    const cursor = (at: string, id: string | number) => Buffer.from(JSON.stringify([at, id])).toString('base64url');

    it.each([
      ['/api/voicemails', cursor('2026-12-03T00:00:00.000Z', 'abc'), 'before'],
      ['/api/voicemails', cursor('2026-12-03T00:00:00.000Z', '99999999999999999999'), 'before'],
      ['/api/voicemails', cursor('2026-12-03T00:00:00.000Z\u0000', 1), 'before'],
      ['/api/calls', cursor('2026-12-03T00:00:00.000Z', 'CA\u0000'), 'before'],
      ['/api/messages', cursor('not a time', 'SM1'), 'before'],
      ['/api/notifications', cursor('2026-12-03T00:00:00.000Z', 'x'), 'before'],
    ])('then %s?before=%s is a 400 naming %s, never a 500', async (list, before, field) => {
      const res = await auth(request(app).get(`${list}?before=${before}`));
      expect([res.status, res.body.fields?.[0]?.field]).toEqual([400, field]);
    });

    it.each([
      ['/api/calls?from=%2B1555%00', 'from'],
      ['/api/messages?to=%00', 'to'],
      ['/api/voicemails?from=%2B15551234567%00', 'from'],
      ['/api/calls?status=completed%0A', 'status'],
    ])('then %s is a 400 naming %s', async (url, field) => {
      const res = await auth(request(app).get(url));
      expect([res.status, res.body.fields?.[0]?.field]).toEqual([400, field]);
    });

    it('then a real next page still pages', async () => {
      for (const n of [1, 2]) {
        await store.apply(
          [
            {
              type: 'voicemail',
              at: `2026-12-03T00:00:0${n}.000Z`,
              recordingSid: `RE${String(n).padStart(32, '0')}`,
              silent: false,
              source: 'menu',
              audience: { emails: [] },
            },
          ],
          () => [],
        );
      }
      const first = await auth(request(app).get('/api/voicemails?limit=1'));
      const second = await auth(request(app).get(`/api/voicemails?limit=1&before=${first.body.next}`));
      expect([first.status, second.status, second.body.items.length]).toEqual([200, 200, 1]);
      expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    });
  },
);
