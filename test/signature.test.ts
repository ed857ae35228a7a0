// The X-Twilio-Signature check, exercised with signatures computed by the twilio package.
import request from 'supertest';
import { getExpectedBodyHash, getExpectedTwilioSignature } from 'twilio';
import { createApp } from '../src/app';
import { PUBLIC_BASE, TEST_AUTH_TOKEN, testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { TWILIO_ROUTES } from './support/routes';
import { signatureFor, signedGet, signedJson, signedPost } from './support/signing';
import { parseTwiml } from './support/twiml';

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };

function expectForbidden(res: request.Response, reason: RegExp): void {
  expect(res.status).toBe(403);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text).toMatch(reason);
  expect(res.text).not.toMatch(/<Response/);
}

describe('when a request carries a valid signature', () => {
  const app = createApp(testConfig());

  it('then a form POST is answered with TwiML', async () => {
    const res = await signedPost(app, '/voice', CALL);
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).name).toBe('Response');
  });

  it('then a GET with a query string is answered (the signature covers the full URL)', async () => {
    const res = await signedGet(app, '/voice', CALL);
    expect(res.status).toBe(200);
    parseTwiml(res.text);
  });

  it('then a POST to a URL with its own query is answered (URL with query + body params)', async () => {
    const res = await signedPost(app, '/twiml/message?Message%5B0%5D=Hi', CALL);
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).children[0]?.text).toBe('Hi');
  });

  it('then repeated parameters are accepted (Twilio signs every value)', async () => {
    const res = await signedPost(app, '/twiml/message?Message=one&Message=two', { MediaUrl: ['a', 'b'] });
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).children.map((c) => c.text)).toEqual(['one', 'two']);
  });

  it('then a JSON body with a matching bodySHA256 is accepted', async () => {
    const res = await signedJson(app, '/callbacks/call-status', JSON.stringify({ CallSid: CALL.CallSid }));
    expect(res.status).toBe(204);
  });

  it('then /healthz needs no signature at all', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
  });
});

describe('when a request is not signed correctly', () => {
  const app = createApp(testConfig());

  it('then a missing header is rejected with 403 and no TwiML', async () => {
    const res = await request(app).post('/voice').type('form').send(CALL);
    expectForbidden(res, /missing X-Twilio-Signature/);
  });

  it('then a tampered parameter is rejected', async () => {
    const signature = signatureFor(`${PUBLIC_BASE}/voice/menu`, { ...CALL, Digits: '2' });
    const res = await request(app)
      .post('/voice/menu')
      .set('X-Twilio-Signature', signature)
      .type('form')
      .send({ ...CALL, Digits: '1' });
    expectForbidden(res, /does not match/);
  });

  it('then an added parameter is rejected', async () => {
    const signature = signatureFor(`${PUBLIC_BASE}/voice`, CALL);
    const res = await request(app)
      .post('/voice')
      .set('X-Twilio-Signature', signature)
      .type('form')
      .send({ ...CALL, Extra: 'x' });
    expectForbidden(res, /does not match/);
  });

  it('then a signature made for another path is rejected', async () => {
    const signature = signatureFor(`${PUBLIC_BASE}/sms`, CALL);
    const res = await request(app).post('/voice').set('X-Twilio-Signature', signature).type('form').send(CALL);
    expectForbidden(res, /does not match/);
  });

  it('then a signature made with another token is rejected', async () => {
    const res = await signedPost(app, '/voice', CALL, { token: 'f'.repeat(32) });
    expectForbidden(res, /does not match/);
  });

  it('then a GET whose query was altered is rejected', async () => {
    const signature = signatureFor(`${PUBLIC_BASE}/twiml/message?Message=hello`, {});
    const res = await request(app).get('/twiml/message?Message=goodbye').set('X-Twilio-Signature', signature);
    expectForbidden(res, /does not match/);
  });

  it('then a JSON body that does not match its bodySHA256 is rejected', async () => {
    const body = JSON.stringify({ CallSid: CALL.CallSid });
    const path = `/callbacks/call-status?bodySHA256=${getExpectedBodyHash(body)}`;
    const signature = signatureFor(PUBLIC_BASE + path, {});
    const res = await request(app)
      .post(path)
      .set('X-Twilio-Signature', signature)
      .type('application/json')
      .send(JSON.stringify({ CallSid: 'CAforged' }));
    expectForbidden(res, /does not match/);
  });

  it('then a JSON body without bodySHA256 is rejected', async () => {
    const signature = signatureFor(`${PUBLIC_BASE}/callbacks/call-status`, {});
    const res = await request(app)
      .post('/callbacks/call-status')
      .set('X-Twilio-Signature', signature)
      .type('application/json')
      .send('{}');
    expectForbidden(res, /JSON body without bodySHA256/);
  });

  it('then every Twilio-facing route refuses it', async () => {
    for (const path of TWILIO_ROUTES) {
      const res = await request(app)
        .post(path)
        .set('X-Twilio-Signature', 'bm90IGEgc2lnbmF0dXJl')
        .type('form')
        .send(CALL);
      expect([path, res.status]).toEqual([path, 403]);
    }
  });
});

