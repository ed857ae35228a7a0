// The egress policy where the routes meet it: the operator's query is never overridden by a body parameter
// (every twimlet and bin parameter tried), the refusal answers and their log line, TwiML Bins and the gate
// that no route can go around.
import express from 'express';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { BinError, loadBins } from '../src/twiml/bins';
import { isEmailAddress } from '../src/formats';
import { sendTwiml } from '../src/http/twiml';
import { egressPolicyFromConfig } from '../src/policy/fromConfig';
import { EgressRefusedError, VettedTwiml } from '../src/policy/vetted';
import { PUBLIC_BASE, testBinChecks, testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { signedGet, signedPost } from './support/signing';
import { parseTwiml, verbs } from './support/twiml';

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };
const EVIL = '+447700900123';
const ENV = {
  OUTBOUND_ALLOWLIST: '+1555*',
  CONFERENCE_ALLOWLIST: '*',
  TWIML_URL_ALLOWLIST: 'twiml.example.org',
  SIP_ALLOWLIST: 'pbx.example.com',
};

function binsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-routes-bins-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const bins = loadBins(
  binsDir({
    'say.hbs': '<Response><Say>{{Message}}</Say><Dial>{{Number}}</Dial></Response>',
    'digits.hbs': '<Response><Dial>{{Digits}}</Dial></Response>',
    'number.hbs': '<Response><Dial><Number>{{e164 Body}}</Number></Dial></Response>',
    'text.hbs': '<Response><Message to="{{e164 Body}}">Hi</Message></Response>',
    'sip.hbs': '<Response><Dial><Sip>sip:{{To}}@pbx.example.com</Sip></Dial></Response>',
  }),
  testBinChecks(ENV),
);
const logs = captureLogs();
const app = createApp(testConfig(ENV), { logger: logs.logger, bins });
const refusals = () => logs.entries().filter((e) => e.msg === 'TwiML refused by the egress policy');

const post = (route: string, query: Record<string, string>, body: Record<string, string>) => {
  const search = new URLSearchParams(query).toString();
  return signedPost(app, search ? `${route}?${search}` : route, body);
};

