// Property-based (fast-check, seeded, bounded): random TwiML documents (random verbs and nouns, attributes,
// letter case, namespaces, CDATA, entities, whitespace and look-alike Unicode digits) through /twiml/echo, and
// random parameter values through TwiML Bins whose every destination is a slot, over real HTTP with real
// signatures. Whatever comes back, no answer ever holds a destination, recipient or hand-off URL outside the
// allow-lists, as read by an oracle written apart from the policy (test/support/egressOracle.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { getExpectedTwilioSignature } from 'twilio';
import { createApp } from '../src/app';
import { loadBins } from '../src/twiml/bins';
import { egressPolicyFromConfig } from '../src/policy/fromConfig';
import { EGRESS_ENV, OWN_ORIGIN, breaches } from './support/egressOracle';
import { PUBLIC_BASE, TEST_AUTH_TOKEN, testBinChecks, testConfig } from './support/config';
import { captureLogs } from './support/logs';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.EGRESS_RUNS ?? 5000);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

// --- values an attacker would put where a destination goes -----------------------------------------------
const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
const formatted = (number: string) =>
  fc.constantFrom(
    number,
    number.replace(/^(\+\d)(\d{3})(\d{3})(\d+)$/, '$1 ($2) $3-$4'),
    ` ${number} `,
    number.replace(/(\d{3})/g, '$1.'),
    number.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), // fullwidth digits
    number.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))), // Arabic-Indic digits
    number.replace('+', '\u200b+'), // zero-width space
    number.replace('+', '00'),
  );
const phone = fc
  .oneof(
    digits(7).map((d) => `+1555${d}`),
    digits(10).map((d) => `+44${d}`),
    digits(7).map((d) => `+1900${d}`),
    digits(10),
  )
  .chain(formatted);
const host = fc.constantFrom(
  'voice.example.com',
  'twiml.example.org',
  'pbx.example.com',
  'PBX.Example.com',
  'evil.example.com',
  'voice.example.com.evil.example.com',
  'voice.example.com@evil.example.com',
  'evil.example.com#@voice.example.com',
  '127.0.0.1',
  '[::1]',
);
const sip = fc
  .tuple(fc.constantFrom('sip:', 'sips:', 'SIP:', 'tel:', ''), fc.constantFrom('', '+447700900123@', 'alice@'), host)
  .chain(([scheme, user, h]) => fc.constantFrom(`${scheme}${user}${h}`, `${scheme}${user}${h};transport=tls`));
const url = fc.oneof(
  fc.constantFrom('', '/voice', 'voice', '/twiml/echo?Twiml=x', '//evil.example.com/x', '/\\evil.example.com/x'),
  fc
    .tuple(fc.constantFrom('https://', 'http://', 'wss://', 'HTTPS://', ' https://', 'javascript:', 'https:/'), host)
    .map(([scheme, h]) => `${scheme}${h}/next`),
);
const name = fc.constantFrom('agent-1', 'agent-2', 'standup', 'board', 'support', 'HS0123', 'AP0123', '');
const value = fc.oneof(phone, sip, url, name, fc.string({ maxLength: 12 }));

// --- documents -----------------------------------------------------------------------------------------
const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');
/** Text as plain (escaped), CDATA, or every character as a numeric entity. */
const encoded = (s: string) =>
  fc.constantFrom(
    escapeText(s),
    s.includes(']]>') ? escapeText(s) : `<![CDATA[${s}]]>`,
    [...s].map((c) => `&#${c.codePointAt(0)};`).join(''),
    ` \n\t${escapeText(s)}\n`,
  );
/** How an element's name is spelled: as Twilio documents it, in other cases, or with a namespace prefix. */
const spelled = (tag: string) =>
  fc.oneof(
    { arbitrary: fc.constant(tag), weight: 20 },
    { arbitrary: fc.constantFrom(tag.toLowerCase(), tag.toUpperCase(), `t:${tag}`), weight: 1 },
  );
const attribute = fc
  .tuple(
    fc.constantFrom(
      'action',
      'url',
      'waitUrl',
      'referUrl',
      'to',
      'statusCallback',
      'method',
      'callerId',
      'ACTION',
      't:action',
      'voice',
    ),
    value,
  )
  .map(([n, v]) => ` ${n}="${escapeAttr(v)}"`);
const attributes = fc.array(attribute, { maxLength: 2 }).map((list) => list.join(''));

function element(tag: string, inner: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(spelled(tag), attributes, inner).map(([t, a, i]) => `<${t}${a}>${i}</${t}>`);
}
const textValue = value.chain(encoded);
const noun = fc.oneof(
  element('Number', textValue),
  element('Sip', sip.chain(encoded)),
  element(
    'Client',
    fc.oneof(
      textValue,
      name.map((n) => `<Identity>${n}</Identity><Parameter name="k" value="v"/>`),
      // Text beside the child: both are judged.
      fc.tuple(textValue, name).map(([t, n]) => `${t}<Identity>${n}</Identity>`),
    ),
  ),
  element('Conference', name.chain(encoded)),
  element('Queue', name.chain(encoded)),
  element('Sim', name.chain(encoded)),
  element(
    'Application',
    fc.oneof(
      name,
      name.map((n) => `<ApplicationSid>${n}</ApplicationSid>`),
    ),
  ),
);
const verb = fc.oneof(
  element(
    'Dial',
    fc.tuple(fc.oneof(fc.constant(''), textValue), fc.array(noun, { maxLength: 3 })).map(([t, n]) => t + n.join('')),
  ),
  element('Redirect', url.chain(encoded)),
  element('Message', textValue),
  element('Sms', textValue),
  element('Say', textValue),
  element('Play', url.chain(encoded)),
  element('Gather', fc.constant('<Say>Press 1</Say>')),
  element('Enqueue', name),
  element('Refer', element('Sip', sip.chain(encoded))),
  element('Connect', element('Stream', fc.constant(''))),
  element('Record', fc.constant('')),
  element('Hangup', fc.constant('')),
);
const documentArb = fc
  .array(verb, { minLength: 1, maxLength: 4 })
  .map((verbs) => `<Response xmlns:t="urn:twiml">${verbs.join('')}</Response>`);

