// The signature check and the body reader against references we did not write: Twilio's documented example
// vector, fixed vectors computed with Debian's python3-twilio (an independent implementation of the signing
// rules), a live cross-check with it when it is installed, and the body shapes where a reader and a checker
// could disagree about what was signed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import express from 'express';
import request from 'supertest';
import { getExpectedTwilioSignature } from 'twilio';
import { createApp } from '../src/app';
import { bodyReader } from '../src/http/bodyReader';
import { twilioSignature } from '../src/middleware/twilioSignature';
import { createLogger } from '../src/logger';
import { testConfig } from './support/config';
import { parseTwiml } from './support/twiml';

// Twilio's documented example (webhooks security docs; the same vector is in every official helper library's
// tests): auth token 12345, this URL and these POST parameters sign to this value.
const DOC_TOKEN = '12345';
const DOC_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOC_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const DOC_SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

/** Just the body reader and our signature middleware in front of an echo of the parameters. */
function checkerApp(token: string, publicBaseUrl: string | undefined) {
  const app = express();
  app.set('query parser', 'simple');
  const logger = createLogger('silent');
  app.use((req, _res, next) => {
    req.log = logger;
    next();
  });
  app.use(bodyReader(4096), twilioSignature({ enabled: true, authToken: token, publicBaseUrl }));
  app.all('/{*any}', (req, res) => void res.json({ body: req.body ?? null }));
  return app;
}

describe("when Twilio's documented example arrives", () => {
  const app = checkerApp(DOC_TOKEN, 'https://mycompany.com');
  const form = new URLSearchParams(DOC_PARAMS).toString();

  it('then our check accepts its documented signature', async () => {
    const res = await request(app)
      .post('/myapp.php?foo=1&bar=2')
      .set('X-Twilio-Signature', DOC_SIGNATURE)
      .type('form')
      .send(form);
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual(DOC_PARAMS);
  });

  it('then one changed digit, parameter order aside, is a 403', async () => {
    const changed = new URLSearchParams({ ...DOC_PARAMS, Digits: '1235' }).toString();
    const res = await request(app)
      .post('/myapp.php?foo=1&bar=2')
      .set('X-Twilio-Signature', DOC_SIGNATURE)
      .type('form')
      .send(changed);
    expect(res.status).toBe(403);
    const reordered = new URLSearchParams(Object.entries(DOC_PARAMS).reverse()).toString();
    const ok = await request(app)
      .post('/myapp.php?foo=1&bar=2')
      .set('X-Twilio-Signature', DOC_SIGNATURE)
      .type('form')
      .send(reordered);
    expect(ok.status).toBe(200);
  });

  it('then the same signature on another query is a 403', async () => {
    const res = await request(app)
      .post('/myapp.php?foo=1&bar=3')
      .set('X-Twilio-Signature', DOC_SIGNATURE)
      .type('form')
      .send(form);
    expect(res.status).toBe(403);
    expect(DOC_URL).toContain('bar=2');
  });
});

// Computed with Debian's python3-twilio 7.7.1 (twilio.request_validator.RequestValidator), token below, e.g.
//   RequestValidator(TOKEN).compute_signature('https://voice.example.com/sms', SMS)
const TOKEN = '0123456789abcdef0123456789abcdef';
const SMS = {
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  From: '+15551234567',
  To: '+15550006666',
  Body: 'Hello & welcome',
  NumMedia: '0',
};
const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666', Digits: '1' };
const JSON_BODY = '{"CallSid":"CA0123456789abcdef0123456789abcdef","CallStatus":"completed"}';
const JSON_HASH = 'a711eb883e74c37e523a26b22ee95f327f89fd4d1d1dfea038b1689cfde2bd6f';
const PY = {
  sms: 'r9GdYthK1yHc4KvWd24MFGtbAvI=',
  messageWithQuery: 'Q0s7XvVpFJ1Hq/TVkrDkzXgpgYM=',
  repeated: 'rfnLYxQV8iSIoughhLpN78baWyQ=',
  get: '7kgNexyPHHKxnNFC6uBmrQST6/k=',
  json: '+Ornu+lV2s9KHSdFbRwmqKeRENA=',
  /** The same SMS signed for https://voice.example.com:443/sms (Twilio may sign with the default port). */
  smsWithPort: 'mqqvAkS4AWqHDLiMHsIauiWlJuo=',
};

