// The call-routing twimlets (echo, forward, simulring, findme, whisper, menu): every parameter and branch, on
// parsed TwiML, with the toll-fraud guard on every dialled number.
import { createApp } from '../src/app';
import { PUBLIC_BASE, testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { signedGet, signedPost } from './support/signing';
import { only, parseTwiml, verbs, type TwimlNode } from './support/twiml';

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };
const logs = captureLogs();
const app = createApp(testConfig({ OUTBOUND_ALLOWLIST: '+1555*', TWIML_URL_ALLOWLIST: 'example.com' }), {
  logger: logs.logger,
});

async function twiml(
  path: string,
  query: Record<string, string> = {},
  body: Record<string, string> = CALL,
): Promise<TwimlNode> {
  const search = new URLSearchParams(query).toString();
  const res = await signedPost(app, search ? `${path}?${search}` : path, body);
  expect(res.status).toBe(200);
  return parseTwiml(res.text);
}

const parameterRefusals = () =>
  logs.entries().filter((e) => e.msg === 'twimlet parameter refused: answered with an apology');

/**
 * A bad twimlet parameter: Twilio hears TwiML (an apology and a hang-up, never a 4xx that plays "an
 * application error has occurred"), and the log names the reason.
 */
async function expectApology(path: string, reason: RegExp, method: 'GET' | 'POST' = 'POST', params = CALL) {
  const before = parameterRefusals().length;
  const res = await (method === 'GET' ? signedGet : signedPost)(app, path, params);
  expect(res.status).toBe(200);
  expect(res.type).toBe('text/xml');
  const doc = parseTwiml(res.text);
  expect(verbs(doc)).toEqual(['Say', 'Hangup']);
  expect(doc.children[0]?.text).toMatch(/^Sorry, something went wrong/);
  expect(parameterRefusals().slice(before)).toEqual([
    expect.objectContaining({ level: 40, reason: expect.stringMatching(reason) }),
  ]);
}

const refusals = () => logs.entries().filter((e) => e.msg === 'dial refused by the toll-fraud guard');
const egressRefusals = () => logs.entries().filter((e) => e.msg === 'TwiML refused by the egress policy');
const numbers = (dial: TwimlNode) => dial.children.filter((c) => c.name === 'Number');

describe('/twiml/echo', () => {
  it('returns a valid TwiML document as it was given', async () => {
    const doc = '<Response><Say>Echo &amp; more</Say><Hangup/></Response>';
    const res = await signedGet(app, '/twiml/echo', { Twiml: doc });
    expect(res.status).toBe(200);
    expect(res.text).toBe(doc);
  });

  it.each([
    ['<Response><Say>unclosed</Response>', /12100/],
    ['<Document/>', /12102/],
    ['<Response><Speak/></Response>', /12200/],
    ['', /Twiml is required/],
  ])('refuses %p: the caller hears an apology, the log names the problem', async (doc, reason) => {
    await expectApology(`/twiml/echo?${new URLSearchParams({ Twiml: doc })}`, reason, 'GET', {} as typeof CALL);
  });

  it('puts every dialled number through the egress policy: a refused one gets an apology, logged without it', async () => {
    const allowed = await signedGet(app, '/twiml/echo', {
      Twiml: '<Response><Dial><Number>+15557654321</Number></Dial></Response>',
    });
    expect(parseTwiml(allowed.text).children[0]?.name).toBe('Dial');
    const before = egressRefusals().length;
    const refused = parseTwiml(
      (await signedGet(app, '/twiml/echo', { Twiml: '<Response><Dial>+19005550000</Dial></Response>' })).text,
    );
    expect(verbs(refused)).toEqual(['Say', 'Hangup']);
    const logged = egressRefusals().slice(before);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 40,
        route: '/twiml/echo',
        element: '<Dial>',
        reason: 'not in OUTBOUND_ALLOWLIST',
      }),
    ]);
    expect(JSON.stringify(logged)).not.toContain('9005550000');
  });
});