const BIN_NAMES = [
  'dial',
  'number',
  'sip',
  'refer',
  'client',
  'conference',
  'queue',
  'message',
  'sms',
  'redirect',
  'stream',
  'action',
];

// --- the server under test ------------------------------------------------------------------------------
let server: http.Server;
let origin: string;
const logs = captureLogs();

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-bins-'));
  const bins: Record<string, string> = {
    dial: '<Response><Dial>{{A}}</Dial></Response>',
    number: '<Response><Dial><Number url="{{U}}">{{A}}</Number></Dial></Response>',
    sip: '<Response><Dial><Sip>{{S}}</Sip></Dial></Response>',
    refer: '<Response><Refer><Sip>{{S}}</Sip></Refer></Response>',
    client: '<Response><Dial><Client>{{N}}</Client></Dial></Response>',
    conference: '<Response><Dial><Conference>{{C}}</Conference></Dial></Response>',
    queue: '<Response><Dial><Queue url="{{V}}">{{N}}</Queue></Dial></Response>',
    message: '<Response><Message to="{{e164 A}}">{{Body}}</Message></Response>',
    sms: '<Response><Sms to="{{B}}">x</Sms></Response>',
    redirect: '<Response><Redirect>{{U}}</Redirect></Response>',
    stream: '<Response><Connect><Stream url="{{U}}"/></Connect></Response>',
    action: '<Response><Dial action="{{U}}">+15551234567</Dial></Response>',
  };
  for (const [file, template] of Object.entries(bins)) writeFileSync(path.join(dir, `${file}.hbs`), template);
  const config = testConfig({ ...EGRESS_ENV, BINS_DIR: dir });
  server = http.createServer(
    createApp(config, { logger: logs.logger, bins: loadBins(dir, testBinChecks(EGRESS_ENV)) }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A signed POST as Twilio sends it: `query` is the operator's URL, `body` the call data. */
function post(route: string, query: Record<string, string>, body: Record<string, string>) {
  const search = new URLSearchParams(query).toString();
  const pathWithQuery = search ? `${route}?${search}` : route;
  const form = new URLSearchParams(body).toString();
  const signature = getExpectedTwilioSignature(TEST_AUTH_TOKEN, PUBLIC_BASE + pathWithQuery, body);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      `${origin}${pathWithQuery}`,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(form),
          'X-Twilio-Signature': signature,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };

describe('when random TwiML documents are echoed', () => {
  it(`then no answer ever reaches outside the allow-lists (${RUNS} documents)`, async () => {
    const outcomes = { echoed: 0, refused: 0, invalid: 0 };
    await fc.assert(
      fc.asyncProperty(documentArb, async (doc) => {
        const res = await post('/twiml/echo', { Twiml: doc }, CALL);
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) return void outcomes.invalid++;
        expect(breaches(res.body)).toEqual([]);
        if (res.body === doc) outcomes.echoed++;
        else outcomes.refused++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The generator exercises both sides of the policy, not only one.
    expect(outcomes.echoed).toBeGreaterThan(RUNS / 20);
    expect(outcomes.refused).toBeGreaterThan(RUNS / 5);
  });

  it(`then the policy alone agrees with the oracle on what it lets through (${RUNS} documents, no schema filter)`, () => {
    const policy = egressPolicyFromConfig(testConfig(EGRESS_ENV));
    let allowed = 0;
    fc.assert(
      fc.property(documentArb, (doc) => {
        if (policy.check(doc, OWN_ORIGIN) !== undefined) return;
        allowed++;
        expect(breaches(doc)).toEqual([]);
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
    expect(allowed).toBeGreaterThan(RUNS / 50);
  });
});

describe('when random values fill TwiML Bins whose destinations are all slots', () => {
  it(`then no rendered bin ever reaches outside the allow-lists (${RUNS} requests)`, async () => {
    let passed = 0;
    const params = fc.record({ A: value, B: value, U: url, V: url, S: sip, N: name, C: name, Body: value });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BIN_NAMES), params, fc.boolean(), async (bin, values, inQuery) => {
        const res = await post(`/bins/${bin}`, inQuery ? values : {}, inQuery ? CALL : { ...CALL, ...values });
        expect(res.status).toBe(200);
        expect(breaches(res.body)).toEqual([]);
        if (!/Sorry, this call cannot be connected/.test(res.body)) passed++;
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
    expect(passed).toBeGreaterThan(RUNS / 50);
  });
});