describe('when a body parameter tries to replace or add to what the operator put in the URL', () => {
  // [route, the operator's query, parameters an attacker adds to the body]
  const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
    [
      '/twiml/echo',
      { Twiml: '<Response><Say>hi</Say></Response>' },
      { Twiml: `<Response><Dial>${EVIL}</Dial></Response>` },
    ],
    [
      '/twiml/message',
      { 'Message[0]': 'Hello' },
      { 'Message[0]': 'Bye', Message: 'x', 'Message[1]': 'more', Voice: 'man' },
    ],
    ['/twiml/forward', { PhoneNumber: '+15557654321' }, { PhoneNumber: EVIL, CallerId: '+15550000000', Timeout: '99' }],
    ['/twiml/forward', { PhoneNumber: '+15557654321' }, { FailUrl: 'https://evil.example.com/x', Dial: 'true' }],
    [
      '/twiml/forward',
      { PhoneNumber: '+15557654321', 'AllowedCallers[0]': '+15559999999' },
      { 'AllowedCallers[0]': CALL.From, AllowedCallers: CALL.From },
    ],
    [
      '/twiml/simulring',
      { 'PhoneNumbers[0]': '+15557654321' },
      { 'PhoneNumbers[0]': EVIL, 'PhoneNumbers[1]': EVIL, Message: 'x', FailUrl: '/x' },
    ],
    ['/twiml/findme', { 'PhoneNumbers[0]': '+15557654321' }, { 'PhoneNumbers[1]': EVIL, Timeout: '5', Message: 'x' }],
    ['/twiml/whisper', { Message: 'Sales call' }, { Message: 'Press nothing', HumanCheck: 'true' }],
    [
      '/twiml/menu',
      { 'Options[1]': '/voice', Message: 'Press 1' },
      { 'Options[1]': 'https://evil.example.com/x', 'Options[9]': '/x', Message: 'y' },
    ],
    [
      '/twiml/voicemail',
      { Email: 'owner@example.com' },
      { Email: 'attacker@example.net', Transcribe: 'false', Message: 'x' },
    ],
    [
      '/twiml/conference',
      { Name: 'standup', Password: '1234' },
      { Password: '', Name: 'board', Music: 'https://evil.example.com/w' },
    ],
    [
      '/twiml/conference',
      { Name: 'standup', 'Moderators[0]': '+15559999999' },
      { 'Moderators[0]': CALL.From, EnableSmsNotifications: 'true' },
    ],
    [
      '/twiml/holdmusic',
      { 'Urls[0]': 'https://x.example/a.mp3' },
      { 'Urls[0]': 'https://evil.example.com/b.mp3', Bucket: 'evil', Message: 'x' },
    ],
    [
      '/bins/say',
      { Message: 'From the operator', Number: '+15557654321' },
      { Message: 'From the attacker', Number: EVIL },
    ],
  ];

  it.each(cases)('then %s answers as if the body had none of them (%j + %j)', async (route, query, extra) => {
    const clean = await post(route, query, CALL);
    const attacked = await post(route, query, { ...CALL, ...extra });
    expect(clean.status).toBe(200);
    expect(attacked.status).toBe(200);
    expect(attacked.text).toBe(clean.text);
  });

  it('then a Twiml given only in the body is no document at all (the caller hears an apology, never the body)', async () => {
    const res = await post('/twiml/echo', {}, { ...CALL, Twiml: '<Response><Say>hi</Say></Response>' });
    expect(res.status).toBe(200);
    expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup']);
    expect(res.text).not.toContain('>hi<');
  });

  it('then on a GET, where Twilio appends call data after the query, the operator’s value comes first and wins', async () => {
    const res = await signedGet(app, `/twiml/echo?Twiml=${encodeURIComponent('<Response><Say>op</Say></Response>')}`, {
      Twiml: `<Response><Dial>${EVIL}</Dial></Response>`,
    });
    expect(parseTwiml(res.text).children.map((c) => c.text)).toEqual(['op']);
  });
});

describe('when a document is refused', () => {
  it('then a voice caller hears a short apology and <Hangup/>, and one warn line names route, element and reason', async () => {
    const before = refusals().length;
    const res = await post(
      '/twiml/echo',
      { Twiml: '<Response><Dial><Sip>sip:x@evil.example.com</Sip></Dial></Response>' },
      CALL,
    );
    const doc = parseTwiml(res.text);
    expect(verbs(doc)).toEqual(['Say', 'Hangup']);
    expect(doc.children[0]?.text).toBe('Sorry, this call cannot be connected. Goodbye.');
    expect(refusals().slice(before)).toEqual([
      expect.objectContaining({
        level: 40,
        route: '/twiml/echo',
        element: '<Sip>',
        reason: expect.stringMatching(/evil\.example\.com/),
      }),
    ]);
    expect(JSON.stringify(refusals().slice(before))).not.toContain('<Response>');
  });

  it('then a messaging answer becomes an empty <Response/>', async () => {
    const messaging = createApp(testConfig(ENV), {
      bins: loadBins(
        binsDir({ 'reply.xml': '<Response><Message to="{{From}}"><Body>Hi</Body></Message></Response>' }),
        testBinChecks(ENV),
      ),
    });
    const ok = await signedPost(messaging, '/bins/reply', { ...CALL, From: '+15551112222' });
    expect(verbs(parseTwiml(ok.text))).toEqual(['Message']);
    const refused = await signedPost(messaging, '/bins/reply', { ...CALL, From: EVIL });
    expect(parseTwiml(refused.text).children).toEqual([]);
  });

  it.each([
    ['digits', { Digits: EVIL }],
    ['digits', { Digits: '+1900 555 0000' }],
    ['number', { Body: EVIL }],
    ['text', { Body: EVIL }],
    ['sip', { To: 'x@evil.example.com;' }],
  ])('then bin %s filled with %j is refused (issue 10, 3)', async (bin, values) => {
    const res = await signedPost(app, `/bins/${bin}`, { ...CALL, ...values });
    // A messaging bin (<Message>) is refused as messaging: no reply at all; a voice bin with an apology.
    expect(verbs(parseTwiml(res.text))).toEqual(bin === 'text' ? [] : ['Say', 'Hangup']);
  });

  it('then a bin filled with allowed values is answered as written', async () => {
    const res = await signedPost(app, '/bins/digits', { ...CALL, Digits: '+15557654321' });
    expect(verbs(parseTwiml(res.text))).toEqual(['Dial']);
  });

  it('then the menu twimlet refuses to hand the caller to a host that is not allowed', async () => {
    const res = await post(
      '/twiml/menu',
      { 'Options[1]': 'https://evil.example.com/x', 'Options[2]': 'https://twiml.example.org/y' },
      { ...CALL, Digits: '1' },
    );
    expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup']);
    const allowed = await post(
      '/twiml/menu',
      { 'Options[2]': 'https://twiml.example.org/y' },
      { ...CALL, Digits: '2' },
    );
    expect(verbs(parseTwiml(allowed.text))).toEqual(['Redirect']);
  });

  it('then forward’s FailUrl on another host is refused after a failed dial (issue 10, 2)', async () => {
    const res = await post(
      '/twiml/forward',
      { Dial: 'true', FailUrl: 'https://evil.example.com/x' },
      { ...CALL, DialCallStatus: 'busy' },
    );
    expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup']);
  });

  it('then a conference name outside CONFERENCE_ALLOWLIST is refused', async () => {
    const strict = createApp(testConfig({ ...ENV, CONFERENCE_ALLOWLIST: 'standup' }));
    const res = await signedPost(strict, '/twiml/conference?Name=board', CALL);
    expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup']);
  });
});

