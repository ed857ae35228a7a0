// The twimlets walked as whole calls by the simulator, against our app on a port, with real signatures.
import { runCall, type CallResult, type CallScript, type Step } from '../src/simulator/voiceCall';
import { startAppServer, type RunningApp } from './support/appServer';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';

let app: RunningApp;
beforeAll(async () => {
  app = await startAppServer({ OUTBOUND_ALLOWLIST: '+1555*' });
});
afterAll(() => app.close());

function call(path: string, script: CallScript): Promise<CallResult> {
  return runCall(
    {
      url: `${app.url}${path}`,
      from: '+15551234567',
      to: '+15550006666',
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
    },
    script,
  );
}

type VerbStep = Extract<Step, { type: 'verb' }>;
const requests = (r: CallResult) =>
  r.steps
    .filter((s): s is Extract<Step, { type: 'request' }> => s.type === 'request')
    .map((s) => `${new URL(s.url).pathname}${new URL(s.url).searchParams.get('Dial') ? '?Dial' : ''} ${s.status}`);
const verbs = (r: CallResult) => r.steps.filter((s): s is VerbStep => s.type === 'verb');
/** Everything spoken, prompts inside a <Gather> included, in order. */
const said = (r: CallResult) =>
  verbs(r)
    .flatMap((s) => [s, ...(s.nested ?? []).filter((n): n is VerbStep => n.type === 'verb')])
    .filter((s) => s.verb === 'Say')
    .map((s) => s.detail);

describe('when a call walks /twiml/forward', () => {
  const forward = '/twiml/forward?PhoneNumber=%2B15557654321';

  it('then an answered forward hangs up after the call', async () => {
    const result = await call(forward, { dial: ['answered'] });
    expect(result.error).toBeUndefined();
    expect(requests(result)).toEqual(['/twiml/forward 200', '/twiml/forward?Dial 200']);
    expect(verbs(result).map((s) => `${s.verb} ${s.result ?? ''}`.trim())).toEqual(['Dial answered, 30 s', 'Hangup']);
  });

  it('then an unanswered forward without FailUrl hangs up', async () => {
    const result = await call(forward, { dial: ['no-answer'] });
    expect(verbs(result).map((s) => s.verb)).toEqual(['Dial', 'Hangup']);
  });

  it('then an unanswered forward with FailUrl continues there', async () => {
    const result = await call(`${forward}&FailUrl=${encodeURIComponent('/twiml/message?Message=Nobody is here')}`, {
      dial: ['busy'],
    });
    expect(requests(result)).toEqual(['/twiml/forward 200', '/twiml/forward?Dial 200', '/twiml/message 200']);
    expect(said(result)).toEqual(['"Nobody is here"']);
  });
});

describe('when a call walks /twiml/simulring with whispers', () => {
  const simulring =
    '/twiml/simulring?PhoneNumbers%5B0%5D=%2B15557654321&PhoneNumbers%5B1%5D=%2B15558887777&Message=Sales%20call';

  it('then the called party hears the whisper, presses a key, and the parties are joined', async () => {
    const result = await call(simulring, { dial: ['answered'], callee: [{ digits: '1' }] });
    const dial = verbs(result).find((s) => s.verb === 'Dial');
    expect(dial?.result).toBe('answered, 30 s');
    expect(dial?.nested?.filter((s): s is VerbStep => s.type === 'verb').map((s) => s.verb)).toEqual(['Gather']);
    expect(verbs(result).at(-1)?.verb).toBe('Hangup');
  });

  it.each(['#', '*', '0'])(
    'then with HumanCheck a called party who presses %s accepts the call too ("Press any key")',
    async (key) => {
      const result = await call(`${simulring}&HumanCheck=true`, { dial: ['answered'], callee: [{ digits: key }] });
      expect(verbs(result).find((s) => s.verb === 'Dial')?.result).toBe('answered, 30 s');
    },
  );

  it('then without HumanCheck (as the original) a called party who presses nothing is connected: the first to answer takes the call', async () => {
    const result = await call(simulring, { dial: ['answered'] });
    expect(verbs(result).find((s) => s.verb === 'Dial')?.result).toBe('answered, 30 s');
  });

  it('then with HumanCheck a called party who presses nothing (voicemail) declines: DialBridged=false sends the caller on', async () => {
    const result = await call(
      `${simulring}&HumanCheck=true&FailUrl=${encodeURIComponent('/twiml/message?Message=Try later')}`,
      {
        dial: ['answered'],
      },
    );
    const dial = verbs(result).find((s) => s.verb === 'Dial');
    expect(dial?.result).toBe('answered, declined at the whisper');
    expect(dial?.nested?.filter((s): s is VerbStep => s.type === 'verb').map((s) => s.verb)).toEqual([
      'Gather',
      'Hangup',
    ]);
    expect(said(result).at(-1)).toBe('"Try later"');
  });
});

describe('when a call walks /twiml/findme through three numbers', () => {
  it('then each number rings in turn until the third answers', async () => {
    const numbers = ['+15550000001', '+15550000002', '+15550000003'];
    const query = numbers.map((n, i) => `PhoneNumbers%5B${i}%5D=${encodeURIComponent(n)}`).join('&');
    const result = await call(`/twiml/findme?${query}&FailUrl=%2Fvoice`, {
      dial: ['no-answer', 'busy', 'answered'],
      callee: [{ digits: '1' }],
    });
    expect(result.error).toBeUndefined();
    const dials = verbs(result).filter((s) => s.verb === 'Dial');
    expect(dials.map((d) => [d.detail.split(' ')[0], d.result])).toEqual([
      ['+15550000001', 'no-answer'],
      ['+15550000002', 'busy'],
      ['+15550000003', 'answered, 30 s'],
    ]);
    expect(verbs(result).at(-1)?.verb).toBe('Hangup');
  });
});

describe('when a call walks /twiml/menu', () => {
  const menu = `/twiml/menu?Message=Press%202%20for%20support&Options%5B2%5D=${encodeURIComponent('/twiml/message?Message=Support here')}`;

  it('then a valid choice redirects to its option', async () => {
    const result = await call(menu, { inputs: [{ digits: '2' }] });
    expect(requests(result)).toEqual(['/twiml/menu 200', '/twiml/menu 200', '/twiml/message 200']);
    expect(said(result).at(-1)).toBe('"Support here"');
  });

  it('then an invalid choice apologises and asks again', async () => {
    const result = await call(menu, { inputs: [{ digits: '7' }, { digits: '2' }] });
    expect(said(result)).toEqual([
      '"Press 2 for support"',
      '"Sorry, that wasn\'t a valid option."',
      '"Press 2 for support"',
      '"Support here"',
    ]);
  });
});
