// Whole call and SMS flows end to end: our app on a port, the simulator playing Twilio with real signatures.
import { TwilioApiServer } from '../src/simulator/restServer';
import { runInboundSms } from '../src/simulator/inboundSms';
import { runCall, type CallResult, type CallScript, type Step } from '../src/simulator/voiceCall';
import { startAppServer, type RunningApp } from './support/appServer';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';

const API_TOKEN = 'e2e-api-token-0123456789abcdef0123456789ab';
let twilio: TwilioApiServer;
let app: RunningApp;

beforeAll(async () => {
  twilio = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, execute: {} });
  app = await startAppServer({
    FORWARD_TO: '+15557654321',
    TWILIO_API_BASE_URL: twilio.url,
    API_TOKEN,
    OUTBOUND_ALLOWLIST: '+1555*',
    VOICEMAIL_TRANSCRIBE: 'true',
  });
});
afterAll(async () => {
  await app.close();
  await twilio.close();
});

function inboundCall(script: CallScript, authToken = TEST_AUTH_TOKEN): Promise<CallResult> {
  return runCall(
    { url: `${app.url}/voice`, from: '+15550001111', to: '+15550006666', accountSid: TEST_ACCOUNT_SID, authToken },
    script,
  );
}

const requestPaths = (r: CallResult) =>
  r.steps
    .filter((s): s is Extract<Step, { type: 'request' }> => s.type === 'request')
    .map((s) => `${new URL(s.url).pathname} ${s.status}`);
const verbs = (r: CallResult) =>
  r.steps.filter((s): s is Extract<Step, { type: 'verb' }> => s.type === 'verb').map((s) => s.verb);
const callbacks = (r: CallResult) =>
  r.steps
    .filter((s): s is Extract<Step, { type: 'callback' }> => s.type === 'callback')
    .map((s) => `${s.kind} ${s.status}`);

describe('when a caller walks every branch of the menu', () => {
  it.each<[string, CallScript, string[], string[], string[]]>([
    [
      'presses 1 and the forward is answered',
      { inputs: [{ digits: '1' }], dial: ['answered'] },
      ['/voice 200', '/voice/menu 200', '/voice/dial-status 200'],
      ['Say', 'Gather', 'Say', 'Dial', 'Hangup'],
      [],
    ],
    [
      'presses 1, nobody answers, leaves a voicemail',
      { inputs: [{ digits: '1' }], dial: ['no-answer'], recordSeconds: 9 },
      ['/voice 200', '/voice/menu 200', '/voice/dial-status 200', '/voice/voicemail 200'],
      ['Say', 'Gather', 'Say', 'Dial', 'Say', 'Say', 'Record', 'Say', 'Hangup'],
      ['recording 204', 'transcription 204'],
    ],
    [
      'presses 2 and leaves a voicemail',
      { inputs: [{ digits: '2' }] },
      ['/voice 200', '/voice/menu 200', '/voice/voicemail 200'],
      ['Say', 'Gather', 'Say', 'Record', 'Say', 'Hangup'],
      ['recording 204', 'transcription 204'],
    ],
    [
      'says "voicemail" but stays silent at the beep (the action hears 0 s and says nothing was recorded)',
      { inputs: [{ speech: 'voicemail please' }], recordSeconds: 0 },
      ['/voice 200', '/voice/menu 200', '/voice/voicemail 200'],
      ['Say', 'Gather', 'Say', 'Record', 'Say', 'Hangup'],
      ['recording 204'],
    ],
    [
      'presses 2 and leaves a voicemail, but Twilio finds it silent (absent, 16102)',
      { inputs: [{ digits: '2' }], recordEnds: ['absent' as const] },
      ['/voice 200', '/voice/menu 200', '/voice/voicemail 200'],
      ['Say', 'Gather', 'Say', 'Record', 'Say', 'Hangup'],
      ['recording 204'],
    ],
    [
      'presses 2 and hangs up while recording (the action still gets the recording, with Digits=hangup)',
      { inputs: [{ digits: '2' }], recordEnds: ['hangup' as const] },
      ['/voice 200', '/voice/menu 200', '/voice/voicemail 200'],
      ['Say', 'Gather', 'Say', 'Record'],
      ['recording 204', 'transcription 204'],
    ],
    [
      'presses 3 to hear it again, then 2',
      { inputs: [{ digits: '3' }, { digits: '2' }] },
      ['/voice 200', '/voice/menu 200', '/voice 200', '/voice/menu 200', '/voice/voicemail 200'],
      ['Say', 'Gather', 'Redirect', 'Say', 'Gather', 'Say', 'Record', 'Say', 'Hangup'],
      ['recording 204', 'transcription 204'],
    ],
    [
      'presses 9 (not an option), then 2',
      { inputs: [{ digits: '9' }, { digits: '2' }] },
      ['/voice 200', '/voice/menu 200', '/voice/menu 200', '/voice/voicemail 200'],
      ['Say', 'Gather', 'Say', 'Gather', 'Say', 'Record', 'Say', 'Hangup'],
      ['recording 204', 'transcription 204'],
    ],
    ['says nothing at all', { inputs: [] }, ['/voice 200'], ['Say', 'Gather', 'Gather', 'Say', 'Hangup'], []],
  ])(
    'then a caller who %s gets the expected transcript',
    async (_, script, requests, expectedVerbs, expectedCallbacks) => {
      const result = await inboundCall(script);
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('completed');
      expect(requestPaths(result)).toEqual(requests);
      expect(verbs(result)).toEqual(expectedVerbs);
      expect(callbacks(result)).toEqual(expectedCallbacks);
    },
  );
});

