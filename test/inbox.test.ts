// The operator's inbox over HTTP (supertest), each page parsed as HTML: sign-in and its limits, the session
// cookie's attributes, CSRF on every change, the separation from the API, escaping, the pages' content.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { createApp } from '../src/app';
import { hashPassword, verifyPassword } from '../src/inbox/passwords';
import { runCli } from './support/process';
import { spawn } from 'node:child_process';
import { TwilioApiServer } from '../src/simulator/restServer';
import { openStore, type Store } from '../src/store/store';
import type { StoreEvent } from '../src/store/events';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig } from './support/config';
import { parsePage, texts } from './support/html';

const PASSWORD = 'correct horse battery staple';
const API_TOKEN = 'inbox-test-api-token-0123456789abcdef012345';
let hash: string;
let twilioApi: TwilioApiServer;
beforeAll(async () => {
  hash = await hashPassword(PASSWORD);
  twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
});
afterAll(() => twilioApi.close());

// Yesterday: before anything the tests send now.
const at = (s: number) => new Date(Date.now() - 86_400_000 + s * 1000).toISOString();
const VOICEMAIL: StoreEvent = {
  type: 'voicemail',
  at: at(1),
  recordingSid: `RE${'4'.repeat(32)}`,
  callSid: `CA${'4'.repeat(32)}`,
  from: '+15551234567',
  to: '+15550006666',
  durationSeconds: 6,
  silent: false,
  source: 'menu',
  audience: { emails: [] },
};

function inbox(overrides: Record<string, string | undefined> = {}) {
  const store = openStore('sqlite::memory:');
  const app = createApp(
    testConfig({
      INBOX_USERS: `alice:${hash}`,
      INBOX_SESSION_SECRET: 's'.repeat(40),
      API_TOKEN,
      OUTBOUND_ALLOWLIST: '+1555123*',
      TWILIO_API_BASE_URL: twilioApi.url,
      ...overrides,
    }),
    { store },
  );
  return { app, store };
}

async function signedIn(app: ReturnType<typeof inbox>['app']) {
  const res = await request(app).post('/inbox/sign-in').type('form').send({ username: 'alice', password: PASSWORD });
  expect(res.status).toBe(303);
  const cookie = String(res.headers['set-cookie']?.[0]).split(';')[0] as string;
  const page = await request(app).get('/inbox/voicemails').set('Cookie', cookie);
  const csrf = parsePage(page.text).body.getAttribute('data-csrf') as string;
  return { cookie, csrf };
}

describe('when nobody may sign in (INBOX_USERS unset)', () => {
  it('then every inbox path is a 404 saying how to turn it on', async () => {
    const { app } = inbox({ INBOX_USERS: undefined });
    for (const path of ['/inbox', '/inbox/sign-in', '/inbox/voicemails']) {
      const res = await request(app).get(path);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/set INBOX_USERS .*npm run hash-password/);
    }
  });
});

