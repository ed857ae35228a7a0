// The REST contract, checked against Twilio's own OpenAPI description (test/fixtures/twilio-api, from
// twilio/twilio-oai, Apache 2.0) with a JSON-schema validator (ajv), not hand-written field lists: every request our
// outbound service makes (through the real twilio client) and every answer of our REST stand-in. Plus what the
// service does with answers the contract allows but a careless reader would mishandle (no SID, a bad date).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import request from 'supertest';
import { createApp } from '../src/app';
import { TwilioApiServer, type FormParams } from '../src/simulator/restServer';
import { setUpNumber, wiringFor } from '../src/services/numberSetup';
import { createTwilioClient } from '../src/services/twilioClient';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig } from './support/config';
import { captureLogs } from './support/logs';

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

const SPEC_FILE = path.join(__dirname, 'fixtures', 'twilio-api', 'twilio_api_v2010.json');
const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;

const RFC_2822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/;

/** Twilio's own formats, checked where they carry meaning, accepted where they are labels. */
function withTwilioFormats(ajv: Ajv): Ajv {
  ajv.addFormat('date-time-rfc-2822', (v: string) => RFC_2822.test(v) && !Number.isNaN(Date.parse(v)));
  ajv.addFormat('date-time', (v: string) => !Number.isNaN(Date.parse(v)));
  ajv.addFormat('uri', (v: string) => URL.canParse(v) || v.startsWith('/'));
  ajv.addFormat('uri-map', () => true);
  ajv.addFormat('phone-number', (v: string) => /^\+[1-9]\d{1,14}$/.test(v));
  ajv.addFormat('endpoint', (v: string) => v.length > 0);
  ajv.addFormat('http-method', (v: string) => v === 'GET' || v === 'POST');
  for (const label of ['currency', 'int64', 'twiml', 'phone-number-capabilities']) ajv.addFormat(label, () => true);
  return ajv;
}

// Form bodies are strings and repeated keys: coerced to the schema's types and arrays, as Twilio reads them.
const formAjv = withTwilioFormats(new Ajv({ strict: false, allErrors: true, coerceTypes: 'array' }));
const jsonAjv = withTwilioFormats(new Ajv({ strict: false, allErrors: true }));
jsonAjv.addSchema(spec as object, 'twilio');

/** The spec's operation for a concrete request path, e.g. /2010-04-01/Accounts/AC…/Calls.json. */
function operationFor(method: string, concretePath: string): Operation {
  for (const [template, ops] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
    const op = ops[method.toLowerCase()];
    if (pattern.test(concretePath) && op) return op;
  }
  throw new Error(`${method} ${concretePath} is not an operation in Twilio's API description`);
}

function requestValidator(method: string, concretePath: string): ValidateFunction {
  const schema = operationFor(method, concretePath).requestBody?.content['application/x-www-form-urlencoded']?.schema;
  if (!schema) throw new Error(`${method} ${concretePath} takes no form body`);
  // The spec's components travel along, so the schema's $refs resolve within it.
  return formAjv.compile({ ...schema, components: spec.components });
}

function responseSchemaRef(method: string, concretePath: string, status: number): string {
  const ref = operationFor(method, concretePath).responses[String(status)]?.content?.['application/json']?.schema.$ref;
  if (!ref) throw new Error(`${method} ${concretePath} documents no ${status} JSON answer`);
  return ref;
}

