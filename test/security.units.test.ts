// The edges of the checks in front of the egress policy, one by one: API authentication and its limiters, the
// signature middleware's own branches, the content-type classification, host names and phone numbers. Each
// case here is one that a mutation of those modules (npm run test:mutation) would otherwise get past.
import express from 'express';
import request from 'supertest';
import { getExpectedTwilioSignature } from 'twilio';
import { bodyKind } from '../src/http/contentType';
import { createLogger } from '../src/logger';
import { apiEnabled, authFailureLimit, bearerAuth, perTokenLimit, tokenCheck } from '../src/middleware/apiAuth';
import { twilioSignature } from '../src/middleware/twilioSignature';
import { HOST_NAME } from '../src/policy/patterns';
import { toE164 } from '../src/policy/phoneNumbers';

const TOKEN = 'unit-api-token-0123456789abcdef0123456789';

function apiApp(perMinute = 100) {
  const app = express();
  const hasToken = tokenCheck(TOKEN);
  app.use(apiEnabled(TOKEN), authFailureLimit(hasToken), bearerAuth(hasToken), perTokenLimit(perMinute));
  app.get('/x', (_req, res) => void res.json({ ok: true }));
  return app;
}

describe('API authentication', () => {
  it.each([
    [`Bearer ${TOKEN}`, 200],
    [`bearer ${TOKEN}`, 200],
    [`BEARER   ${TOKEN}  `, 200],
    [`Bearer ${TOKEN}x`, 401],
    [`Bearer ${TOKEN.slice(0, -1)}`, 401],
    [`Bearer`, 401],
    [`Bearer ${TOKEN} extra`, 401],
    [`Basic ${TOKEN}`, 401],
    [`xBearer ${TOKEN}`, 401],
    [TOKEN, 401],
  ])('then Authorization %p answers %p', async (header, status) => {
    const res = await request(apiApp()).get('/x').set('Authorization', header);
    expect(res.status).toBe(status);
    if (status === 401) {
      expect(res.body).toEqual({ error: 'Missing or invalid bearer token.' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="twiml-server"');
    }
  });

  it('then no Authorization header at all is a 401', async () => {
    expect((await request(apiApp()).get('/x')).status).toBe(401);
  });

  it('then without a token the API says it is disabled', async () => {
    const app = express();
    app.use(apiEnabled(undefined));
    const res = await request(app).get('/x');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'The HTTP API is disabled: set API_TOKEN to enable it.' });
  });

  it('then the 21st failure in the window is a 429 with its reason, standard headers and no legacy ones', async () => {
    const app = apiApp();
    for (let i = 0; i < 20; i++)
      expect((await request(app).get('/x').set('Authorization', 'Bearer nope')).status).toBe(401);
    const limited = await request(app).get('/x').set('Authorization', 'Bearer nope');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'Too many failed authentications; try again later.' });
    expect(limited.headers['ratelimit-policy']).toMatch(/q=20; w=900/);
    expect(limited.headers['x-ratelimit-limit']).toBeUndefined();
    const ok = await request(app).get('/x').set('Authorization', `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
  });

  it('then the per-token limit answers 429 naming the limit, keyed by the token', async () => {
    const app = apiApp(2);
    const auth = `Bearer ${TOKEN}`;
    expect((await request(app).get('/x').set('Authorization', auth)).status).toBe(200);
    expect((await request(app).get('/x').set('Authorization', auth)).status).toBe(200);
    const third = await request(app).get('/x').set('Authorization', auth);
    expect(third.status).toBe(429);
    expect(third.body).toEqual({ error: 'Rate limit exceeded: at most 2 requests per minute.' });
    expect(third.headers['ratelimit-policy']).toMatch(/q=2; w=60/);
    expect(third.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('then an X-Forwarded-For header without trust proxy is neither trusted nor complained about', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const app = apiApp();
      for (let i = 0; i < 21; i++) {
        await request(app).get('/x').set('Authorization', 'Bearer nope').set('X-Forwarded-For', `10.0.0.${i}`);
      }
      // Every failure counted against the one real address, whatever X-Forwarded-For claimed.
      expect((await request(app).get('/x').set('Authorization', 'Bearer nope')).status).toBe(429);
      expect(errors).not.toHaveBeenCalled();
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
    }
  });
});

describe('the signature middleware’s own branches', () => {
  const AUTH = '0123456789abcdef0123456789abcdef';
  function app(options: { enabled: boolean; authToken?: string }) {
    const server = express();
    server.use((req, _res, next) => {
      req.log = createLogger('silent');
      next();
    });
    server.use(
      twilioSignature({ ...options, authToken: options.authToken, publicBaseUrl: 'https://voice.example.com' }),
    );
    server.all('/x', (_req, res) => void res.send('reached'));
    return server;
  }

  it('then checking on without a token refuses everything (never fails open)', async () => {
    const res = await request(app({ enabled: true })).get('/x');
    expect(res.status).toBe(403);
    expect(res.text).toBe('Forbidden: signature checking is on but no auth token is configured\n');
  });

  it('then checking off lets requests through', async () => {
    expect((await request(app({ enabled: false, authToken: AUTH })).get('/x')).text).toBe('reached');
  });

  it.each([
    ['', 'missing X-Twilio-Signature header'],
    ['short', 'signature does not match'],
    ['x'.repeat(100), 'signature does not match'],
  ])('then the signature %p is refused: %s', async (signature, reason) => {
    const res = await request(app({ enabled: true, authToken: AUTH }))
      .get('/x')
      .set('X-Twilio-Signature', signature);
    expect(res.text).toBe(`Forbidden: ${reason}\n`);
  });

  it('then bodySHA256 later in the query is still recognised', async () => {
    const server = express();
    server.use((req, _res, next) => {
      req.log = createLogger('silent');
      next();
    });
    server.use(twilioSignature({ enabled: true, authToken: AUTH, publicBaseUrl: 'https://voice.example.com' }));
    server.all('/x', (_req, res) => void res.send('reached'));
    const url = 'https://voice.example.com/x?a=1&bodySHA256=abc';
    const res = await request(server)
      .get('/x?a=1&bodySHA256=abc')
      .set('X-Twilio-Signature', getExpectedTwilioSignature(AUTH, url, {}));
    expect(res.text).toBe('Forbidden: bodySHA256 given but the body is not JSON\n');
    const notIt = await request(server)
      .get('/x?xbodySHA256=abc')
      .set('X-Twilio-Signature', getExpectedTwilioSignature(AUTH, 'https://voice.example.com/x?xbodySHA256=abc', {}));
    expect(notIt.text).toBe('reached');
  });
});

describe('bodyKind: one classification for reader and checker', () => {
  it.each([
    ['POST', 'application/x-www-form-urlencoded', 'form'],
    ['POST', 'application/x-www-form-urlencoded;charset=utf-8', 'form'],
    ['POST', 'application/x-www-form-urlencoded \t; a=b', 'form'],
    ['POST', 'APPLICATION/X-WWW-FORM-URLENCODED', 'form'],
    ['POST', 'application/x-www-form-urlencodedx', 'none'],
    ['POST', ' application/x-www-form-urlencoded', 'none'],
    ['POST', 'application/json', 'json'],
    ['POST', 'application/json ;x', 'json'],
    ['POST', 'application/problem+json', 'json'],
    ['POST', 'application/a.b-c+json', 'json'],
    ['POST', 'application/+json', 'none'],
    ['POST', 'application/jsonx', 'none'],
    ['POST', 'text/json', 'none'],
    ['POST', 'xapplication/json', 'none'],
    ['POST', undefined, 'none'],
    ['GET', 'application/x-www-form-urlencoded', 'none'],
    ['HEAD', 'application/json', 'none'],
    ['PUT', 'application/json', 'none'],
  ] as const)('then %s with %p is %p', (method, type, kind) => {
    expect(bodyKind(method, type === undefined ? {} : { 'content-type': type })).toBe(kind);
  });
});

describe('host names in the allow-lists', () => {
  it.each([
    ['pbx.example.com', true],
    ['a', true],
    ['a-b.c-d.example', true],
    ['xn--bcher-kva.example', true],
    ['1.2.3.4', true],
    ['-a.example.com', false],
    ['a-.example.com', false],
    ['a..b', false],
    ['.a.b', false],
    ['a.b.', false],
    ['a_b.example', false],
    ['A.example', false],
    ['a b', false],
    [`${'a'.repeat(63)}.example`, true],
    [`${'a'.repeat(64)}.example`, false],
    [Array.from({ length: 64 }, () => 'abc').join('.'), false],
    ['', false],
  ])('then %p is a host name: %p', (host, valid) => {
    expect(HOST_NAME.test(host)).toBe(valid);
  });
});

describe('phone numbers at the edges of E.164 and US forms', () => {
  it.each([
    ['+12345678', '+12345678'],
    ['+123456789012345', '+123456789012345'],
    ['+1-555-123-4567', '+15551234567'],
    ['+1.555.123.4567', '+15551234567'],
    ['+1\t555\n1234567', '+15551234567'],
    ['+1 (555) 123 4567', '+15551234567'],
    ['+1/555/1234567', undefined],
    ['+1_5551234567', undefined],
  ])('then %p is %p', (input, e164) => {
    expect(toE164(input)).toBe(e164);
  });

  it.each([
    ['2125551234', '+12125551234'],
    ['12125551234', '+12125551234'],
    ['9995551234', '+19995551234'],
    ['1125551234', undefined],
    ['0125551234', undefined],
    ['2120551234', undefined],
    ['2121551234', undefined],
    ['21255512345', undefined],
    ['212555123', undefined],
    ['22125551234', undefined],
    ['x2125551234', undefined],
    ['2125551234x', undefined],
  ])('then with DEFAULT_COUNTRY=US %p is %p', (input, e164) => {
    expect(toE164(input, 'US')).toBe(e164);
  });
});
