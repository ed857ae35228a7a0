// Webhook URLs with HTTP authentication (PUBLIC_BASE_URL=https://user:password@host): Twilio's first request
// carries no credentials and is challenged (401 + WWW-Authenticate), the retry carries them and a signature
// over the URL as configured. Checked with supertest on every kind of route, and end to end with the
// simulator, which performs Twilio's challenge-and-retry; credentials never reach a log line.
import { getExpectedTwilioSignature } from 'twilio';
import request from 'supertest';
import { createApp } from '../src/app';
import { loadConfig, ConfigError } from '../src/config';
import { WEBHOOK_AUTH_FAILURES } from '../src/middleware/webhookAuth';
import { runCall, type Step } from '../src/simulator/voiceCall';
import { startAppServer } from './support/appServer';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig, testEnv } from './support/config';
import { captureLogs } from './support/logs';
import { TWILIO_ROUTES } from './support/routes';
import { signedJson } from './support/signing';
import { parseTwiml } from './support/twiml';

const USER = 'twilio';
const PASSWORD = 'S3cret-pass_word';
const BASE = `https://${USER}:${PASSWORD}@voice.example.com`;
const BARE = 'https://voice.example.com';
const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };
const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

const logs = captureLogs();
const app = createApp(testConfig({ PUBLIC_BASE_URL: BASE }), { logger: logs.logger });

function post(path: string, options: { authorization?: string; signedFor?: string } = {}) {
  const req = request(app)
    .post(path)
    .set('X-Twilio-Signature', getExpectedTwilioSignature(TEST_AUTH_TOKEN, (options.signedFor ?? BASE) + path, CALL))
    .type('form')
    .send(new URLSearchParams(CALL).toString());
  return options.authorization ? req.set('Authorization', options.authorization) : req;
}