describe('/twiml/forward', () => {
  it('dials PhoneNumber with the default 20 s timeout and an action back to itself with Dial=true', async () => {
    const dial = only(await twiml('/twiml/forward', { PhoneNumber: '+15557654321' }), 'Dial');
    expect(dial.attrs).toEqual({ action: `${PUBLIC_BASE}/twiml/forward?Dial=true`, method: 'POST', timeout: '20' });
    expect(numbers(dial).map((n) => n.text)).toEqual(['+15557654321']);
  });

  it('passes CallerId and Timeout, and carries FailUrl into the action', async () => {
    const dial = only(
      await twiml('/twiml/forward', {
        PhoneNumber: '+1 (555) 765-4321',
        CallerId: '+15550006666',
        Timeout: '35',
        FailUrl: '/twiml/message?Message=Sorry',
      }),
      'Dial',
    );
    expect(dial.attrs).toMatchObject({ callerId: '+15550006666', timeout: '35' });
    expect(numbers(dial).map((n) => n.text)).toEqual(['+15557654321']);
    const action = new URL(dial.attrs.action as string);
    expect(action.searchParams.get('FailUrl')).toBe(`${PUBLIC_BASE}/twiml/message?Message=Sorry`);
  });

  it.each([
    ['completed', undefined, ['Hangup']],
    ['answered', undefined, ['Hangup']],
    ['no-answer', undefined, ['Hangup']],
    ['busy', 'https://example.com/fail', ['Redirect']],
  ])('after the dial, DialCallStatus %p with FailUrl %p → %j', async (status, failUrl, expected) => {
    const doc = await twiml(
      '/twiml/forward',
      { Dial: 'true', ...(failUrl ? { FailUrl: failUrl } : {}) },
      { ...CALL, DialCallStatus: status },
    );
    expect(verbs(doc)).toEqual(expected);
    if (failUrl) expect(only(doc, 'Redirect').text).toBe(failUrl);
  });

  it('lets only AllowedCallers through (digits compared); others hear the restricted-number message', async () => {
    const allowed = await twiml('/twiml/forward', {
      PhoneNumber: '+15557654321',
      'AllowedCallers[0]': '1 (555) 123-4567',
    });
    expect(verbs(allowed)).toEqual(['Dial']);
    const restricted = await twiml('/twiml/forward', {
      PhoneNumber: '+15557654321',
      'AllowedCallers[0]': '+15559999999',
    });
    expect(verbs(restricted)).toEqual(['Say', 'Hangup']);
    expect(restricted.children[0]?.text).toMatch(/restricted number/);
  });

  it('refuses a number outside the allow-list (and one that is no number) with an apology and a warn line', async () => {
    for (const number of ['+19005550000', 'call-me']) {
      const before = refusals().length;
      const doc = await twiml('/twiml/forward', { PhoneNumber: number });
      expect(verbs(doc)).toEqual(['Say', 'Hangup']);
      expect(refusals().slice(before)).toEqual([expect.objectContaining({ where: 'forward' })]);
      expect(JSON.stringify(refusals().slice(before))).not.toContain(number);
    }
  });

  it('apologises for a missing PhoneNumber or a FailUrl that is no http(s) URL, naming the reason in the log', async () => {
    await expectApology('/twiml/forward', /PhoneNumber is required/);
    await expectApology(`/twiml/forward?PhoneNumber=%2B15557654321&FailUrl=ftp%3A%2F%2Fx`, /FailUrl must be/);
  });

  it.each([
    ['soon', '20'],
    ['0', '20'],
    ['-5', '20'],
    ['601', '20'],
    ['12.5', '20'],
    ['1', '5'],
    ['4', '5'],
    ['5', '5'],
    ['600', '600'],
  ])('Timeout=%p rings for %s s (Twilio: 5 to 600; anything else is the default)', async (timeout, expected) => {
    const dial = only(await twiml('/twiml/forward', { PhoneNumber: '+15557654321', Timeout: timeout }), 'Dial');
    expect(dial.attrs.timeout).toBe(expected);
  });

  it.each([
    ['voicemail?Email=a%40example.com', `${PUBLIC_BASE}/twiml/voicemail?Email=a%40example.com`],
    ['/voice', `${PUBLIC_BASE}/voice`],
    ['../bins/hello', `${PUBLIC_BASE}/bins/hello`],
    ['https://example.com/fail', 'https://example.com/fail'],
  ])('a FailUrl of %p resolves against the twimlet URL to %s', async (failUrl, expected) => {
    const dial = only(await twiml('/twiml/forward', { PhoneNumber: '+15557654321', FailUrl: failUrl }), 'Dial');
    expect(new URL(dial.attrs.action as string).searchParams.get('FailUrl')).toBe(expected);
  });

  it.each([
    ['DialBridged=false (a whisper declined)', { DialCallStatus: 'completed', DialBridged: 'false' }, ['Redirect']],
    ['DialBridged=true', { DialCallStatus: 'completed', DialBridged: 'true' }, ['Hangup']],
    ['no DialBridged, completed', { DialCallStatus: 'completed' }, ['Hangup']],
    ['no DialBridged, busy', { DialCallStatus: 'busy' }, ['Redirect']],
    // API version 2008-08-01 (forward.php:36, simulring.php:43, findme.php:45 read it)
    ['the legacy DialStatus=answered', { DialStatus: 'answered' }, ['Hangup']],
    ['the legacy DialStatus=no-answer', { DialStatus: 'no-answer' }, ['Redirect']],
  ])('after the dial, %s → %j', async (_, dialed, expected) => {
    for (const path of ['/twiml/forward', '/twiml/simulring', '/twiml/callme', '/twiml/findme']) {
      const doc = await twiml(path, { Dial: 'true', FailUrl: '/voice' }, { ...CALL, ...dialed });
      expect(verbs(doc)).toEqual(expected);
    }
  });
});