describe('when the operator signs in', () => {
  it('then the form has a username and a password field, and pages without a session lead to it', async () => {
    const { app } = inbox();
    const form = parsePage((await request(app).get('/inbox/sign-in')).text);
    expect(form.querySelector('form[method=post][action="/inbox/sign-in"] input[name=username]')).not.toBeNull();
    expect(form.querySelector('input[name=password][type=password]')).not.toBeNull();
    for (const path of ['/inbox', '/inbox/voicemails', '/inbox/messages', '/inbox/calls']) {
      const res = await request(app).get(path);
      expect([path, res.status, res.headers.location]).toEqual([path, 303, '/inbox/sign-in']);
    }
  });

  it('then the right password gives an HttpOnly, SameSite=Lax, expiring cookie (Secure behind https), a wrong one a 401', async () => {
    const { app } = inbox();
    const wrong = await request(app).post('/inbox/sign-in').type('form').send({ username: 'alice', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(texts(parsePage(wrong.text), '[role=alert]')).toEqual(['Wrong name or password.']);
    const unknown = await request(app)
      .post('/inbox/sign-in')
      .type('form')
      .send({ username: 'mallory', password: PASSWORD });
    expect(unknown.status).toBe(401);
    const right = await request(app)
      .post('/inbox/sign-in')
      .type('form')
      .send({ username: 'alice', password: PASSWORD });
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe('/inbox/voicemails');
    const cookie = String(right.headers['set-cookie']?.[0]);
    expect(cookie).toMatch(/^twiml_inbox=v1\.[^;]+; Path=\/inbox; HttpOnly; SameSite=Lax; Secure; Max-Age=43200$/);
    const plain = inbox({ PUBLIC_BASE_URL: 'http://voice.example.com' });
    const res = await request(plain.app)
      .post('/inbox/sign-in')
      .type('form')
      .send({ username: 'alice', password: PASSWORD });
    expect(String(res.headers['set-cookie']?.[0])).not.toContain('Secure');
  });

  it('then a forged or tampered cookie opens nothing, and neither does the API token; the cookie opens no API', async () => {
    const { app } = inbox();
    const { cookie } = await signedIn(app);
    const tampered = cookie.replace(/\.(\d+)\./, (_, n) => `.${Number(n) + 1}.`);
    expect((await request(app).get('/inbox/voicemails').set('Cookie', tampered)).status).toBe(303);
    expect((await request(app).get('/inbox/voicemails').set('Authorization', `Bearer ${API_TOKEN}`)).status).toBe(303);
    expect((await request(app).get('/api/voicemails').set('Cookie', cookie)).status).toBe(401);
  });

  it('then past the limit no password is checked: the right one is refused like any other, from that address', async () => {
    // 1,000 guesses from one address, the right password at a random place: not one 303 once the address is
    // over its limit (before it, the right password signs in). Seeded, bounded.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 999 }), async (rightAt) => {
        const { app } = inbox({ TRUST_PROXY: 'loopback' });
        const answers: number[] = [];
        for (let i = 0; i < 1000; i++) {
          const res = await request(app)
            .post('/inbox/sign-in')
            .set('X-Forwarded-For', '198.51.100.7')
            .type('form')
            .send({ username: 'alice', password: i === rightAt ? PASSWORD : `guess ${i}` });
          answers.push(res.status);
        }
        const failuresBefore = answers.slice(0, rightAt).filter((s) => s === 401).length;
        expect(answers[rightAt]).toBe(failuresBefore < 10 ? 303 : 429);
        expect(answers.filter((s) => s === 401)).toHaveLength(10);
        expect(answers.filter((s, i) => s === 303 && i !== rightAt)).toEqual([]);
        // The operator, from another address, still signs in.
        const elsewhere = await request(app)
          .post('/inbox/sign-in')
          .set('X-Forwarded-For', '203.0.113.9')
          .type('form')
          .send({ username: 'alice', password: PASSWORD });
        expect(elsewhere.status).toBe(303);
      }),
      { seed: 21022, numRuns: 3, examples: [[500], [3]] },
    );
  }, 120_000);

  it.each<[string, Record<string, string>, number]>([
    ['a form from another site (Sec-Fetch-Site: cross-site)', { 'Sec-Fetch-Site': 'cross-site' }, 403],
    ['a form from another origin (Origin)', { Origin: 'https://evil.example.net' }, 403],
    ['a same-site but other-origin form', { 'Sec-Fetch-Site': 'same-site' }, 403],
    ['an Origin that is not a URL', { Origin: 'evil' }, 403],
    [
      "Chromium's own form under Referrer-Policy no-referrer (Origin: null)",
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' },
      303,
    ],
    ['this site (Sec-Fetch-Site: same-origin)', { 'Sec-Fetch-Site': 'same-origin' }, 303],
    ['the public origin (PUBLIC_BASE_URL)', { Origin: 'https://voice.example.com' }, 303],
    ['no browser headers at all (curl)', {}, 303],
  ])('then a sign-in posted as %s answers %i (login CSRF)', async (_, headers, status) => {
    const { app } = inbox();
    const res = await request(app)
      .post('/inbox/sign-in')
      .set(headers)
      .type('form')
      .send({ username: 'alice', password: PASSWORD });
    expect(res.status).toBe(status);
    if (status === 403) expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('then a session opens nothing once its user is removed or their password changed (and still does elsewhere otherwise)', async () => {
    const { app, store } = inbox();
    const { cookie, csrf } = await signedIn(app);
    const sameSecret = (users: string) => inbox({ INBOX_USERS: users }).app;
    // Another instance with the same users and secret: the session works there too.
    expect(
      (
        await request(sameSecret(`alice:${hash}`))
          .get('/inbox/voicemails')
          .set('Cookie', cookie)
      ).status,
    ).toBe(200);
    // The password changed (a new hash), or the user was removed: refused, for pages and for changes alike.
    const changed = sameSecret(`alice:${await hashPassword('a new long password')}`);
    const removed = sameSecret(`bob:${hash}`);
    for (const other of [changed, removed]) {
      expect((await request(other).get('/inbox/voicemails').set('Cookie', cookie)).status).toBe(303);
      const reply = await request(other)
        .post('/inbox/messages/%2B15551234567/reply')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .type('form')
        .send({ body: 'still here?' });
      expect(reply.status).toBe(401);
    }
    await store.close();
  });

  it('then signing out ends the live-update streams that session opened, and only those', async () => {
    const { app, store } = inbox();
    const mine = await signedIn(app);
    const other = await signedIn(app);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    const open = (cookie: string) =>
      new Promise<{ ended: Promise<void>; close: () => void }>((resolve, reject) => {
        const req = http.get({ port, host: '127.0.0.1', path: '/inbox/events', headers: { Cookie: cookie } }, (res) => {
          expect(res.statusCode).toBe(200);
          res.resume();
          resolve({ ended: new Promise((done) => res.once('end', () => done())), close: () => req.destroy() });
        });
        req.once('error', reject);
      });
    try {
      const [mineStream, otherStream] = [await open(mine.cookie), await open(other.cookie)];
      let otherEnded = false;
      void otherStream.ended.then(() => (otherEnded = true));
      const out = await request(app)
        .post('/inbox/sign-out')
        .set('Cookie', mine.cookie)
        .type('form')
        .send({ csrf: mine.csrf });
      expect(out.status).toBe(303);
      await mineStream.ended; // would hang (and time out) if the stream outlived the session
      expect(otherEnded).toBe(false);
      otherStream.close();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await store.close();
    }
  });

  it('then a flood of sign-ins waits its turn or is told to retry (503), so password checks never take all the CPU', async () => {
    const { app } = inbox();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(app)
          .post('/inbox/sign-in')
          .type('form')
          // Forty names, so the per-name limit lets each reach a password check: the queue must hold.
          .send({ username: `user${i}`, password: `flood ${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 503 || s === 401 || s === 429)).toBe(true);
    expect(answers.find((a) => a.status === 503)?.headers['retry-after']).toBe('5');
    const right = await request(app)
      .post('/inbox/sign-in')
      .type('form')
      .send({ username: 'alice', password: PASSWORD });
    expect(right.status).toBe(303);
  });

  it('then signing out needs the form’s CSRF token, clears the cookie, and ends the session for every copy of it', async () => {
    const { app } = inbox();
    const { cookie, csrf } = await signedIn(app);
    expect((await request(app).post('/inbox/sign-out').set('Cookie', cookie).type('form').send({})).status).toBe(403);
    const out = await request(app).post('/inbox/sign-out').set('Cookie', cookie).type('form').send({ csrf });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie']?.[0])).toMatch(/^twiml_inbox=; Path=\/inbox; .*Max-Age=0$/);
    // A copy of the old cookie (kept by an attacker, or another tab) opens nothing any more.
    expect((await request(app).get('/inbox/voicemails').set('Cookie', cookie)).status).toBe(303);
    expect((await request(app).get('/inbox/events').set('Cookie', cookie)).status).toBe(401);
  });
});

describe('when the pages are read', () => {
  let app: ReturnType<typeof inbox>['app'];
  let store: Store;
  let session: { cookie: string; csrf: string };
  beforeEach(async () => {
    ({ app, store } = inbox());
    session = await signedIn(app);
  });
  const get = (path: string) => request(app).get(path).set('Cookie', session.cookie);

  it('then every page forbids inline script and framing, and loads only its own script and style', async () => {
    const res = await get('/inbox/voicemails');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const doc = parsePage(res.text);
    expect([...doc.querySelectorAll('script')].map((s) => s.getAttribute('src'))).toEqual(['/inbox/assets/inbox.js']);
    expect([...doc.querySelectorAll('script')].every((s) => (s.textContent ?? '') === '')).toBe(true);
    expect((await get('/inbox/assets/inbox.js')).headers['content-type']).toMatch(/javascript/);
  });

  it('then empty tabs say what to do next, with our number written for people', async () => {
    expect(texts(parsePage((await get('/inbox/voicemails')).text), '.empty')).toEqual([
      'No voicemails yet — call +1 555 000 6666 and press 2 to leave one.',
    ]);
    expect(texts(parsePage((await get('/inbox/messages')).text), '.empty')[0]).toMatch(/^No texts yet/);
    expect(texts(parsePage((await get('/inbox/calls')).text), '.empty')[0]).toMatch(/^No calls yet/);
  });

  it('then a voicemail shows caller, length, transcript (escaped), a player, and the unread count in the title', async () => {
    await store.apply([VOICEMAIL], () => []);
    await store.apply(
      [
        {
          type: 'transcript',
          at: at(2),
          recordingSid: VOICEMAIL.type === 'voicemail' ? VOICEMAIL.recordingSid : '',
          status: 'completed',
          text: '<script>alert(1)</script> call me',
          audience: { emails: [] },
        },
      ],
      () => [],
    );
    const doc = parsePage((await get('/inbox/voicemails')).text);
    expect(doc.querySelector('title')?.textContent).toBe('(1) Voicemails · Inbox');
    const item = doc.querySelector('#voicemail-1');
    expect(item?.querySelector('.phone')?.getAttribute('title')).toBe('+15551234567');
    expect(item?.querySelector('.phone')?.textContent).toBe('+1 555 123 4567');
    expect(item?.querySelector('.transcript')?.textContent).toBe('<script>alert(1)</script> call me');
    expect(doc.querySelectorAll('script')).toHaveLength(1);
    expect(item?.querySelector('audio')?.getAttribute('src')).toBe('/inbox/voicemails/1/audio');
    expect(item?.getAttribute('aria-current')).toBeNull();
    // A notification's link names the voicemail it is about: that one is marked.
    const linked = parsePage((await get('/inbox/voicemails/1')).text);
    expect(linked.querySelector('#voicemail-1')?.getAttribute('aria-current')).toBe('true');
    expect(linked.querySelectorAll('[aria-current="true"]')).toHaveLength(1);

    const noToken = await request(app).post('/inbox/voicemails/1/listened').set('Cookie', session.cookie);
    expect(noToken.status).toBe(403);
    const listened = await request(app)
      .post('/inbox/voicemails/1/listened')
      .set('Cookie', session.cookie)
      .set('X-CSRF-Token', session.csrf);
    expect(listened.status).toBe(204);
    expect(parsePage((await get('/inbox/voicemails')).text).querySelector('title')?.textContent).toBe(
      'Voicemails · Inbox',
    );
  });

  it('then a quiet old thread stays listed however many texts a busy one has had since', async () => {
    const text = (n: number, from: string) =>
      ({
        type: 'message',
        at: new Date(Date.UTC(2026, 10, 24, 12, 0, 0) + n * 1000).toISOString(),
        messageSid: `SM${String(n).padStart(32, '0')}`,
        direction: 'inbound',
        from,
        to: '+15550006666',
        body: `text ${n}`,
        mediaUrls: [],
        status: 'received',
      }) as const;
    await store.apply([text(0, '+15552220000')], () => []);
    const busy = [...Array(520).keys()].map((i) => text(1 + i, '+15551110000'));
    for (let i = 0; i < busy.length; i += 52) await store.apply(busy.slice(i, i + 52), () => []);
    const threads = parsePage((await get('/inbox/messages')).text);
    // Built from the newest 500 texts, the list lost the quiet thread.
    expect([...threads.querySelectorAll('#threads a')].map((a) => a.getAttribute('href'))).toEqual([
      '/inbox/messages/%2B15551110000',
      '/inbox/messages/%2B15552220000',
    ]);
    const quiet = parsePage((await get('/inbox/messages/%2B15552220000')).text);
    expect(texts(quiet, '#thread .bubble p')).toEqual(['text 0']);
  });

  it('then texts group into threads by the other party, and a reply goes out through the allow-list or says why not', async () => {
    await store.apply(
      [
        {
          type: 'message',
          at: at(3),
          messageSid: `SM${'5'.repeat(32)}`,
          direction: 'inbound',
          from: '+15551234567',
          to: '+15550006666',
          body: 'Open Sunday?',
          mediaUrls: [],
          status: 'received',
        },
      ],
      () => [],
    );
    const threads = parsePage((await get('/inbox/messages')).text);
    expect([...threads.querySelectorAll('#threads a')].map((a) => a.getAttribute('href'))).toEqual([
      '/inbox/messages/%2B15551234567',
    ]);
    const replyTo = (number: string, form: Record<string, string>) =>
      request(app)
        .post(`/inbox/messages/${encodeURIComponent(number)}/reply`)
        .set('Cookie', session.cookie)
        .type('form')
        .send(form);
    const reply = await replyTo('+15551234567', { csrf: session.csrf, body: 'Yes, 10 to 4.' });
    expect(reply.status).toBe(303);
    expect(twilioApi.requestsTo('Messages').at(-1)?.params).toMatchObject({
      To: '+15551234567',
      Body: 'Yes, 10 to 4.',
    });
    const thread = parsePage((await get('/inbox/messages/%2B15551234567')).text);
    expect(texts(thread, '#thread .bubble p')).toEqual(['Open Sunday?', 'Yes, 10 to 4.']);
    expect(thread.querySelector('#thread .bubble.out .status')?.textContent).toBe('queued');

    const refused = await replyTo('+15559876543', { csrf: session.csrf, body: 'hi' });
    expect(refused.status).toBe(403);
    expect(texts(parsePage(refused.text), '[role=alert]')).toEqual([
      'Not sent: +15559876543 is not in OUTBOUND_ALLOWLIST',
    ]);
    const forged = await replyTo('+15551234567', { body: 'no token' });
    expect(forged.status).toBe(403);
  });

  it('then the call log shows who, the path and the status, filtered by number and status', async () => {
    await store.apply(
      [
        {
          type: 'call-status',
          at: at(4),
          callSid: `CA${'6'.repeat(32)}`,
          status: 'completed',
          direction: 'inbound',
          from: '+15551234567',
          to: '+15550006666',
          durationSeconds: 31,
        },
        { type: 'call-step', at: at(4), callSid: `CA${'6'.repeat(32)}`, kind: 'menu-choice', detail: 'voicemail' },
        {
          type: 'call-status',
          at: at(5),
          callSid: `CA${'7'.repeat(32)}`,
          status: 'busy',
          direction: 'inbound',
          from: '+15557770000',
          to: '+15550006666',
        },
        {
          type: 'call-status',
          at: at(6),
          callSid: `CA${'8'.repeat(32)}`,
          status: 'no-answer',
          direction: 'outbound-api',
          from: '+15550006666',
          to: '+15551234567',
        },
      ],
      () => [],
    );
    const all = parsePage((await get('/inbox/calls')).text);
    expect(all.querySelectorAll('#calls tbody tr')).toHaveLength(3);
    // The number on either side: the call it made and the call made to it, newest first.
    const either = parsePage((await get('/inbox/calls?number=%2B15551234567')).text);
    expect(texts(either, '#calls tbody tr td:last-child')).toEqual(['no-answer', 'completed']);
    const one = parsePage((await get('/inbox/calls?number=%2B15551234567&status=completed')).text);
    expect(texts(one, '#calls tbody tr td')).toEqual([
      expect.stringMatching(/UTC$/),
      'inbound',
      '+1 555 123 4567',
      'menu-choice: voicemail',
      '31',
      'completed',
    ]);
  });
});

describe('when the operator creates a user with npm run hash-password', () => {
  const cli = path.resolve(__dirname, '../dist/src/cli/hashPassword.js');

  it('then a password piped on standard input gives a hash of it as the last line, and nothing echoes it', async () => {
    const made = await runCli(cli, [], {}, 'a long enough password\n');
    expect(made.status).toBe(0);
    const last = made.stdout.trim().split('\n').at(-1) as string;
    expect(await verifyPassword('a long enough password', last)).toBe(true);
    expect(await verifyPassword('another password', last)).toBe(false);
    expect(made.stdout + made.stderr).not.toContain('a long enough password');
    expect((await runCli(cli, [], {}, 'short\n')).stderr).toMatch(/under 12 characters/);
    expect((await runCli(cli, [], {}, '')).status).toBe(2);
  });

  it('then a password on the command line is refused (it would stay in the shell history) and not hashed', async () => {
    const refused = await runCli(cli, ['a long enough password'], {});
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/no arguments: a password on the command line stays in the shell's history/);
    expect(refused.stdout).toBe('');
  });

  it('then at a terminal it asks twice without echoing what is typed', async () => {
    // A real pseudo-terminal (util-linux's script), typed into as a person would.
    const typed = await typeAtTerminal(`${process.execPath} ${cli}`, [
      'correct horse battery\r',
      'correct horse battery\r',
    ]);
    const last = typed.trim().split(/\r?\n/).at(-1) as string;
    expect(typed).toMatch(/Password: /);
    expect(typed).toMatch(/Again: /);
    expect(typed).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', last)).toBe(true);
    const differ = await typeAtTerminal(`${process.execPath} ${cli}`, [
      'correct horse battery\r',
      'wrong horse battery\r',
    ]);
    expect(differ).toMatch(/the two passwords differ: nothing was hashed/);
    expect(differ).not.toMatch(/scrypt:/);
  });
});

/** Runs `command` in a pseudo-terminal and types each answer once its prompt has appeared; all it printed. */
function typeAtTerminal(command: string, answers: string[]): Promise<string> {
  const child = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let prompts = 0;
  const onOutput = (chunk: Buffer): void => {
    out += chunk.toString();
    const seen = (out.match(/Password: |Again: /g) ?? []).length;
    while (prompts < seen && prompts < answers.length) child.stdin.write(answers[prompts++] as string);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  return new Promise((resolve) => child.on('close', () => resolve(out)));
}
