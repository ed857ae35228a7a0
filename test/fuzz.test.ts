// Property-based fuzzing over real HTTP (fast-check, seeded and bounded; 10,000 cases in all): no forged or
// unsigned request gets TwiML, no input gives a 5xx or kills the process, every TwiML answer is well-formed
// and says exactly what it was given, and any alteration of a signed request is rejected.
import http from 'node:http';
import fc from 'fast-check';
import { getExpectedTwilioSignature } from 'twilio';
import { startAppServer, type RunningApp } from './support/appServer';
import { TEST_AUTH_TOKEN } from './support/config';
import { TWILIO_ROUTES } from './support/routes';
import { parseTwiml } from './support/twiml';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500);
const BODY_LIMIT = 4096;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

let signed: RunningApp; // signature checks on
let open: RunningApp; // checks off, so fuzzed input reaches every route handler

beforeAll(async () => {
  // The API is enabled (a 503 "API disabled" is deliberate, not a failure): then no 5xx at all is allowed.
  const common = { BODY_LIMIT_BYTES: String(BODY_LIMIT), API_TOKEN: 'fuzz-api-token-0123456789abcdef0123456789' };
  signed = await startAppServer({ ...common, FORWARD_TO: '+15557654321', OUTBOUND_ALLOWLIST: '+15557654321' });
  open = await startAppServer({ ...common, TWILIO_VALIDATE_SIGNATURE: 'false' });
});
afterAll(async () => {
  agent.destroy();
  await signed.close();
  await open.close();
});

interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends exactly these bytes and headers (fetch would normalise too much for fuzzing). A body is always
 * framed with Content-Length: node's client sends an OPTIONS or DELETE body without any framing otherwise,
 * which is a malformed request that any server must treat as the start of the next one.
 */