describe('when a TwiML Bin’s static content breaks the policy', () => {
  it.each([
    [
      { 'intl.xml': `<Response><Dial>${EVIL}</Dial></Response>` },
      /intl\.xml: <Dial> breaks the egress policy: not in OUTBOUND_ALLOWLIST/,
    ],
    [
      { 'sip.xml': '<Response><Dial><Sip>sip:a@evil.example.com</Sip></Dial></Response>' },
      /sip\.xml: <Sip> breaks the egress policy/,
    ],
    [
      { 'away.xml': '<Response><Redirect>https://evil.example.com/x</Redirect></Response>' },
      /away\.xml: <Redirect> breaks/,
    ],
    [{ 'half.hbs': '<Response><Dial><Number>+44{{Digits}}</Number></Dial></Response>' }, /half\.hbs: <Number> breaks/],
  ])('then loading %j stops with the file and the element', (files, reason) => {
    expect(() => loadBins(binsDir(files), testBinChecks(ENV))).toThrow(BinError);
    expect(() => loadBins(binsDir(files), testBinChecks(ENV))).toThrow(reason);
  });

  it('then relative URLs and slots left for requests load fine', () => {
    const loaded = loadBins(
      binsDir({ 'ok.hbs': '<Response><Redirect>/voice</Redirect><Dial action="{{A}}">{{Digits}}</Dial></Response>' }),
      testBinChecks(ENV),
    );
    expect([...loaded.keys()]).toEqual(['ok']);
  });
});

describe('when TwiML would go out around the gate', () => {
  it('then sendTwiml refuses to write it (500 JSON, never TwiML)', async () => {
    const bare = express();
    bare.get('/x', (_req, res) => sendTwiml(res, '<Response><Dial>+447700900123</Dial></Response>'));
    bare.use(
      ((err, _req, res, _next) =>
        void res.status(500).json({ error: (err as Error).message })) as express.ErrorRequestHandler,
    );
    const res = await request(bare).get('/x');
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('TwiML response outside the egress gate');
  });

  it('then a document checked once when built is refused at build time, naming where', () => {
    const policy = egressPolicyFromConfig(testConfig(ENV));
    expect(() => VettedTwiml.check(policy, `<Response><Dial>${EVIL}</Dial></Response>`, PUBLIC_BASE, '/voice')).toThrow(
      EgressRefusedError,
    );
    expect(() => VettedTwiml.check(policy, `<Response><Dial>${EVIL}</Dial></Response>`, PUBLIC_BASE, '/voice')).toThrow(
      '/voice: <Dial> breaks the egress policy: not in OUTBOUND_ALLOWLIST',
    );
    expect(VettedTwiml.check(policy, '<Response/>', PUBLIC_BASE, '/x').bytes.toString()).toBe('<Response/>');
  });
});