describe('/twiml/simulring', () => {
  it('rings every allowed number at once, each whispered (no human check unless asked); refused ones are dropped', async () => {
    const dial = only(
      await twiml('/twiml/simulring', {
        'PhoneNumbers[0]': '+15557654321',
        'PhoneNumbers[1]': '+19005550000',
        'PhoneNumbers[2]': '+15558887777',
        Message: 'Sales call',
      }),
      'Dial',
    );
    expect(numbers(dial).map((n) => n.text)).toEqual(['+15557654321', '+15558887777']);
    const whisper = new URL(numbers(dial)[0]?.attrs.url as string);
    expect(whisper.pathname).toBe('/twiml/whisper');
    expect(Object.fromEntries(whisper.searchParams)).toEqual({ Message: 'Sales call' });
    expect(dial.attrs.timeout).toBe('20');
    const checked = only(
      await twiml('/twiml/simulring', { 'PhoneNumbers[0]': '+15557654321', HumanCheck: '1' }),
      'Dial',
    );
    expect(new URL(numbers(checked)[0]?.attrs.url as string).searchParams.get('HumanCheck')).toBe('true');
  });

  it('apologises when no number may be dialled, and hangs up or redirects after the dial', async () => {
    expect(verbs(await twiml('/twiml/simulring', { 'PhoneNumbers[0]': '+19005550000' }))).toEqual(['Say', 'Hangup']);
    expect(verbs(await twiml('/twiml/simulring', { Dial: 'true' }, { ...CALL, DialCallStatus: 'completed' }))).toEqual([
      'Hangup',
    ]);
    const failed = await twiml(
      '/twiml/simulring',
      { Dial: 'true', FailUrl: '/voice' },
      { ...CALL, DialCallStatus: 'no-answer' },
    );
    expect(only(failed, 'Redirect').text).toBe(`${PUBLIC_BASE}/voice`);
  });
});