function send(
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array,
): Promise<RawResponse> {
  if (body) headers = { ...headers, 'content-length': String(body.length) };
  return new Promise((resolve, reject) => {
    const url = new URL(origin);
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const isTwiml = (r: RawResponse) => r.contentType.startsWith('text/xml') || r.body.includes('<Response');
// Header-safe text (printable ASCII): the HTTP client refuses anything else before it is sent.
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const paramsArb = fc.dictionary(
  fc.oneof(anyText, fc.constantFrom('Digits', 'Body', 'From', 'CallSid', 'Message[0]', '__proto__')),
  anyText,
  { maxKeys: 8 },
);

describe('when requests are not correctly signed (fuzzed)', () => {
  it('then none is ever answered with TwiML: 403 (or a 4xx for a body refused before the check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TWILIO_ROUTES),
        fc.constantFrom('GET', 'POST'),
        paramsArb,
        fc.option(headerText, { nil: undefined }),
        async (route, method, params, signature) => {
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
          if (signature !== undefined) headers['x-twilio-signature'] = signature;
          const path = method === 'GET' ? `${route}?${form(params)}` : route;
          const res = await send(
            signed.url,
            method,
            path,
            headers,
            method === 'POST' ? Buffer.from(form(params)) : undefined,
          );
          expect(isTwiml(res)).toBe(false);
          expect([400, 403, 413, 415]).toContain(res.status);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('when any input at all arrives (fuzzed bodies, types, paths, methods)', () => {
  it('then no answer is a 5xx and the server stays up', async () => {
    const path = fc.oneof(
      fc.constantFrom(...TWILIO_ROUTES, '/healthz', '/api/calls', '/nope'),
      fc.constantFrom(...TWILIO_ROUTES).chain((r) => headerText.map((q) => `${r}?${encodeURI(q)}`)),
      headerText.map((p) => `/${encodeURI(p)}`),
      fc.constantFrom(
        '/voice/%zz',
        '/twiml/message?Message%5B0%5D=%E0%A4%A',
        '/../etc/passwd',
        '//voice',
        '/voice/menu?Digits=1&Digits=2',
      ),
    );
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=utf-8',
        'application/x-www-form-urlencoded; charset=latin1',
        'application/json',
        'application/json; charset=utf-16',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
      ),
      headerText,
    );
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }), // invalid UTF-8 included
      paramsArb.map((p) => Buffer.from(form(p))),
      fc.constantFrom(
        Buffer.from('{"to":'),
        Buffer.from('{"__proto__":{"x":1}}'),
        Buffer.from('null'),
        Buffer.from('Digits=1&'.repeat(1200)), // too many parameters
        Buffer.alloc(BODY_LIMIT * 2, 0x41), // oversized
        Buffer.from('%E0%A4%A=%'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(signed, open),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
        path,
        contentType,
        body,
        fc.option(headerText, { nil: undefined }),
        async (app, method, requestPath, type, payload, signature) => {
          const headers: Record<string, string> = { 'content-type': type };
          if (signature !== undefined) headers['x-twilio-signature'] = signature;
          const res = await send(app.url, method, requestPath, headers, method === 'GET' ? undefined : payload);
          expect(res.status).toBeLessThan(500);
          expect(res.body).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)/); // never a stack trace
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
    for (const app of [signed, open]) expect((await send(app.url, 'GET', '/healthz', {})).status).toBe(200);
  });
});

describe('when a Twilio route gets any body under any content type (fuzzed)', () => {
  // How each Content-Type must be read, stated literally (not with the reader's own patterns).
  const TYPES: Array<[string | undefined, 'form' | 'json' | 'none' | 'bad-charset']> = [
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=utf-8', 'form'],
    ['Application/X-WWW-Form-URLEncoded;charset=US-ASCII', 'form'],
    ['application/x-www-form-urlencoded \t; charset="UTF-8"', 'form'],
    ['application/x-www-form-urlencoded; charset=latin1', 'bad-charset'],
    ['application/x-www-form-urlencoded; charset=utf8', 'form'],
    ['application/x-www-form-urlencoded;charset = "utf-16"', 'bad-charset'],
    ['application/x-www-form-urlencodedX', 'none'],
    ['application/x-www-form-urlencoded-extra', 'none'],
    ['xapplication/x-www-form-urlencoded', 'none'],
    ['application/json', 'json'],
    ['application/vnd.twilio.event+json; charset=utf-8', 'json'],
    ['application/json; charset=utf-16', 'bad-charset'],
    ['application/jsonp', 'none'],
    ['application/json5', 'none'],
    ['text/plain', 'none'],
    ['multipart/form-data; boundary=x', 'none'],
    [undefined, 'none'],
  ];
  const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  const pairs = (b: Uint8Array) => [...new URLSearchParams(utf8(b))].length;
  const jsonProblem = (b: Uint8Array) => {
    const text = utf8(b);
    if (text.trim() === '') return false;
    try {
      const value: unknown = JSON.parse(text);
      return typeof value !== 'object' || value === null;
    } catch {
      return true;
    }
  };
  /** The one status the rules allow for this request to a Twilio route of the signed app. */
  function expected(
    method: string,
    kind: (typeof TYPES)[number][1],
    encoding: string | undefined,
    body: Uint8Array,
  ): number {
    if (method !== 'GET' && method !== 'POST') return 404;
    if (method === 'GET' || kind === 'none') return 403;
    if (kind === 'bad-charset') return 415;
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return 415;
    if (body.length > BODY_LIMIT) return 413;
    if (kind === 'form') return pairs(body) > 1000 ? 413 : 403;
    return jsonProblem(body) ? 400 : 403;
  }

  it('then the answer is exactly the one the rules give, and never TwiML', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      paramsArb.map((p) => Buffer.from(form(p))),
      fc.constantFrom(
        Buffer.from(''),
        Buffer.from('{"CallSid":"CA1"}'),
        Buffer.from('[1,2]'),
        Buffer.from('"text"'),
        Buffer.from('null'),
        Buffer.from('  '),
        Buffer.from('{"to":'),
        Buffer.from('p=1&'.repeat(1000)),
        Buffer.from('p=1&'.repeat(1001)),
        Buffer.alloc(BODY_LIMIT, 0x41),
        Buffer.alloc(BODY_LIMIT + 1, 0x41),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TWILIO_ROUTES),
        fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE'),
        fc.constantFrom(...TYPES),
        fc.option(fc.constantFrom('gzip', 'identity', 'IDENTITY', 'br'), { nil: undefined }),
        body,
        fc.option(headerText, { nil: undefined }),
        async (route, method, [type, kind], encoding, payload, signature) => {
          const headers: Record<string, string> = {};
          if (type !== undefined) headers['content-type'] = type;
          if (encoding !== undefined) headers['content-encoding'] = encoding;
          if (signature !== undefined) headers['x-twilio-signature'] = signature;
          const res = await send(signed.url, method, route, headers, method === 'GET' ? undefined : payload);
          expect(res.status).toBe(expected(method, kind, encoding, payload));
          expect(isTwiml(res)).toBe(false);
        },
      ),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });
});

describe('when TwiML is answered (fuzzed text)', () => {
  it('then it parses as XML and says exactly the text given, in order, for the twimlet and the SMS reply', async () => {
    const items = fc.array(anyText, { maxLength: 12 });
    const longLists = fc.array(fc.constantFrom('a', 'http://x/y.mp3', ' '), { minLength: 100, maxLength: 400 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: items }, { weight: 1, arbitrary: longLists }),
        anyText,
        async (messages, smsBody) => {
          const query = messages.map((m, i) => `Message%5B${i}%5D=${encodeURIComponent(m)}`).join('&');
          const res = await send(open.url, 'GET', `/twiml/message?${query}`, {});
          expect(res.status).toBe(200);
          const doc = parseTwiml(res.body);
          // What the twimlet should say: each item without characters XML cannot carry, trimmed, blanks skipped.
          const expected = messages
            .map((m) => m.replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '').trim())
            .filter(Boolean);
          expect(doc.children.map((c) => c.text)).toEqual(expected);
          expect(doc.children.map((c) => c.name)).toEqual(expected.map((t) => (/^http/i.test(t) ? 'Play' : 'Say')));

          const sms = await send(
            open.url,
            'POST',
            '/sms',
            { 'content-type': 'application/x-www-form-urlencoded' },
            Buffer.from(form({ Body: smsBody, From: '+15551234567' })),
          );
          const reply = parseTwiml(sms.body);
          expect(sms.status).toBe(200);
          for (const verb of reply.children) expect(verb.name).toBe('Message');
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });
});

describe('when a correctly signed request is altered (fuzzed)', () => {
  it('then a changed, added or removed parameter, or another path, is rejected with 403', async () => {
    const params = fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/), anyText, { minKeys: 1, maxKeys: 6 });
    const alteration = fc.constantFrom('change', 'add', 'remove', 'path', 'query');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TWILIO_ROUTES),
        params,
        alteration,
        anyText,
        async (route, original, how, extra) => {
          const signature = getExpectedTwilioSignature(TEST_AUTH_TOKEN, signed.url + route, original);
          const sent: Record<string, string> = { ...original };
          const keys = Object.keys(sent);
          let path: string = route;
          if (how === 'change') sent[keys[0] as string] = `${sent[keys[0] as string]}x`;
          if (how === 'add') sent[`Extra${keys.length}`] = extra;
          if (how === 'remove') delete sent[keys[0] as string];
          if (how === 'path') path = route === '/voice' ? '/sms' : '/voice';
          if (how === 'query') path = `${route}?x=${encodeURIComponent(extra)}`;
          const res = await send(
            signed.url,
            'POST',
            path,
            { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
            Buffer.from(form(sent)),
          );
          expect(res.status).toBe(403);
          expect(isTwiml(res)).toBe(false);
        },
      ),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });
});