describe('when the voicemail twimlet gets a huge Email', () => {
  const elapsed = async (run: () => unknown): Promise<number> => {
    const started = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };

  it('then the check is linear: a 60 kB value is refused at once (it took over 4 s before)', async () => {
    const huge = `${'a.'.repeat(30_000)}@example.com`;
    // A generous bound keeps the test about the algorithm, not the machine.
    expect(await elapsed(() => expect(isEmailAddress(huge)).toBe(false))).toBeLessThan(1000);
    expect(isEmailAddress('owner@example.com')).toBe(true);
    expect(isEmailAddress('a@b')).toBe(false);
    expect(isEmailAddress('a@@b.com')).toBe(false);
    expect(isEmailAddress('a b@example.com')).toBe(false);
    expect(isEmailAddress(`${'x'.repeat(65)}@example.com`)).toBe(false);
  });

  it('then the route refuses the longest Email a URL can carry at once (an apology), and ignores one in the body', async () => {
    let res: Awaited<ReturnType<typeof post>> | undefined;
    const ms = await elapsed(async () => {
      res = await post('/twiml/voicemail', { Email: `${'a.'.repeat(5_000)}@example.com` }, CALL);
    });
    expect(res?.status).toBe(200);
    expect(parseTwiml(res?.text ?? '').children.map((c) => c.name)).toEqual(['Say', 'Hangup']);
    expect(ms).toBeLessThan(1000);
    const list = await post('/twiml/voicemail', { Email: 'a@example.com,'.repeat(600) }, CALL);
    expect(parseTwiml(list.text).children.map((c) => c.name)).toEqual(['Say', 'Hangup']);
    const body = await post('/twiml/voicemail', {}, { ...CALL, Email: `${'a.'.repeat(30_000)}@example.com` });
    expect(body.status).toBe(200);
    expect(body.text).not.toContain('Email');
  });
});

describe('when a document declares an encoding other than the UTF-8 it is served as', () => {
  // Read as UTF-7, this <Say> is "<Dial>+447700900123</Dial>": a reader that honours the declaration dials it.
  const utf7 =
    '<?xml version="1.0" encoding="UTF-7"?><Response><Say>+ADw-/Say+AD4APA-Dial+AD4-+-447700900123+ADw-/Dial+AD4APA-Say+AD4-</Say></Response>';

  it.each([
    ['UTF-7', utf7],
    ['UTF-16', '<?xml version="1.0" encoding="UTF-16"?><Response><Say>hi</Say></Response>'],
    ['utf-7 in single quotes, after a BOM', `\uFEFF<?xml version='1.0' encoding='utf-7'?><Response/>`],
  ])('then /twiml/echo refuses one declaring %s (an apology, never the document)', async (_, twiml) => {
    const res = await signedGet(app, `/twiml/echo?Twiml=${encodeURIComponent(twiml)}`, CALL);
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/UTF-7|UTF-16|447700900123/i);
    expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup']);
    expect(res.text).toContain('Sorry');
  });

  it('then the same document declaring UTF-8 (any case) is served', async () => {
    const twiml = '<?xml version="1.0" encoding="utf-8"?><Response><Say>hi</Say></Response>';
    const res = await signedGet(app, `/twiml/echo?Twiml=${encodeURIComponent(twiml)}`, CALL);
    expect(verbs(parseTwiml(res.text))).toEqual(['Say']);
  });
});