describe('when the rejection is logged', () => {
  it('then one warn line names the path and reason, and never the token or the expected signature', async () => {
    const logs = captureLogs();
    const app = createApp(testConfig(), { logger: logs.logger });
    const forged = 'Zm9yZ2VkLXNpZ25hdHVyZQ==';
    await request(app).post('/voice/menu').set('X-Twilio-Signature', forged).type('form').send(CALL);

    const rejection = logs.entries().find((e) => e.msg === 'rejected request: Twilio signature check failed');
    expect(rejection).toMatchObject({
      level: 40,
      path: '/voice/menu',
      method: 'POST',
      reason: 'signature does not match',
    });
    const expected = getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${PUBLIC_BASE}/voice/menu`, CALL);
    expect(logs.text()).not.toContain(TEST_AUTH_TOKEN);
    expect(logs.text()).not.toContain(expected);
    expect(logs.text()).not.toContain(forged);
  });
});

describe('when the app sits behind a proxy', () => {
  it('then with PUBLIC_BASE_URL the public URL is checked, whatever Host the proxy sends', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'https://public.example.org' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'https://public.example.org' }).set(
      'Host',
      '10.0.0.5:3000',
    );
    expect(res.status).toBe(200);
  });

  it('then with PUBLIC_BASE_URL a signature for the internal URL is rejected', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'https://public.example.org' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'http://10.0.0.5:3000' }).set('Host', '10.0.0.5:3000');
    expect(res.status).toBe(403);
  });

  it('then with PUBLIC_BASE_URL carrying a path prefix, the prefix is part of the signed URL', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'https://public.example.org/twilio/' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'https://public.example.org/twilio' });
    expect(res.status).toBe(200);
    const gather = parseTwiml(res.text).children.find((c) => c.name === 'Gather');
    expect(gather?.attrs.action).toBe('https://public.example.org/twilio/voice/menu');
  });

  it('then with TRUST_PROXY=1 and no PUBLIC_BASE_URL, X-Forwarded-Proto and X-Forwarded-Host are honoured', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: '', TRUST_PROXY: '1' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'https://edge.example.net' })
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-Host', 'edge.example.net');
    expect(res.status).toBe(200);
  });

  it('then without TRUST_PROXY, X-Forwarded-* are ignored (a client cannot choose the URL that is checked)', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: '' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'https://edge.example.net' })
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-Host', 'edge.example.net');
    expect(res.status).toBe(403);
  });
});

describe('when Twilio signs the URL with or without its default port', () => {
  it('then https://host:443/… is accepted for PUBLIC_BASE_URL https://host', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'https://voice.example.com' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'https://voice.example.com:443' });
    expect(res.status).toBe(200);
  });

  it('then https://host/… is accepted for PUBLIC_BASE_URL https://host:443', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'https://voice.example.com:443' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'https://voice.example.com' });
    expect(res.status).toBe(200);
  });

  it('then http://host:80/… is accepted for PUBLIC_BASE_URL http://host', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'http://mylabel.centralus.cloudapp.azure.com' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'http://mylabel.centralus.cloudapp.azure.com:80' });
    expect(res.status).toBe(200);
  });

  it('then a non-default port is not interchangeable', async () => {
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'https://voice.example.com' }));
    const res = await signedPost(app, '/voice', CALL, { base: 'https://voice.example.com:8443' });
    expect(res.status).toBe(403);
  });
});

describe('when signature checking is off', () => {
  it('then in development without a token unsigned requests are answered', async () => {
    const app = createApp(testConfig({ NODE_ENV: 'development', TWILIO_AUTH_TOKEN: undefined }));
    const res = await request(app).post('/voice').type('form').send(CALL);
    expect(res.status).toBe(200);
    parseTwiml(res.text);
  });

  it('then TWILIO_VALIDATE_SIGNATURE=false turns it off even with a token', async () => {
    const app = createApp(testConfig({ TWILIO_VALIDATE_SIGNATURE: 'false' }));
    const res = await request(app).post('/sms').type('form').send({ Body: 'hi' });
    expect(res.status).toBe(200);
  });
});

describe('when a signature check fails, the log line explains it', () => {
  const rejected = (logs: ReturnType<typeof captureLogs>) =>
    logs.entries().find((e) => e.msg === 'rejected request: Twilio signature check failed');
  const params = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567' };

  it('then a server on another port than PUBLIC_BASE_URL names both, and the URL checked (no query, no token)', async () => {
    const logs = captureLogs();
    const app = createApp(testConfig({ PUBLIC_BASE_URL: 'http://localhost:3000' }), { logger: logs.logger });
    const signature = getExpectedTwilioSignature(
      TEST_AUTH_TOKEN,
      'http://localhost:3004/voice?x=%2B15559998888',
      params,
    );
    const res = await request(app)
      .post('/voice?x=%2B15559998888')
      .set('Host', 'localhost:3004')
      .set('X-Twilio-Signature', signature)
      .type('form')
      .send(params);
    expect(res.status).toBe(403);
    expect(rejected(logs)).toMatchObject({
      reason: 'signature does not match',
      checkedUrl: 'http://localhost:3000/voice',
      hint: 'the request reached localhost:3004 but PUBLIC_BASE_URL names localhost:3000: Twilio signs the URL it called, so PUBLIC_BASE_URL must be exactly that origin',
    });
    expect(logs.text()).not.toContain(TEST_AUTH_TOKEN);
    expect(logs.text()).not.toContain(signature);
    expect(logs.text()).not.toContain('5559998888');
  });

  /** A request a proxy forwarded as https, signed for the https URL Twilio called. */
  const forwardedOverHttps = (app: ReturnType<typeof createApp>) =>
    request(app)
      .post('/voice')
      .set('Host', 'voice.example.com')
      .set('X-Forwarded-Proto', 'https')
      .set('X-Twilio-Signature', getExpectedTwilioSignature(TEST_AUTH_TOKEN, 'https://voice.example.com/voice', params))
      .type('form')
      .send(params);

  it('then a proxy’s https is named: ignored without TRUST_PROXY, or at odds with an http PUBLIC_BASE_URL', async () => {
    const unset = captureLogs();
    const app = createApp(testConfig({ PUBLIC_BASE_URL: undefined }), { logger: unset.logger });
    const res = await forwardedOverHttps(app);
    expect(res.status).toBe(403);
    expect(rejected(unset)?.hint).toMatch(/X-Forwarded-Proto \(https\), which is ignored because TRUST_PROXY is off/);

    const http = captureLogs();
    const plain = createApp(testConfig({ PUBLIC_BASE_URL: 'http://voice.example.com' }), { logger: http.logger });
    await forwardedOverHttps(plain);
    expect(rejected(http)?.hint).toMatch(/came over https \(X-Forwarded-Proto\) but PUBLIC_BASE_URL is http/);
  });

  it('then a forgery sent to the right host gets no guessed cause', async () => {
    const logs = captureLogs();
    const app = createApp(testConfig(), { logger: logs.logger });
    await request(app)
      .post('/voice')
      .set('Host', 'voice.example.com')
      .set('X-Twilio-Signature', 'forged')
      .type('form')
      .send(params);
    expect(rejected(logs)).toMatchObject({
      reason: 'signature does not match',
      checkedUrl: 'https://voice.example.com/voice',
    });
    expect(rejected(logs)?.hint).toBeUndefined();
  });
});