describe('when PUBLIC_BASE_URL carries user:password@', () => {
  it.each(TWILIO_ROUTES.map((r) => [r]))(
    'then %s without credentials is challenged with 401 and a Basic WWW-Authenticate, never TwiML',
    async (route) => {
      const res = await post(route);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="[^"]+"/);
      expect(res.text).not.toContain('<Response');
    },
  );

  it('then the retry with the credentials and a signature over the URL as configured is answered', async () => {
    const res = await post('/voice', { authorization: basic(`${USER}:${PASSWORD}`) });
    expect(res.status).toBe(200);
    const gather = parseTwiml(res.text).children.find((c) => c.name === 'Gather');
    // The URLs Twilio is handed carry the credentials, so the next request can authenticate too.
    expect(gather?.attrs.action).toBe(`${BASE}/voice/menu`);
  });

  it('then a signature over the URL without the credentials is accepted as well (an HMAC with the token either way)', async () => {
    expect((await post('/voice', { authorization: basic(`${USER}:${PASSWORD}`), signedFor: BARE })).status).toBe(200);
  });

  it.each([
    ['a wrong password', basic(`${USER}:wrong`)],
    ['a wrong user', basic(`other:${PASSWORD}`)],
    ['the password with a byte more', basic(`${USER}:${PASSWORD}x`)],
    ['no colon', basic(`${USER}${PASSWORD}`)],
    ['another scheme', `Bearer ${PASSWORD}`],
  ])('then %s is challenged again', async (_, authorization) => {
    const res = await post('/voice', { authorization });
    expect(res.status).toBe(401);
  });

  it.each([
    ['another word before Basic', `XBasic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`],
    ['text after the credentials', `${basic(`${USER}:${PASSWORD}`)} extra`],
  ])('then the right credentials with %s are challenged again (the header is read whole)', async (_, authorization) => {
    expect((await post('/voice', { authorization })).status).toBe(401);
  });

  it('then the scheme in any case and several spaces before the credentials are read as Basic', async () => {
    const token = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    expect((await post('/voice', { authorization: `basic  ${token}` })).status).toBe(200);
  });

  it.each([
    ['no padding', 'abc', 'pass1'],
    ['two = of padding', 'abc', 'pass12'],
  ])('then base64 with %s is read', async (_, user, password) => {
    expect(Buffer.from(`${user}:${password}`).toString('base64')).toMatch(_ === 'no padding' ? /[^=]$/ : /==$/);
    const local = createApp(testConfig({ PUBLIC_BASE_URL: `https://${user}:${password}@voice.example.com` }));
    const signature = getExpectedTwilioSignature(
      TEST_AUTH_TOKEN,
      `https://${user}:${password}@voice.example.com/voice`,
      CALL,
    );
    const res = await request(local)
      .post('/voice')
      .set('Authorization', basic(`${user}:${password}`))
      .set('X-Twilio-Signature', signature)
      .type('form')
      .send(new URLSearchParams(CALL).toString());
    expect(res.status).toBe(200);
  });

  it('then a challenge says Unauthorized, logs the routine first request at debug and wrong credentials at warn, with the path', async () => {
    const before = logs.entries().length;
    const first = await post('/voice/menu');
    expect(first.text).toBe('Unauthorized\n');
    expect(first.headers['content-type']).toBe('text/plain; charset=utf-8');
    await post('/voice/menu', { authorization: basic(`${USER}${PASSWORD}`) }); // no colon: not credentials at all
    await post('/voice/menu', { authorization: basic(`${USER}:nope`) });
    const lines = logs
      .entries()
      .slice(before)
      .filter((e) => /HTTP (authentication|credentials)/.test(String(e.msg)));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'webhook request challenged for HTTP authentication',
        path: '/voice/menu',
      }),
      expect.objectContaining({
        level: 20,
        msg: 'webhook request challenged for HTTP authentication',
        path: '/voice/menu',
      }),
      expect.objectContaining({
        level: 40,
        msg: 'webhook request with wrong HTTP credentials',
        path: '/voice/menu',
        method: 'POST',
      }),
    ]);
  });

  it('then a JSON webhook signed over the URL with or without the credentials passes, and one signed over neither does not', async () => {
    const body = JSON.stringify({ CallSid: CALL.CallSid, CallStatus: 'completed' });
    const authorization = basic(`${USER}:${PASSWORD}`);
    for (const base of [BASE, BARE]) {
      const res = await signedJson(app, '/callbacks/call-status', body, { base }).set('Authorization', authorization);
      expect(res.status).toBe(204);
    }
    const forged = await signedJson(app, '/callbacks/call-status', body, { base: 'https://elsewhere.example.com' }).set(
      'Authorization',
      authorization,
    );
    expect(forged.status).toBe(403);
  });

  it('then the right credentials with a forged signature are still 403', async () => {
    const res = await request(app)
      .post('/voice')
      .set('Authorization', basic(`${USER}:${PASSWORD}`))
      .set('X-Twilio-Signature', 'forged')
      .type('form')
      .send(new URLSearchParams(CALL).toString());
    expect(res.status).toBe(403);
  });

  it('then no log line shows the password', () => {
    expect(logs.text()).not.toContain(PASSWORD);
    expect(logs.entries().some((e) => e.msg === 'webhook request with wrong HTTP credentials')).toBe(true);
  });

  it('then a config error about the URL never echoes the password', () => {
    let error: unknown;
    try {
      loadConfig(testEnv({ PUBLIC_BASE_URL: `ftp://${USER}:${PASSWORD}@voice.example.com` }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toContain('ftp://***@voice.example.com');
    expect(String((error as Error).message)).not.toContain(PASSWORD);
    expect(() => loadConfig(testEnv({ PUBLIC_BASE_URL: `https://${USER}@voice.example.com` }))).toThrow(
      /both a user name and a password/,
    );
  });
});

describe('when the simulator calls a server whose webhooks need HTTP authentication', () => {
  it('then it is challenged, retries with the credentials, and the whole voicemail flow runs', async () => {
    const server = await startAppServer({}, { credentials: `${USER}:${encodeURIComponent(PASSWORD)}` });
    try {
      const result = await runCall(
        {
          url: `${server.url.replace('://', `://${USER}:${PASSWORD}@`)}/voice`,
          from: '+15551234567',
          to: '+15550006666',
          accountSid: TEST_ACCOUNT_SID,
          authToken: TEST_AUTH_TOKEN,
        },
        { inputs: [{ digits: '2' }], recordSeconds: 6 },
      );
      expect(result.error).toBeUndefined();
      const requests = result.steps.filter((s): s is Extract<Step, { type: 'request' }> => s.type === 'request');
      expect(requests.map((r) => `${new URL(r.url).pathname} ${r.status}`)).toEqual([
        '/voice 200',
        '/voice/menu 200',
        '/voice/voicemail 200',
      ]);
      expect(JSON.stringify(result.steps)).not.toContain(PASSWORD);
      expect(server.logs.text()).not.toContain(PASSWORD);
    } finally {
      await server.close();
    }
  });
});

describe('when someone guesses the webhooks’ HTTP password', () => {
  it('then past WEBHOOK_AUTH_FAILURES wrong guesses from one address the answer is 429 without a check (the right one included), while challenges and Twilio elsewhere are untouched', async () => {
    const guarded = createApp(testConfig({ PUBLIC_BASE_URL: BASE, TRUST_PROXY: 'loopback' }));
    const from = (address: string, authorization?: string) => {
      const req = request(guarded)
        .post('/voice')
        .set('X-Forwarded-For', address)
        .set('X-Twilio-Signature', getExpectedTwilioSignature(TEST_AUTH_TOKEN, BASE + '/voice', CALL))
        .type('form')
        .send(new URLSearchParams(CALL).toString());
      return authorization ? req.set('Authorization', authorization) : req;
    };
    const statuses: number[] = [];
    for (let i = 0; i < WEBHOOK_AUTH_FAILURES + 5; i++)
      statuses.push((await from('198.51.100.9', basic(`${USER}:guess-${i}`))).status);
    expect(statuses.slice(0, WEBHOOK_AUTH_FAILURES).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(WEBHOOK_AUTH_FAILURES).every((s) => s === 429)).toBe(true);
    // Limited: even the right password is not checked from there.
    expect((await from('198.51.100.9', basic(`${USER}:${PASSWORD}`))).status).toBe(429);
    // Twilio's routine first request (no credentials) is never counted, and Twilio from its own address gets in.
    expect((await from('203.0.113.5')).status).toBe(401);
    expect((await from('203.0.113.5', basic(`${USER}:${PASSWORD}`))).status).toBe(200);
  });
});