describe('when requests are signed by python3-twilio (fixed vectors)', () => {
  const app = createApp(testConfig({ TWILIO_AUTH_TOKEN: TOKEN }));

  it.each([
    ['a form POST', PY.sms],
    ['the same form signed with :443', PY.smsWithPort],
  ])('then %s is answered with TwiML', async (_what, signature) => {
    const res = await request(app)
      .post('/sms')
      .set('X-Twilio-Signature', signature)
      .type('form')
      .send(new URLSearchParams(SMS).toString());
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).name).toBe('Response');
  });

  it('then a POST to a URL with its own query is answered, query and body both covered', async () => {
    const res = await request(app)
      .post('/twiml/message?Message%5B0%5D=Hi%20there')
      .set('X-Twilio-Signature', PY.messageWithQuery)
      .type('form')
      .send(new URLSearchParams(CALL).toString());
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).children[0]?.text).toBe('Hi there');
  });

  it('then repeated parameters are accepted in either order', async () => {
    for (const order of [
      ['https://b.example/2.png', 'https://a.example/1.png'],
      ['https://a.example/1.png', 'https://b.example/2.png'],
    ]) {
      const form = new URLSearchParams([
        ['CallSid', CALL.CallSid],
        ...order.map((u): [string, string] => ['MediaUrl', u]),
      ]).toString();
      const res = await request(app)
        .post('/callbacks/call-status')
        .set('X-Twilio-Signature', PY.repeated)
        .type('form')
        .send(form);
      expect(res.status).toBe(204);
    }
  });

  it('then a GET signed over its full URL is answered', async () => {
    const res = await request(app)
      .get('/voice?CallSid=CA0123456789abcdef0123456789abcdef&From=%2B15551234567&To=%2B15550006666')
      .set('X-Twilio-Signature', PY.get);
    expect(res.status).toBe(200);
  });

  it('then a JSON body with its bodySHA256 is accepted, and one changed byte is not', async () => {
    const path = `/callbacks/call-status?bodySHA256=${JSON_HASH}`;
    const ok = await request(app)
      .post(path)
      .set('X-Twilio-Signature', PY.json)
      .type('application/json')
      .send(JSON_BODY);
    expect(ok.status).toBe(204);
    const changed = await request(app)
      .post(path)
      .set('X-Twilio-Signature', PY.json)
      .type('application/json')
      .send(JSON_BODY.replace('completed', 'completeD'));
    expect(changed.status).toBe(403);
  });

  it('then each vector with one character changed is a 403', async () => {
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const res = await request(app)
      .post('/sms')
      .set('X-Twilio-Signature', flip(PY.sms))
      .type('form')
      .send(new URLSearchParams(SMS).toString());
    expect(res.status).toBe(403);
  });
});

const python = spawnSync('/usr/bin/python3', ['-c', 'import twilio.request_validator'], { encoding: 'utf8' });
const hasPython = python.status === 0;
const live = hasPython ? it : it.skip;

describe('when python3-twilio signs random requests (live cross-check)', () => {
  live('then every one it signs is accepted, and each tampered one refused', async () => {
    const app = createApp(testConfig({ TWILIO_AUTH_TOKEN: TOKEN }));
    const cases = Array.from({ length: 40 }, (_, i) => ({
      path: `/twiml/message?Message%5B0%5D=case%20${i}&x=${encodeURIComponent('ü&=' + i)}`,
      params: {
        CallSid: `CA${String(i).padStart(32, '0')}`,
        From: `+1555${String(1000000 + i * 7919)}`,
        Note: `é ${i} + & =`,
      },
    }));
    const script = `
import json, sys
from twilio.request_validator import RequestValidator
v = RequestValidator(${JSON.stringify(TOKEN)})
for c in json.load(sys.stdin):
    print(v.compute_signature('https://voice.example.com' + c['path'], c['params']))
`;
    const out = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(out.status).toBe(0);
    const signatures = out.stdout.trim().split('\n');
    expect(signatures).toHaveLength(cases.length);
    for (const [i, c] of cases.entries()) {
      const form = new URLSearchParams(c.params).toString();
      const ok = await request(app)
        .post(c.path)
        .set('X-Twilio-Signature', signatures[i] as string)
        .type('form')
        .send(form);
      expect(ok.status).toBe(200);
      const tampered = new URLSearchParams({ ...c.params, Note: 'changed' }).toString();
      const no = await request(app)
        .post(c.path)
        .set('X-Twilio-Signature', signatures[i] as string)
        .type('form')
        .send(tampered);
      expect(no.status).toBe(403);
    }
  });
  if (!hasPython) console.warn('live python3-twilio cross-check skipped: apt-get install python3-twilio');
});

/** Raw HTTP, so a test controls framing and headers exactly (supertest would set Content-Length). */
function raw(
  app: express.Express,
  options: { method: string; path: string; headers: Record<string, string>; chunks?: string[] },
): Promise<{ status: number; text: string }> {
  const server = http.createServer(app);
  return new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const req = http.request(
        { host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            server.close();
            resolve({ status: res.statusCode ?? 0, text });
          });
        },
      );
      req.on('error', (err) => {
        server.close();
        reject(err);
      });
      for (const chunk of options.chunks ?? []) req.write(chunk);
      req.end();
    });
  });
}