describe('/twiml/callme', () => {
  it('rings PhoneNumber (20 s default) with the Message whispered, no human check, and comes back with Dial=true', async () => {
    const dial = only(
      await twiml('/twiml/callme', {
        PhoneNumber: '+15557654321',
        Message: 'Call from the website',
        FailUrl: '/voice',
      }),
      'Dial',
    );
    expect(dial.attrs.timeout).toBe('20');
    expect(numbers(dial).map((n) => n.text)).toEqual(['+15557654321']);
    const whisper = new URL(numbers(dial)[0]?.attrs.url as string);
    expect(whisper.pathname).toBe('/twiml/whisper');
    expect(Object.fromEntries(whisper.searchParams)).toEqual({ Message: 'Call from the website' });
    const action = new URL(dial.attrs.action as string);
    expect(action.pathname).toBe('/twiml/callme');
    expect(Object.fromEntries(action.searchParams)).toEqual({ Dial: 'true', FailUrl: `${PUBLIC_BASE}/voice` });
  });

  it('refuses a number outside the allow-list with an apology, and apologises without PhoneNumber', async () => {
    expect(verbs(await twiml('/twiml/callme', { PhoneNumber: '+19005550000' }))).toEqual(['Say', 'Hangup']);
    await expectApology('/twiml/callme', /PhoneNumber is required/);
  });
});

describe('/twiml/findme', () => {
  const query = {
    'PhoneNumbers[0]': '+15550000001',
    'PhoneNumbers[1]': '+15550000002',
    'PhoneNumbers[2]': '+15550000003',
    Message: 'Pick up',
    FailUrl: '/voice',
  };

  it('rings the first number (60 s default) and carries the rest in the action URL', async () => {
    const dial = only(await twiml('/twiml/findme', query), 'Dial');
    expect(numbers(dial).map((n) => n.text)).toEqual(['+15550000001']);
    expect(dial.attrs.timeout).toBe('60');
    const action = new URL(dial.attrs.action as string);
    expect(action.searchParams.get('PhoneNumbers[0]')).toBe('+15550000002');
    expect(action.searchParams.get('PhoneNumbers[1]')).toBe('+15550000003');
    expect(action.searchParams.get('Dial')).toBe('true');
    expect(new URL(numbers(dial)[0]?.attrs.url as string).searchParams.get('HumanCheck')).toBe('true');
  });

  it('on a failed attempt rings the next, and after the last goes to FailUrl; a connected call hangs up', async () => {
    const busy = { ...CALL, DialCallStatus: 'busy' };
    const next = only(
      await twiml('/twiml/findme', { Dial: 'true', 'PhoneNumbers[0]': '+15550000003', FailUrl: '/voice' }, busy),
      'Dial',
    );
    expect(numbers(next).map((n) => n.text)).toEqual(['+15550000003']);
    const last = await twiml(
      '/twiml/findme',
      { Dial: 'true', FailUrl: '/voice' },
      { ...CALL, DialCallStatus: 'no-answer' },
    );
    expect(only(last, 'Redirect').text).toBe(`${PUBLIC_BASE}/voice`);
    const connected = await twiml(
      '/twiml/findme',
      { Dial: 'true', 'PhoneNumbers[0]': '+15550000003' },
      { ...CALL, DialCallStatus: 'completed' },
    );
    expect(verbs(connected)).toEqual(['Hangup']);
  });

  it('skips refused numbers, and of more than 10 numbers tries the first 10 (what the original meant to do)', async () => {
    const dial = only(
      await twiml('/twiml/findme', { 'PhoneNumbers[0]': '+19005550000', 'PhoneNumbers[1]': '+15550000002' }),
      'Dial',
    );
    expect(numbers(dial).map((n) => n.text)).toEqual(['+15550000002']);
    const eleven = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`PhoneNumbers[${i}]`, `+1555000000${i % 10}`]),
    );
    const first = only(await twiml('/twiml/findme', eleven), 'Dial');
    expect(numbers(first).map((n) => n.text)).toEqual(['+15550000000']);
    const action = new URL(first.attrs.action as string);
    const rest = [...action.searchParams].filter(([k]) => k.startsWith('PhoneNumbers')).map(([, v]) => v);
    expect(rest).toEqual(Array.from({ length: 9 }, (_, i) => `+1555000000${i + 1}`));
  });
});

