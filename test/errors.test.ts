// The one error path: TwiML apologies for verified Twilio webhooks, JSON everywhere else, limits, no leaks.
import request from 'supertest';
import { createApp } from '../src/app';
import type { Config } from '../src/config';
import { TEST_AUTH_TOKEN, testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { signedPost } from './support/signing';
import { parseTwiml, verbs } from './support/twiml';

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };

/** A config whose reading of one text fails at request time: the fault injected into a route. */
function failingConfig(section: 'voice' | 'sms', key: string): Config {
  // Forwarding on, so that option 1 reads the forwarding settings while answering.
  const base = testConfig({ FORWARD_TO: '+15550001234', OUTBOUND_ALLOWLIST: '+1555*' });
  const broken = Object.defineProperty({ ...base[section] }, key, {
    get() {
      throw new Error('injected failure');
    },
  });
  return { ...base, [section]: broken } as Config;
}

describe('when a voice route fails', () => {
  it('then Twilio still gets 200 TwiML: an apology and <Hangup/>, and the error is logged with the CallSid', async () => {
    const logs = captureLogs();
    const app = createApp(failingConfig('voice', 'forwardTimeout'), { logger: logs.logger });
    const res = await signedPost(app, '/voice/menu', { ...CALL, Digits: '1' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    const doc = parseTwiml(res.text);
    expect(verbs(doc)).toEqual(['Say', 'Hangup']);
    expect(doc.children[0]?.text).toMatch(/^Sorry, something went wrong/);
    expect(res.text).not.toContain('injected failure');
    const failure = logs.entries().find((e) => e.msg === 'request failed');
    expect(failure).toMatchObject({ level: 50, callSid: CALL.CallSid, err: { message: 'injected failure' } });
  });

  it('then an unsigned request to the failing route still gets 403, never TwiML', async () => {
    const app = createApp(failingConfig('voice', 'forwardTimeout'));
    const res = await request(app)
      .post('/voice/menu')
      .type('form')
      .send({ ...CALL, Digits: '1' });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('<Response');
  });
});

describe('when an SMS route fails', () => {
  it('then Twilio gets an empty <Response/> (no reply) and the error is logged with the MessageSid', async () => {
    const logs = captureLogs();
    const app = createApp(failingConfig('sms', 'reply'), { logger: logs.logger });
    const res = await signedPost(app, '/sms', { MessageSid: 'SM0123456789abcdef0123456789abcdef', Body: 'hi' });
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).children).toEqual([]);
    expect(logs.entries().find((e) => e.msg === 'request failed')).toMatchObject({
      messageSid: 'SM0123456789abcdef0123456789abcdef',
    });
  });
});

describe('when a request is malformed or outside the routes', () => {
  const app = createApp(testConfig({ BODY_LIMIT_BYTES: '2048' }));

  it('then an unknown path is a JSON 404', async () => {
    const res = await request(app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not found', path: '/nope' });
  });

  it('then a body over the limit is a JSON 413 before any route runs', async () => {
    const res = await request(app)
      .post('/voice')
      .type('form')
      .send(`Body=${'x'.repeat(4096)}`);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toMatch(/too large/);
  });

  it('then malformed JSON is a JSON 400 without a stack trace', async () => {
    const res = await request(app).post('/callbacks/call-status?bodySHA256=abc').type('application/json').send('{"a":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).not.toMatch(/at .*\.js:\d+/);
  });

  it('then an unsupported charset is a 415, not a crash', async () => {
    const res = await request(app)
      .post('/voice')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=klingon')
      .send('a=b');
    expect(res.status).toBe(415);
  });

  it('then responses carry helmet’s security headers and no X-Powered-By', async () => {
    const res = await request(app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('then /healthz reports status, version and uptime', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      uptime: expect.any(Number),
      store: 'ok',
      spooled: 0,
      deadLettered: 0,
    });
  });
});

describe('when requests carry secrets', () => {
  it('then neither the auth token, the Authorization header nor signatures reach the logs', async () => {
    const logs = captureLogs();
    const app = createApp(testConfig(), { logger: logs.logger });
    await signedPost(app, '/voice', CALL)
      .set('Authorization', 'Bearer super-secret-api-token')
      .set('Cookie', 'session=abc123');
    await request(app).post('/voice').set('X-Twilio-Signature', 'Zm9yZ2Vk').type('form').send(CALL);
    await request(app).get('/nope').set('Authorization', 'Basic c2VjcmV0');
    const text = logs.text();
    expect(logs.entries().length).toBeGreaterThanOrEqual(4);
    for (const secret of [TEST_AUTH_TOKEN, 'super-secret-api-token', 'abc123', 'Zm9yZ2Vk', 'c2VjcmV0']) {
      expect(text).not.toContain(secret);
    }
  });

  it('then X-Request-Id is echoed, or generated when absent or unsafe', async () => {
    const app = createApp(testConfig());
    expect((await request(app).get('/healthz').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
    const generated = (await request(app).get('/healthz').set('X-Request-Id', 'has spaces/and slashes')).headers[
      'x-request-id'
    ];
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  });
});