describe('when the simulator holds a forged auth token', () => {
  it('then our app answers 403, the simulator reports 11217, and the app logs the rejection', async () => {
    const result = await inboundCall({ inputs: [{ digits: '2' }] }, 'f'.repeat(32));
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      code: 11217,
      message: expect.stringMatching(/^HTTP error response code: 403 Forbidden/),
    });
    expect(requestPaths(result)).toEqual(['/voice 403']);
    expect(
      app.logs
        .entries()
        .some((e) => e.msg === 'rejected request: Twilio signature check failed' && e.path === '/voice'),
    ).toBe(true);
  });
});

describe('when our service layer places an outbound call', () => {
  it('then the simulator executes it against /twiml/message and its status callbacks pass our signature check', async () => {
    const res = await fetch(`${app.url}/api/calls`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: '+15551234567', message: 'Your order has shipped.' }),
    });
    expect(res.status).toBe(201);
    const { sid } = (await res.json()) as { sid: string };
    await twilio.idle();
    const result = twilio.callResults.get(sid) as CallResult;
    expect(result.error).toBeUndefined();
    expect(requestPaths(result)).toEqual(['/twiml/message 200']);
    expect(result.steps.find((s) => s.type === 'verb')).toMatchObject({
      verb: 'Say',
      detail: '"Your order has shipped."',
    });
    expect(callbacks(result)).toEqual([
      'call initiated 204',
      'call ringing 204',
      'call answered 204',
      'call completed 204',
    ]);
    const logged = app.logs.entries().filter((e) => e.callback === 'call-status' && e.callSid === sid);
    expect(logged.map((e) => e.status)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(twilio.calls.get(sid)?.status).toBe('completed');
  });

  it('then a recorded call (Record=true) ends with a signed recording status callback, as Twilio sends one', async () => {
    const res = await fetch(`${app.url}/api/calls`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: '+15551234567', message: 'This call is recorded.', record: true }),
    });
    expect(res.status).toBe(201);
    const { sid } = (await res.json()) as { sid: string };
    await twilio.idle();
    const recording = app.logs.entries().find((e) => e.callback === 'recording' && e.callSid === sid);
    expect(recording).toMatchObject({ status: 'completed', recordingSid: expect.stringMatching(/^RE[0-9a-f]{32}$/) });
    expect(Number(recording?.duration)).toBe(twilio.callResults.get(sid)?.durationSeconds);
    expect(twilio.recordings.has(recording?.recordingSid as string)).toBe(true);
    // Without Record, no recording and no callback.
    const plain = await fetch(`${app.url}/api/calls`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: '+15551234567', message: 'Not recorded.' }),
    });
    const { sid: plainSid } = (await plain.json()) as { sid: string };
    await twilio.idle();
    expect(app.logs.entries().some((e) => e.callback === 'recording' && e.callSid === plainSid)).toBe(false);
  });

  it('then a message sent through the API gets sent and delivered callbacks (none for its initial queued status), accepted by our app', async () => {
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: '+15551234567', body: 'Hello' }),
    });
    const { sid } = (await res.json()) as { sid: string };
    await twilio.idle();
    const logged = app.logs.entries().filter((e) => e.callback === 'message-status' && e.messageSid === sid);
    expect(logged.map((e) => e.status)).toEqual(['sent', 'delivered']);
  });
});

describe('when messages do not reach the handset', () => {
  it('then the status callbacks end undelivered (30003) or failed (30008), and our app logs each ending', async () => {
    const failing = await TwilioApiServer.start({
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      execute: { messageOutcomes: ['undelivered', 'failed'] },
    });
    const sender = await startAppServer({ TWILIO_API_BASE_URL: failing.url, API_TOKEN, OUTBOUND_ALLOWLIST: '+1555*' });
    try {
      const send = async () => {
        const res = await fetch(`${sender.url}/api/messages`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ to: '+15551234567', body: 'Hello' }),
        });
        return ((await res.json()) as { sid: string }).sid;
      };
      const undelivered = await send();
      await failing.idle();
      const failed = await send();
      await failing.idle();
      const statuses = (sid: string) =>
        sender.logs.entries().filter((e) => e.callback === 'message-status' && e.messageSid === sid);
      expect(statuses(undelivered).map((e) => e.status)).toEqual(['sent', 'undelivered']);
      expect(statuses(failed).map((e) => e.status)).toEqual(['failed']);
      expect(statuses(undelivered).at(-1)).toMatchObject({ errorCode: '30003' });
      expect(statuses(failed).at(-1)).toMatchObject({ errorCode: '30008' });
      expect(failing.messages.get(failed)).toMatchObject({ status: 'failed', error_code: 30008 });
    } finally {
      await sender.close();
      await failing.close();
    }
  });
});

describe('when a text arrives at our number', () => {
  it('then HELP gets no reply of ours: on a long code Twilio answers it (SMS_ANSWER_HELP is off)', async () => {
    const result = await runInboundSms({
      url: `${app.url}/sms`,
      from: '+15550001111',
      to: '+15550006666',
      body: 'help',
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
    });
    expect(result.error).toBeUndefined();
    expect(result.replies).toEqual([]);
  });
});