describe('/twiml/whisper', () => {
  it('asks for a key press, spelling out the caller by default, and hangs up unanswered with HumanCheck', async () => {
    const doc = await twiml('/twiml/whisper', { HumanCheck: 'true' });
    expect(verbs(doc)).toEqual(['Gather', 'Hangup']);
    const gather = only(doc, 'Gather');
    expect(gather.attrs).toEqual({
      numDigits: '1',
      finishOnKey: '',
      action: `${PUBLIC_BASE}/twiml/whisper?HumanCheck=true`,
      method: 'POST',
    });
    expect(only(gather, 'Say').text).toBe(
      'You are receiving a call from +. 1. 5. 5. 5. 1. 2. 3. 4. 5. 6. 7. Press any key to accept.',
    );
  });

  it('says a Message, plays a URL Message, and without HumanCheck lets the call through', async () => {
    expect(only(only(await twiml('/twiml/whisper', { Message: 'Call for sales' }), 'Gather'), 'Say').text).toBe(
      'Call for sales',
    );
    const played = await twiml('/twiml/whisper', { Message: 'https://x.example/ding.mp3' });
    expect(verbs(played)).toEqual(['Gather']);
    expect(only(only(played, 'Gather'), 'Play').text).toBe('https://x.example/ding.mp3');
  });

  it('accepts the call (an empty document) when a key was pressed', async () => {
    expect((await twiml('/twiml/whisper', { HumanCheck: 'true' }, { ...CALL, Digits: '5' })).children).toEqual([]);
  });
});

describe('/twiml/menu', () => {
  const query = {
    Message: 'Press 1 for sales or 22 for support',
    'Options[1]': '/twiml/message?Message=Sales',
    'Options[22]': 'https://example.com/support',
  };

  it('gathers as many digits as the longest key, with the message inside', async () => {
    const gather = only(await twiml('/twiml/menu', query), 'Gather');
    expect(gather.attrs.numDigits).toBe('2');
    expect(only(gather, 'Say').text).toBe('Press 1 for sales or 22 for support');
    expect(new URL(gather.attrs.action as string).searchParams.get('Options[22]')).toBe('https://example.com/support');
  });

  it('redirects a valid choice to its URL (paths on this server made absolute)', async () => {
    const sales = await twiml('/twiml/menu', query, { ...CALL, Digits: '1' });
    expect(only(sales, 'Redirect').text).toBe(`${PUBLIC_BASE}/twiml/message?Message=Sales`);
    const support = await twiml('/twiml/menu', query, { ...CALL, Digits: '22' });
    expect(only(support, 'Redirect').text).toBe('https://example.com/support');
  });

  it('apologises for an invalid choice and asks again; without options the caller hears an apology', async () => {
    const doc = await twiml('/twiml/menu', query, { ...CALL, Digits: '9' });
    expect(verbs(doc)).toEqual(['Say', 'Gather', 'Redirect']);
    expect(doc.children[0]?.text).toBe("Sorry, that wasn't a valid option.");
    await expectApology('/twiml/menu?Message=x', /Options\[key\]=url is required/);
  });

  it('after silence asks again: a <Redirect> to itself, without the caller data (as the original)', async () => {
    const doc = await twiml('/twiml/menu', query);
    expect(verbs(doc)).toEqual(['Gather', 'Redirect']);
    const again = only(doc, 'Redirect');
    expect(again.text).toBe(only(doc, 'Gather').attrs.action);
    expect(new URL(again.text).pathname).toBe('/twiml/menu');
    expect(new URL(again.text).searchParams.get('Digits')).toBeNull();
  });

  it.each([
    ['message?Message=Sales', `${PUBLIC_BASE}/twiml/message?Message=Sales`],
    ['/voice', `${PUBLIC_BASE}/voice`],
    ['menu?Options%5B1%5D=/voice', `${PUBLIC_BASE}/twiml/menu?Options%5B1%5D=/voice`],
  ])('a relative option %p resolves against the twimlet URL to %s', async (option, expected) => {
    const doc = await twiml('/twiml/menu', { 'Options[1]': option }, { ...CALL, Digits: '1' });
    expect(only(doc, 'Redirect').text).toBe(expected);
  });
});
