// Issue 10's attacks played end to end: our app on a port, the simulator as Twilio (REST side executing
// calls, signed webhooks), the API with its token. A call whose path would dial abroad is never placed; one
// whose TwiML turns bad later never dials; a preview has no side effects; the right token is never locked out.
import { getExpectedTwilioSignature } from 'twilio';
import { TwilioApiServer } from '../src/simulator/restServer';
import { runCall, type CallResult, type Step } from '../src/simulator/voiceCall';
import { startAppServer, type RunningApp } from './support/appServer';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';

const API_TOKEN = 'egress-api-token-0123456789abcdef01234567';
const EVIL_SIP = '<Response><Dial><Sip>sip:+447700900123@evil.example.com</Sip></Dial></Response>';
let twilio: TwilioApiServer;
let app: RunningApp;

beforeAll(async () => {
  twilio = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, execute: {} });
  app = await startAppServer({
    TWILIO_API_BASE_URL: twilio.url,
    API_TOKEN,
    OUTBOUND_ALLOWLIST: '+1555*',
    CONFERENCE_ALLOWLIST: 'standup',
  });
});
afterAll(async () => {
  await app.close();
  await twilio.close();
});
beforeEach(() => {
  twilio.requests.length = 0;
});

const placeCall = (body: Record<string, unknown>, token = API_TOKEN) =>
  fetch(`${app.url}/api/calls`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

const dialled = (r: CallResult) =>
  r.steps.filter((s): s is Extract<Step, { type: 'verb' }> => s.type === 'verb' && s.verb === 'Dial');
const verbs = (r: CallResult) =>
  r.steps.filter((s): s is Extract<Step, { type: 'verb' }> => s.type === 'verb').map((s) => s.verb);

describe('when the API is asked for a call whose path would reach outside the policy (issue 10, 2)', () => {
  it.each([
    [
      'an echoed <Sip> abroad',
      `/twiml/echo?Twiml=${encodeURIComponent(EVIL_SIP)}`,
      /<Sip> SIP host evil\.example\.com/,
    ],
    [
      'an echoed <Sms> abroad',
      `/twiml/echo?Twiml=${encodeURIComponent('<Response><Sms to="+447700900123">x</Sms></Response>')}`,
      /<Sms> not in OUTBOUND_ALLOWLIST/,
    ],
    [
      'forward straight to a FailUrl on another host',
      `/twiml/forward?PhoneNumber=%2B15557654321&Dial=true&FailUrl=${encodeURIComponent('https://evil.example.com/x')}`,
      /<Redirect> URL host evil\.example\.com/,
    ],
    ['forward to a number abroad', '/twiml/forward?PhoneNumber=%2B447700900123', /<Number> not in OUTBOUND_ALLOWLIST/],
    ['a conference not allowed', '/twiml/conference?Name=board', /<Conference> not in CONFERENCE_ALLOWLIST/],
  ])('then %s is refused with 403 and Twilio is never asked', async (_what, path, reason) => {
    const res = await placeCall({ to: '+15551234567', path });
    const body = (await res.json()) as { kind: string; error: string };
    expect(res.status).toBe(403);
    expect(body.kind).toBe('destination_not_allowed');
    expect(body.error).toMatch(reason);
    expect(twilio.requestsTo('Calls')).toEqual([]);
  });

  it.each([
    ['/api/calls', /not a voice route/],
    ['/callbacks/call-status', /not a voice route/],
    ['/sms', /not a voice route/],
    ['/healthz', /not a voice route/],
    ['/nowhere', /not a voice route/],
    ['/twiml/forward', /answers 400: PhoneNumber is required/],
  ])('then path %p is a 400 naming why', async (path, reason) => {
    const res = await placeCall({ to: '+15551234567', path });
    const body = (await res.json()) as {
      kind: string;
      error: string;
      fields: Array<{ field: string; message: string }>;
    };
    expect(res.status).toBe(400);
    expect(JSON.stringify(body)).toMatch(reason);
    expect(twilio.requestsTo('Calls')).toEqual([]);
  });

  it('then a path whose TwiML is allowed is placed, and the call plays it', async () => {
    const res = await placeCall({ to: '+15551234567', path: '/twiml/forward?PhoneNumber=%2B15557654321' });
    expect(res.status).toBe(201);
    const { sid } = (await res.json()) as { sid: string };
    await twilio.idle();
    const result = twilio.callResults.get(sid) as CallResult;
    expect(dialled(result).map((d) => d.detail)).toEqual([expect.stringContaining('+15557654321')]);
  });

  it('then previewing a conference that texts its moderators sends no text (a preview has no side effects)', async () => {
    const path = '/twiml/conference?Name=standup&EnableSmsNotifications=true&Moderators%5B0%5D=%2B15559990000';
    const res = await placeCall({ to: '+15551234567', path });
    expect(res.status).toBe(201);
    expect(twilio.requestsTo('Calls')).toHaveLength(1);
    // The real call then joins, and only that join texts the moderator.
    await twilio.idle();
    for (let i = 0; i < 50 && twilio.requestsTo('Messages').length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(twilio.requestsTo('Messages')).toHaveLength(1);
  });
});

describe('when the TwiML only turns bad after the call started (issue 10, 5)', () => {
  it('then a menu choice that hands the call to another host never leaves: the caller hears the apology', async () => {
    const menu = `/twiml/menu?Message=Press%201&Options%5B1%5D=${encodeURIComponent('https://evil.example.com/dial-abroad')}`;
    const res = await placeCall({ to: '+15551234567', path: menu });
    expect(res.status).toBe(201); // the menu itself is fine
    const result = await runCall(
      {
        url: `${app.url}${menu}`,
        from: '+15550006666',
        to: '+15551234567',
        accountSid: TEST_ACCOUNT_SID,
        authToken: TEST_AUTH_TOKEN,
      },
      { inputs: [{ digits: '1' }] },
    );
    const requested = result.steps
      .filter((s) => s.type === 'request')
      .map((s) => new URL((s as { url: string }).url).host);
    expect(requested.every((h) => h === new URL(app.url).host)).toBe(true);
    expect(verbs(result)).toEqual(['Gather', 'Say', 'Hangup']);
  });

  it('then an echoed <Sip> abroad, fetched by Twilio, is never dialled', async () => {
    const result = await runCall({
      url: `${app.url}/twiml/echo?Twiml=${encodeURIComponent(EVIL_SIP)}`,
      from: '+15550001111',
      to: '+15550006666',
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
    });
    expect(dialled(result)).toEqual([]);
    expect(verbs(result)).toEqual(['Say', 'Hangup']);
  });

  it('then a Twiml a caller adds to the body (Voice SDK parameters) is never the one played', async () => {
    const operatorDoc = '<Response><Say>Hello from the operator</Say></Response>';
    const res = await fetch(`${app.url}/twiml/echo?Twiml=${encodeURIComponent(operatorDoc)}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': getExpectedTwilioSignature(
          TEST_AUTH_TOKEN,
          `${app.url}/twiml/echo?Twiml=${encodeURIComponent(operatorDoc)}`,
          { CallSid: 'CA1', Twiml: EVIL_SIP },
        ),
      },
      body: new URLSearchParams({ CallSid: 'CA1', Twiml: EVIL_SIP }).toString(),
    });
    expect(await res.text()).toBe(operatorDoc);
  });
});

describe('when someone else fails to authenticate from the same address (issue 10, 7)', () => {
  it('then after 20 failures the wrong token gets 429, and the right one is still served', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await placeCall({}, 'wrong-token-wrong-token-wrong-token')).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    const right = await placeCall({ to: '+15551234567', message: 'still here' });
    expect(right.status).toBe(201);
  });

  it('then successful requests are never counted as failures', async () => {
    const fresh = await startAppServer({
      TWILIO_API_BASE_URL: twilio.url,
      API_TOKEN,
      OUTBOUND_ALLOWLIST: '+1555*',
      API_RATE_LIMIT: '1000',
    });
    try {
      const call = (token: string) =>
        fetch(`${fresh.url}/api/calls/CA${'0'.repeat(32)}`, { headers: { Authorization: `Bearer ${token}` } });
      for (let i = 0; i < 25; i++) expect((await call(API_TOKEN)).status).not.toBe(429);
      const wrong: number[] = [];
      for (let i = 0; i < 21; i++) wrong.push((await call('wrong-token-wrong-token-wrong-token')).status);
      expect(wrong.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(wrong[20]).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});
