// The HTTP API for outbound calls and SMS, driving the real twilio client over HTTP to a local Twilio REST server.
import request from 'supertest';
import { createApp } from '../src/app';
import { PUBLIC_BASE, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { signatureFor } from './support/signing';
import { TwilioApiServer } from '../src/simulator/restServer';
import { parseTwiml } from './support/twiml';

const API_TOKEN = 'test-api-token-0123456789abcdef0123456789';
const API_KEY = `SK${'ab'.repeat(16)}`;
const API_SECRET = 'S3cretS3cretS3cretS3cretS3cret12';
let twilioApi: TwilioApiServer;

beforeAll(async () => {
  twilioApi = await TwilioApiServer.start({
    accountSid: TEST_ACCOUNT_SID,
    authToken: TEST_AUTH_TOKEN,
    apiKeys: { [API_KEY]: API_SECRET },
  });
});
afterAll(() => twilioApi.close());
beforeEach(() => {
  twilioApi.requests.length = 0;
});

function appFor(overrides: Record<string, string | undefined> = {}, logs = captureLogs()) {
  const config = testConfig({
    TWILIO_API_BASE_URL: twilioApi.url,
    API_TOKEN,
    OUTBOUND_ALLOWLIST: '+1555*,+442079460000',
    TWILIO_TIMEOUT_MS: '1000',
    ...overrides,
  });
  return { app: createApp(config, { logger: logs.logger }), logs };
}

const getWithToken = (app: ReturnType<typeof appFor>['app'], path: string) =>
  request(app).get(path).set('Authorization', `Bearer ${API_TOKEN}`);

const post = (app: ReturnType<typeof appFor>['app'], path: string, body: unknown, token = API_TOKEN) =>
  request(app)
    .post(path)
    .set('Authorization', `Bearer ${token}`)
    .send(body as object);

describe('when a call is placed through POST /api/calls', () => {
  it('then Twilio gets our number, the message twimlet URL and the call-status callback, and we answer 201', async () => {
    const { app } = appFor();
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'Hello world.' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ sid: expect.stringMatching(/^CA[0-9a-f]{32}$/), status: 'queued' });
    expect(res.headers.location).toBe(`/api/calls/${res.body.sid}`);

    const [sent] = twilioApi.requestsTo('Calls');
    expect(sent).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Calls.json`,
      username: TEST_ACCOUNT_SID,
      params: {
        To: '+15551234567',
        From: '+15550006666',
        Method: 'POST',
        StatusCallback: `${PUBLIC_BASE}/callbacks/call-status`,
        StatusCallbackMethod: 'POST',
        StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      },
    });
    const url = new URL(sent?.params.Url as string);
    expect(url.origin + url.pathname).toBe(`${PUBLIC_BASE}/twiml/message`);
    expect(url.searchParams.get('Message[0]')).toBe('Hello world.');
  });

  it('then the URL given to Twilio really answers with the message (signed as Twilio would fetch it)', async () => {
    const { app } = appFor();
    await post(app, '/api/calls', { to: '+15551234567', message: 'It’s <ready> & waiting' });
    const url = twilioApi.requestsTo('Calls')[0]?.params.Url as string;
    const path = url.slice(PUBLIC_BASE.length);
    const params = { CallSid: 'CA0123456789abcdef0123456789abcdef', CallStatus: 'in-progress' };
    const res = await request(app)
      .post(path)
      .set('X-Twilio-Signature', signatureFor(url, params))
      .type('form')
      .send(params);
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).children).toEqual([
      { name: 'Say', attrs: {}, text: 'It’s <ready> & waiting', children: [] },
    ]);
  });

  it('then a path runs one of our routes, and record adds recording with its callback', async () => {
    const { app, logs } = appFor();
    const res = await post(app, '/api/calls', {
      to: '+15551234567',
      path: '/voice',
      record: true,
      from: '+15550009999',
    });
    expect(res.status).toBe(201);
    expect(twilioApi.requestsTo('Calls')[0]?.params).toMatchObject({
      Url: `${PUBLIC_BASE}/voice`,
      From: '+15550009999',
      Record: 'true',
      RecordingStatusCallback: `${PUBLIC_BASE}/callbacks/recording`,
    });
    // The preview that checked the path's TwiML had no side effect: the only call stored is the one placed.
    const calls = (await getWithToken(app, '/api/calls')).body.items as Array<{ sid: string }>;
    expect(calls.map((c) => c.sid)).toEqual([res.body.sid]);
    // It asked the route's view, not the app: no request to /voice ever went through the middleware (its log).
    const paths = logs.entries().map((e) => (e.req as { url?: string } | undefined)?.url ?? e.path ?? e.url);
    expect(paths.filter((p) => typeof p === 'string' && p.startsWith('/voice'))).toEqual([]);
    expect(paths.filter((p) => typeof p === 'string' && p.startsWith('/api/calls')).length).toBeGreaterThan(0);
  });

  it('then with DEFAULT_COUNTRY=US a number like (555) 234-5678 is normalised to E.164', async () => {
    const { app } = appFor({ DEFAULT_COUNTRY: 'US' });
    const res = await post(app, '/api/calls', { to: '(555) 234-5678', message: 'hi' });
    expect(res.status).toBe(201);
    expect(twilioApi.requestsTo('Calls')[0]?.params.To).toBe('+15552345678');
  });

  it('then API key credentials are used for REST when configured', async () => {
    const { app } = appFor({ TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET });
    expect((await post(app, '/api/calls', { to: '+15551234567', message: 'hi' })).status).toBe(201);
    expect(twilioApi.requestsTo('Calls')[0]?.username).toBe(API_KEY);
  });
});

describe('when a message is sent through POST /api/messages', () => {
  it('then Twilio gets the body, our number and the message-status callback, and we answer 201', async () => {
    const { app } = appFor();
    const res = await post(app, '/api/messages', { to: '+15551234567', body: 'Hello world.' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued' });
    expect(twilioApi.requestsTo('Messages')[0]?.params).toEqual({
      To: '+15551234567',
      From: '+15550006666',
      Body: 'Hello world.',
      StatusCallback: `${PUBLIC_BASE}/callbacks/message-status`,
    });
  });

  it('then mediaUrl (one or several) is sent as MediaUrl', async () => {
    const { app } = appFor();
    const res = await post(app, '/api/messages', {
      to: '+15551234567',
      mediaUrl: ['https://cdn.example.com/a.png', 'https://cdn.example.com/b.png'],
    });
    expect(res.status).toBe(201);
    expect(res.body.sid).toMatch(/^MM/);
    expect(twilioApi.requestsTo('Messages')[0]?.params.MediaUrl).toEqual([
      'https://cdn.example.com/a.png',
      'https://cdn.example.com/b.png',
    ]);
  });
});

describe('when a status is read through GET /api/calls/:sid and /api/messages/:sid', () => {
  /** Places a call through the API, lets `meanwhile` change what Twilio holds of it, and reads it back. */
  async function callReadBack(meanwhile: (sid: string) => void) {
    const { app } = appFor();
    const created = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    meanwhile(created.body.sid);
    const res = await getWithToken(app, `/api/calls/${created.body.sid}`);
    expect(res.status).toBe(200);
    return { app, sid: created.body.sid as string, body: res.body };
  }

  it('then the current status comes from Twilio', async () => {
    const { app, sid, body } = await callReadBack((placed) => {
      const call = twilioApi.calls.get(placed);
      if (call) call.status = 'in-progress';
    });
    expect(body).toMatchObject({
      sid,
      status: 'in-progress',
      to: '+15551234567',
      direction: 'outbound-api',
    });

    const sms = await post(app, '/api/messages', { to: '+15551234567', body: 'x' });
    const msg = await getWithToken(app, `/api/messages/${sms.body.sid}`);
    expect(msg.body).toMatchObject({
      sid: sms.body.sid,
      status: 'queued',
      errorCode: null,
      to: '+15551234567',
      body: 'x',
      // Not final yet: what the store knows (who, what) with Twilio's current status.
      source: 'store+twilio',
    });
  });

  it('then a text whose status is final by its rank (partially_delivered) is answered from the store, without asking Twilio', async () => {
    const { app } = appFor();
    const sms = await post(app, '/api/messages', { to: '+15551234567', body: 'x' });
    const sid = sms.body.sid as string;
    const callback = { MessageSid: sid, MessageStatus: 'partially_delivered', AccountSid: TEST_ACCOUNT_SID };
    const url = `${PUBLIC_BASE}/callbacks/message-status`;
    const done = await request(app)
      .post('/callbacks/message-status')
      .set('X-Twilio-Signature', signatureFor(url, callback))
      .type('form')
      .send(callback);
    expect(done.status).toBe(204);
    twilioApi.requests.length = 0;
    const msg = await getWithToken(app, `/api/messages/${sid}`);
    expect(msg.body).toMatchObject({ sid, status: 'partially_delivered', source: 'store' });
    expect(twilioApi.requestsTo('Messages')).toEqual([]);
  });

  it('then a call the store holds but Twilio does not know is answered as stored, saying why Twilio added nothing', async () => {
    // e.g. placed with another account, or through another simulator
    const { sid, body } = await callReadBack((placed) => twilioApi.calls.delete(placed));
    expect(body).toMatchObject({
      sid,
      to: '+15551234567',
      status: 'queued',
      source: 'store',
      twilio: expect.stringMatching(/404/),
    });
  });

  it('then a text only Twilio knows comes back with the body Twilio holds', async () => {
    const { app } = appFor();
    const made = await fetch(`${twilioApi.url}/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64')}` },
      body: new URLSearchParams({ To: '+15551234567', From: '+15550006666', Body: 'sent from elsewhere' }),
    });
    const { sid } = (await made.json()) as { sid: string };
    const res = await getWithToken(app, `/api/messages/${sid}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sid, body: 'sent from elsewhere', source: 'twilio' });
  });

  it('then an unknown sid is Twilio’s 404, and a malformed one is our 400 without asking Twilio', async () => {
    const { app } = appFor();
    const missing = await request(app)
      .get(`/api/calls/CA${'0'.repeat(32)}`)
      .set('Authorization', `Bearer ${API_TOKEN}`);
    expect(missing.status).toBe(404);
    expect(missing.body.twilio).toMatchObject({ status: 404, code: 20404 });
    twilioApi.requests.length = 0;
    const bad = await request(app).get('/api/calls/not-a-sid').set('Authorization', `Bearer ${API_TOKEN}`);
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ field: 'sid', message: expect.stringMatching(/Call SID/) }]);
    expect(twilioApi.requests).toHaveLength(0);
  });
});

describe('when the caller is not authorised', () => {
  it('then a missing token is 401 with WWW-Authenticate, and nothing reaches Twilio', async () => {
    const { app } = appFor();
    const res = await request(app).post('/api/calls').send({ to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(twilioApi.requests).toHaveLength(0);
  });

  it('then a wrong token is 401', async () => {
    const { app } = appFor();
    expect((await post(app, '/api/calls', { to: '+15551234567', message: 'hi' }, `${API_TOKEN}x`)).status).toBe(401);
  });

  it('then without API_TOKEN the API answers 503 saying it is disabled', async () => {
    const { app } = appFor({ API_TOKEN: undefined });
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/disabled: set API_TOKEN/);
  });

  it('then repeated failed authentications from one address are throttled with 429', async () => {
    const { app } = appFor();
    let last = 0;
    for (let i = 0; i < 21; i++)
      last = (await post(app, '/api/calls', {}, 'wrong-token-wrong-token-wrong-token')).status;
    expect(last).toBe(429);
  });

  it('then requests over API_RATE_LIMIT per minute get 429', async () => {
    const { app } = appFor({ API_RATE_LIMIT: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await post(app, '/api/messages', { to: '+15551234567', body: 'x' })).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it('then the API is not behind the Twilio signature check', async () => {
    const { app } = appFor();
    expect((await post(app, '/api/messages', { to: '+15551234567', body: 'x' })).status).toBe(201);
  });
});

describe('when the request is invalid', () => {
  it.each([
    [{ message: 'hi' }, 'to'],
    [{ to: 'call me maybe', message: 'hi' }, 'to'],
    [{ to: '+15551234567' }, 'message'],
    [{ to: '+15551234567', message: 'hi', path: '/voice' }, 'message'],
    [{ to: '+15551234567', path: 'https://evil.example.com/twiml' }, 'path'],
    [{ to: '+15551234567', path: '//evil.example.com/twiml' }, 'path'],
    [{ to: '+15551234567', message: 'hi', record: 'yes' }, 'record'],
    [{ to: '+15551234567', message: 'hi', extra: 1 }, 'extra'],
    [{ to: '+15551234567', message: 'x'.repeat(1001) }, 'message'],
  ])('then %j is a 400 naming %p, and nothing reaches Twilio', async (body, field) => {
    const { app } = appFor();
    const res = await post(app, '/api/calls', body);
    expect(res.status).toBe(400);
    expect(res.body.kind).toBe('invalid_request');
    expect(res.body.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(twilioApi.requests).toHaveLength(0);
  });

  it.each([
    [{ to: '+15551234567' }, 'body'],
    [{ to: '+15551234567', body: 'x'.repeat(1601) }, 'body'],
    [{ to: '+15551234567', body: 'x', mediaUrl: 'ftp://x/y' }, 'mediaUrl[0]'],
  ])('then the message %j is a 400 naming %p', async (body, field) => {
    const { app } = appFor();
    const res = await post(app, '/api/messages', body);
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('then a form body (not JSON) is a 400 asking for JSON, and malformed JSON is the documented invalid_request', async () => {
    const { app } = appFor();
    const form = await request(app)
      .post('/api/calls')
      .set('Authorization', `Bearer ${API_TOKEN}`)
      .type('form')
      .send('to=x');
    expect(form.status).toBe(400);
    expect(form.body.fields[0]).toEqual({ field: 'body', message: 'must be JSON (Content-Type: application/json)' });
    const broken = await request(app)
      .post('/api/calls')
      .set('Authorization', `Bearer ${API_TOKEN}`)
      .type('application/json')
      .send('{"to":');
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({
      error: 'body: malformed JSON body',
      kind: 'invalid_request',
      fields: [{ field: 'body', message: 'malformed JSON body' }],
    });
  });
});

describe('when the destination is not allowed (toll-fraud guard)', () => {
  it('then a number outside OUTBOUND_ALLOWLIST is refused with 403 and a warn log without it, and nothing reaches Twilio', async () => {
    const logs = captureLogs();
    const { app } = appFor({}, logs);
    const res = await post(app, '/api/calls', { to: '+882345678901', message: 'hi' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: '+882345678901 is not in OUTBOUND_ALLOWLIST', kind: 'destination_not_allowed' });
    expect(logs.entries().find((e) => e.msg === 'outbound destination refused')).toMatchObject({
      level: 40,
      action: 'call',
      reason: expect.any(String),
    });
    // A phone number is personal data: it goes to the caller's answer, not to the log.
    expect(logs.text()).not.toContain('882345678901');
    expect(twilioApi.requests).toHaveLength(0);
  });

  it('then exact entries allow only that number', async () => {
    const { app } = appFor();
    expect((await post(app, '/api/messages', { to: '+442079460000', body: 'x' })).status).toBe(201);
    expect((await post(app, '/api/messages', { to: '+442079460001', body: 'x' })).status).toBe(403);
  });

  it('then without OUTBOUND_ALLOWLIST everything is refused with a message saying how to set it', async () => {
    const { app } = appFor({ OUTBOUND_ALLOWLIST: undefined });
    const res = await post(app, '/api/messages', { to: '+15551234567', body: 'x' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/set OUTBOUND_ALLOWLIST .* e\.g\. \+15551234567,\+1\*/);
    expect(twilioApi.requests).toHaveLength(0);
  });
});

describe('when outbound is not configured', () => {
  it('then without PUBLIC_BASE_URL a call is refused with 503 (Twilio could not reach a relative URL)', async () => {
    const { app } = appFor({ PUBLIC_BASE_URL: undefined });
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/PUBLIC_BASE_URL is not set/);
  });

  it('then without credentials a message is refused with 503 naming the variables', async () => {
    const { app } = appFor({ TWILIO_AUTH_TOKEN: undefined, TWILIO_VALIDATE_SIGNATURE: 'false' });
    const res = await post(app, '/api/messages', { to: '+15551234567', body: 'x' });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
  });
});

describe('when Twilio answers with an error', () => {
  it('then a 400 (e.g. 21211 invalid number) is our 400 with Twilio’s code, message and link', async () => {
    const { app } = appFor();
    twilioApi.failNext({ status: 400, code: 21211, message: "Invalid 'To' Phone Number: +15550000000" });
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: "Twilio error 21211: Invalid 'To' Phone Number: +15550000000",
      kind: 'twilio_error',
      twilio: {
        status: 400,
        code: 21211,
        message: "Invalid 'To' Phone Number: +15550000000",
        moreInfo: 'https://www.twilio.com/docs/errors/21211',
      },
    });
  });

  it('then Twilio rejecting our credentials (401) is a 502 naming code 20003', async () => {
    const { app } = appFor({ TWILIO_AUTH_TOKEN: 'f'.repeat(32) });
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(502);
    expect(res.body.twilio).toMatchObject({ status: 401, code: 20003 });
  });

  it('then a 500 is a 502', async () => {
    const { app } = appFor();
    twilioApi.failNext({ status: 500 });
    expect((await post(app, '/api/messages', { to: '+15551234567', body: 'x' })).status).toBe(502);
  });

  it('then a 429 (code 20429) is retried with backoff, and the retry succeeds', async () => {
    const { app } = appFor();
    twilioApi.failNext({ status: 429, code: 20429, message: 'Too Many Requests' });
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(201);
    expect(twilioApi.requestsTo('Calls')).toHaveLength(2);
  });

  it('then with retries off (TWILIO_MAX_RETRIES=0) a 429 is passed on as a 502 with code 20429', async () => {
    const { app } = appFor({ TWILIO_MAX_RETRIES: '0' });
    twilioApi.failNext({ status: 429, code: 20429, message: 'Too Many Requests' });
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(502);
    expect(res.body.twilio.code).toBe(20429);
    expect(twilioApi.requestsTo('Calls')).toHaveLength(1);
  });
});

describe('when Twilio cannot be reached properly', () => {
  it('then after a hang, a reset, a 500 and a non-JSON answer the app stays healthy and the next call succeeds', async () => {
    const { app } = appFor({ TWILIO_TIMEOUT_MS: '500' });
    twilioApi.failNext({ hang: true }, { reset: true }, { status: 500 }, { invalidJson: true });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await post(app, '/api/calls', { to: '+15551234567', message: 'hi' })).status);
    expect(statuses).toEqual([504, 502, 502, 502]);
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect((await post(app, '/api/calls', { to: '+15551234567', message: 'hi' })).status).toBe(201);
  });

  it('then a hang past TWILIO_TIMEOUT_MS is a 504 within a bounded time', async () => {
    const { app } = appFor({ TWILIO_TIMEOUT_MS: '500' });
    twilioApi.failNext({ hang: true });
    const started = Date.now();
    const res = await post(app, '/api/calls', { to: '+15551234567', message: 'hi' });
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ error: 'Twilio did not answer within 500 ms', kind: 'twilio_unreachable' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('then a reset connection is a 502', async () => {
    const { app } = appFor();
    twilioApi.failNext({ reset: true });
    const res = await post(app, '/api/messages', { to: '+15551234567', body: 'x' });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/^Could not reach Twilio \(E[A-Z]+\)$/);
  });

  it('then an answer that is not JSON is a 502', async () => {
    const { app } = appFor();
    twilioApi.failNext({ invalidJson: true });
    const res = await post(app, '/api/messages', { to: '+15551234567', body: 'x' });
    expect(res.status).toBe(502);
    expect(res.body.kind).toBe('twilio_unreachable');
  });

  it('then no credential appears in any response or log line, whatever failed', async () => {
    const logs = captureLogs();
    const { app } = appFor({ TWILIO_TIMEOUT_MS: '500' }, logs);
    const bodies: string[] = [];
    twilioApi.failNext({ reset: true }, { hang: true }, { invalidJson: true }, { status: 500 });
    for (let i = 0; i < 4; i++) bodies.push((await post(app, '/api/messages', { to: '+15551234567', body: 'x' })).text);
    const { app: wrongCreds } = appFor({ TWILIO_AUTH_TOKEN: 'e'.repeat(32) }, logs);
    bodies.push((await post(wrongCreds, '/api/calls', { to: '+15551234567', message: 'hi' })).text);
    const basic = Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64');
    for (const text of [...bodies, logs.text()]) {
      for (const secret of [TEST_AUTH_TOKEN, 'e'.repeat(32), basic, API_TOKEN]) expect(text).not.toContain(secret);
    }
    expect(logs.entries().filter((e) => e.msg === 'Twilio request failed')).toHaveLength(5);
  });
});