describe('when a body arrives in a shape the reader and the checker could read differently', () => {
  const app = createApp(testConfig({ BODY_LIMIT_BYTES: '2048' }));

  it('then a chunked body over the limit, with no Content-Length, is a 413', async () => {
    const res = await raw(app, {
      method: 'POST',
      path: '/sms',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Transfer-Encoding': 'chunked',
        'X-Twilio-Signature': 'x',
      },
      chunks: Array.from({ length: 5 }, () => `Body=${'a'.repeat(1000)}&`),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ error: 'request entity too large' });
  });

  it('then a Content-Length over the limit is a 413 before any byte is read', async () => {
    const res = await request(app).post('/sms').set('Content-Length', '4096').type('form').send('a'.repeat(4096));
    expect(res.status).toBe(413);
  });

  it.each(['gzip', 'deflate', 'br'])('then Content-Encoding %s is a 415', async (encoding) => {
    const res = await request(app).post('/sms').set('Content-Encoding', encoding).type('form').send('Body=x');
    expect(res.status).toBe(415);
    expect(res.body.error).toBe(`unsupported content encoding "${encoding}"`);
  });

  it('then exactly 1,000 parameters are read and 1,001 are a 413', async () => {
    const big = createApp(testConfig({ BODY_LIMIT_BYTES: '65536' }));
    const params = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
    const thousand = await request(big).post('/sms').type('form').send(params(1000));
    expect(thousand.status).toBe(403); // read, then refused for its (missing) signature
    const more = await request(big).post('/sms').type('form').send(params(1001));
    expect(more.status).toBe(413);
    expect(more.body.error).toBe('too many parameters');
  });

  it('then a charset other than UTF-8 is a 415', async () => {
    const res = await request(app)
      .post('/sms')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=latin1')
      .send('Body=x');
    expect(res.status).toBe(415);
  });

  it('then a GET carrying a form body is checked and answered from its URL alone: the body is never read', async () => {
    const checker = checkerApp(TOKEN, 'https://voice.example.com');
    const signature = getExpectedTwilioSignature(TOKEN, 'https://voice.example.com/x?A=1', {});
    const res = await raw(checker, {
      method: 'GET',
      path: '/x?A=1',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': '3',
        'X-Twilio-Signature': signature,
      },
      chunks: ['A=2'],
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ body: null });
  });

  it.each([
    ['application/x-www-form-urlencodedX', 'signature does not match'],
    ['text/plain', 'signature does not match'],
    ['application/vnd.twilio+json', 'JSON body without bodySHA256 in the URL'],
    ['application/json', 'JSON body without bodySHA256 in the URL'],
  ])('then a body typed %p, signed as a form, is refused: %s', async (type, reason) => {
    const checker = checkerApp(TOKEN, 'https://voice.example.com');
    const signature = getExpectedTwilioSignature(TOKEN, 'https://voice.example.com/x', { A: '1' });
    const body = type.endsWith('json') ? '{"A":"1"}' : 'A=1';
    const res = await request(checker)
      .post('/x')
      .set('Content-Type', type)
      .set('X-Twilio-Signature', signature)
      .send(body);
    expect(res.status).toBe(403);
    expect(res.text).toBe(`Forbidden: ${reason}\n`);
  });

  it('then a form body under bodySHA256 is refused (only JSON is signed by hash)', async () => {
    const checker = checkerApp(TOKEN, 'https://voice.example.com');
    const res = await request(checker)
      .post(`/x?bodySHA256=${JSON_HASH}`)
      .set('X-Twilio-Signature', 'x')
      .type('form')
      .send('A=1');
    expect(res.text).toBe('Forbidden: bodySHA256 given but the body is not JSON\n');
  });

  it('then a body that something else read, which no signature covers, is refused', async () => {
    const sneaky = express();
    sneaky.use((req, _res, next) => {
      req.log = createLogger('silent');
      req.body = { Twiml: '<Response><Dial>+447700900123</Dial></Response>' };
      next();
    });
    sneaky.use(twilioSignature({ enabled: true, authToken: TOKEN, publicBaseUrl: 'https://voice.example.com' }));
    sneaky.all('/x', (_req, res) => void res.send('reached'));
    const signature = getExpectedTwilioSignature(TOKEN, 'https://voice.example.com/x', {});
    const res = await request(sneaky)
      .post('/x')
      .set('X-Twilio-Signature', signature)
      .set('Content-Type', 'text/plain')
      .send('z');
    expect(res.status).toBe(403);
    expect(res.text).toBe('Forbidden: a body the signature does not cover\n');
  });
});

describe('when PUBLIC_BASE_URL is unset and the Host makes no URL', () => {
  const app = createApp(testConfig({ PUBLIC_BASE_URL: undefined }));
  it.each(['[', 'x:99999', 'a b'])(
    'then Host %p is a 403 "request URL could not be rebuilt", never TwiML',
    async (host) => {
      const res = await raw(app, {
        method: 'POST',
        path: '/voice',
        headers: {
          Host: host,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': '5',
          'X-Twilio-Signature': 'abc=',
        },
        chunks: ['A=1&B'],
      });
      expect(res.status).toBe(403);
      expect(res.text).toBe('Forbidden: request URL could not be rebuilt\n');
    },
  );
});