function expectValidRequest(method: string, concretePath: string, params: FormParams): void {
  const validate = requestValidator(method, concretePath);
  const ok = validate(structuredClone(params));
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

/** The answer matches the documented schema, and holds exactly the documented fields (no more, none missing). */
function expectValidAnswer(method: string, concretePath: string, status: number, body: Record<string, unknown>) {
  const ref = responseSchemaRef(method, concretePath, status);
  const validate = jsonAjv.getSchema(`twilio${ref}`) as ValidateFunction;
  const ok = validate(body);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  const documented = Object.keys(spec.components.schemas[ref.split('/').at(-1) as string]?.properties ?? {}).sort();
  expect(Object.keys(body).sort()).toEqual(documented);
}

let twilioApi: TwilioApiServer;
beforeAll(async () => {
  twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
});
afterAll(() => twilioApi.close());
beforeEach(() => {
  twilioApi.requests.length = 0;
});

const API_TOKEN = 'contract-api-token-0123456789abcdef012345';
function appFor() {
  const logs = captureLogs();
  const config = testConfig({
    TWILIO_API_BASE_URL: twilioApi.url,
    API_TOKEN,
    OUTBOUND_ALLOWLIST: '+1555*',
    TWILIO_TIMEOUT_MS: '2000',
    TWILIO_MAX_RETRIES: '0',
  });
  return { app: createApp(config, { logger: logs.logger }), logs };
}
const api = (app: ReturnType<typeof appFor>['app']) => ({
  post: (to: string, body: object) => request(app).post(to).set('Authorization', `Bearer ${API_TOKEN}`).send(body),
  get: (to: string) => request(app).get(to).set('Authorization', `Bearer ${API_TOKEN}`),
});

describe('when the outbound service talks to Twilio', () => {
  it.each([
    ['a call with a message', '/api/calls', { to: '+15551234567', message: 'Hello.' }],
    ['a recorded call', '/api/calls', { to: '+15551234567', message: 'Hello.', record: true }],
    ['a call running a route', '/api/calls', { to: '+15551234567', path: '/voice' }],
    ['a text', '/api/messages', { to: '+15551234567', body: 'Hi' }],
    [
      'a text with media',
      '/api/messages',
      { to: '+15551234567', body: 'Hi', mediaUrl: ['https://x.example/a.png', 'https://x.example/b.png'] },
    ],
  ])('then %s is a request Twilio documents, and the fetch that follows too', async (_, route, body) => {
    const { app } = appFor();
    const created = await api(app).post(route, body);
    expect(created.status).toBe(201);
    const [sent] = twilioApi.requests;
    expect(sent?.method).toBe('POST');
    expectValidRequest('POST', sent?.path as string, sent?.params as FormParams);
    const fetched = await api(app).get(`${route}/${created.body.sid}`);
    expect(fetched.status).toBe(200);
    const fetch = twilioApi.requests[1];
    expect(operationFor(fetch?.method as string, fetch?.path as string)).toBeDefined();
  });

  it('then the validator is a real one: a request missing To, or with a Method Twilio does not take, fails it', () => {
    const calls = `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Calls.json`;
    const validate = requestValidator('POST', calls);
    expect(validate({ From: '+15550006666', Url: 'https://x.example/voice' })).toBe(false);
    expect(validate({ To: '+15551234567', From: '+15550006666', Method: 'PUT' })).toBe(false);
    expect(validate({ To: '+15551234567', From: '+15550006666', Url: 'https://x.example/voice' })).toBe(true);
  });
});

describe('when our REST stand-in answers', () => {
  const base = () => `${twilioApi.url}/2010-04-01/Accounts/${TEST_ACCOUNT_SID}`;
  const auth = `Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64')}`;
  const rest = async (method: string, url: string, form?: Record<string, string | string[]>) => {
    const body = form
      ? new URLSearchParams(
          Object.entries(form).flatMap(([k, v]) => [v].flat().map((one): [string, string] => [k, one])),
        )
      : undefined;
    const res = await fetch(url, { method, headers: { Authorization: auth }, body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('then a created and a fetched call are Twilio call resources, field for field', async () => {
    const created = await rest('POST', `${base()}/Calls.json`, {
      To: '+15551234567',
      From: '+15550006666',
      Url: 'https://x.example/voice',
    });
    expect(created.status).toBe(201);
    expectValidAnswer('POST', new URL(`${base()}/Calls.json`).pathname, 201, created.json);
    const fetchPath = new URL(`${base()}/Calls/${created.json.sid}.json`).pathname;
    const fetched = await rest('GET', `${base()}/Calls/${created.json.sid}.json`);
    expect(fetched.status).toBe(200);
    expectValidAnswer('GET', fetchPath, 200, fetched.json);
  });

  it('then a created and a fetched message are Twilio message resources, field for field', async () => {
    const created = await rest('POST', `${base()}/Messages.json`, {
      To: '+15551234567',
      From: '+15550006666',
      Body: 'Hi',
      MediaUrl: ['https://x.example/a.png'],
    });
    expect(created.status).toBe(201);
    expectValidAnswer('POST', new URL(`${base()}/Messages.json`).pathname, 201, created.json);
    const fetched = await rest('GET', `${base()}/Messages/${created.json.sid}.json`);
    expectValidAnswer('GET', new URL(`${base()}/Messages/${created.json.sid}.json`).pathname, 200, fetched.json);
  });

  it.each([
    ['Twiml', { Twiml: '<Response><Say>Hi</Say></Response>' }],
    ['ApplicationSid', { ApplicationSid: `AP${'0'.repeat(32)}` }],
    ['nothing', {}],
  ])('then a call with %s but no Url is refused with 21205 (this stand-in plays out URLs only)', async (_, extra) => {
    const res = await rest('POST', `${base()}/Calls.json`, { To: '+15551234567', From: '+15550006666', ...extra });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 21205, status: 400 });
  });
});

describe('when setup-number wires a number', () => {
  it('then it finds and updates the number as Twilio documents, and the stand-in answers IncomingPhoneNumber resources', async () => {
    const number = twilioApi.addNumber('+15550006666');
    const client = createTwilioClient({
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      baseUrl: twilioApi.url,
      timeoutMs: 2000,
      maxRetries: 0,
    });
    const result = await setUpNumber(client, '+15550006666', 'https://voice.example.com');
    const [list, update] = twilioApi.requests;
    expect(list?.method).toBe('GET');
    expect(operationFor('GET', list?.path as string)).toBeDefined();
    expect(update?.method).toBe('POST');
    expectValidRequest('POST', update?.path as string, update?.params as FormParams);
    expect(result).toEqual({
      sid: number.sid,
      phoneNumber: '+15550006666',
      before: expect.objectContaining({ voiceUrl: 'https://demo.twilio.com/welcome/voice/', statusCallback: null }),
      after: wiringFor('https://voice.example.com'),
    });
    const auth = `Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64')}`;
    const resourcePath = `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/IncomingPhoneNumbers/${number.sid}.json`;
    const fetched = await fetch(`${twilioApi.url}${resourcePath}`, { headers: { Authorization: auth } });
    expectValidAnswer('GET', resourcePath, 200, (await fetched.json()) as Record<string, unknown>);
    await expect(setUpNumber(client, '+15550009999', 'https://voice.example.com')).rejects.toThrow(
      /\+15550009999 is not a phone number of this Twilio account/,
    );
  });
});

describe('when Twilio answers something the service must not pass on as it is', () => {
  it.each([
    ['/api/calls', { to: '+15551234567', message: 'Hello.' }, 'call'],
    ['/api/messages', { to: '+15551234567', body: 'Hi' }, 'message'],
  ])(
    'then a 201 without a SID on %s is a 502 that says to look before retrying, never 201 {} with an undefined Location',
    async (route, body, what) => {
      const { app, logs } = appFor();
      twilioApi.failNext({ status: 201, json: { status: 'queued' } });
      const res = await api(app).post(route, body);
      expect(res.status).toBe(502);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toMatchObject({ kind: 'twilio_unreachable', error: expect.stringContaining(`no ${what} SID`) });
      expect(logs.text()).not.toContain('+15551234567');
    },
  );

  it('then a fetched call with an unparseable date answers 200 with that date null, not a 500', async () => {
    const { app } = appFor();
    const created = await api(app).post('/api/calls', { to: '+15551234567', message: 'Hello.' });
    const call = twilioApi.calls.get(created.body.sid) as Record<string, unknown>;
    twilioApi.failNext({
      status: 200,
      json: { ...call, start_time: 'yesterday-ish', end_time: 'Tue, 31 Aug 2010 20:36:28 +0000' },
    });
    const res = await api(app).get(`/api/calls/${created.body.sid}`);
    expect(res.status).toBe(200);
    // Twilio's unreadable start time is not used: the store's own (when the call was placed) stands.
    expect(res.body).toMatchObject({
      sid: created.body.sid,
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      endedAt: '2010-08-31T20:36:28.000Z',
    });
  });

  it('then a Twilio error quoting the number is answered with it, and logged with its code only', async () => {
    const { app, logs } = appFor();
    twilioApi.failNext({ status: 400, code: 21211, message: "Invalid 'To' Phone Number: +15551234567" });
    const res = await api(app).post('/api/calls', { to: '+15551234567', message: 'Hello.' });
    expect(res.status).toBe(400);
    expect(logs.entries().find((e) => e.msg === 'Twilio request failed')).toMatchObject({ code: 21211 });
    expect(logs.text()).not.toContain('+15551234567');
  });
});
