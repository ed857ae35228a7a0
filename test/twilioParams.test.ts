// Typed webhook parameters (src/twilio/twilioParams.ts): what the reader keeps, what the types refuse (checked
// by `npm run typecheck`, which `npm test` runs first: each @ts-expect-error below fails the build if the
// types ever accept the line), and the simulator held to the names Twilio documents for each kind of request.
import twilio from 'twilio';
import { BaseUrlRequestClient } from '../src/services/twilioClient';
import { dialConnected, recordingOutcome } from '../src/voice/callOutcomes';
import {
  documentedParams,
  isDocumentedParam,
  TWILIO_PARAMS_BY_KIND,
  type GatherActionParams,
  type IncomingMessageParams,
  type MessageStatusCallbackParams,
} from '../src/twilio/twilioParams';
import { runInboundSms } from '../src/simulator/inboundSms';
import { TwilioApiServer } from '../src/simulator/restServer';
import { runCall } from '../src/simulator/voiceCall';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';
import { startTwimlHost, twiml, type TwimlHost } from './support/twimlHost';

describe('documentedParams', () => {
  it('keeps the documented names, one string each (the first of a repeat), and drops the rest', () => {
    const params = documentedParams(
      JSON.parse(
        JSON.stringify({
          CallSid: 'CA1',
          Digits: ['1', '2'],
          MediaUrl0: 'https://api.twilio.com/m0',
          MediaContentType12: 'image/png',
          From: { nested: 'object' },
          To: 5,
          Twiml: '<Response/>',
          Unlisted: 'y',
        }).replace('{', '{"__proto__":{"polluted":"yes"},"constructor":"c",'),
      ),
    );
    expect({ ...params }).toEqual({
      CallSid: 'CA1',
      Digits: '1',
      MediaUrl0: 'https://api.twilio.com/m0',
      MediaContentType12: 'image/png',
    });
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(documentedParams(undefined)).toEqual({});
    expect(documentedParams('CallSid=CA1')).toEqual({});
  });

  it('reads media by pattern for incoming messages only', () => {
    expect(isDocumentedParam('incomingMessage', 'MediaUrl3')).toBe(true);
    expect(isDocumentedParam('incomingMessage', 'MediaUrlX')).toBe(false);
    expect(isDocumentedParam('gatherAction', 'MediaUrl3')).toBe(false);
    expect(isDocumentedParam('gatherAction', 'Digits')).toBe(true);
    expect(isDocumentedParam('recordingStatusCallback', 'Digits')).toBe(false);
  });

  it('types each kind by its own names', () => {
    const gathered: GatherActionParams = documentedParams({ Digits: '1', Body: 'hello' });
    expect(gathered.Digits).toBe('1');
    // @ts-expect-error a Gather action carries no Body
    expect(gathered.Body).toBe('hello'); // the value is there at run time; the type forbids reading it
    // @ts-expect-error misspelt names do not compile
    expect(gathered.Digts).toBeUndefined();
    const message: IncomingMessageParams = documentedParams({ MediaUrl1: 'https://api.twilio.com/m1' });
    expect(message.MediaUrl1).toBe('https://api.twilio.com/m1');
    const status: MessageStatusCallbackParams = documentedParams({ MessageStatus: 'delivered' });
    expect(status.MessageStatus).toBe('delivered');
    // @ts-expect-error a dial outcome is read from a Dial action's names, not a Gather's
    expect(dialConnected({ Digits: '1' })).toBe(false);
    // @ts-expect-error nor a recording from a message's
    expect(recordingOutcome({ Body: 'x' })).toEqual({ callerHungUp: false });
  });
});

describe('the simulator sends each kind of request with names Twilio documents for it', () => {
  let host: TwimlHost;
  let rest: TwilioApiServer;
  beforeAll(async () => {
    host = await startTwimlHost();
    rest = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, execute: {} });
  });
  afterAll(async () => {
    await rest.close();
    await host.close();
  });

  const PATH_KIND: Record<string, keyof typeof TWILIO_PARAMS_BY_KIND> = {
    '/call': 'voiceCall',
    '/gather': 'gatherAction',
    '/dial': 'dialAction',
    '/record': 'recordAction',
    '/transcription': 'transcriptionCallback',
    '/recording': 'recordingStatusCallback',
    '/status': 'callStatusCallback',
    '/sms': 'incomingMessage',
    '/message-status': 'messageStatusCallback',
  };

  const undocumented = () =>
    host.requests.flatMap((r) => {
      const kind = PATH_KIND[r.path];
      if (!kind) return [`${r.path}: not a path of this test`];
      return Object.keys(r.params)
        .filter((name) => !isDocumentedParam(kind, name))
        .map((name) => `${r.path} (${kind}): ${name}`);
    });

  it('for a call through Gather, Dial, Record and its callbacks, and an incoming text with media', async () => {
    host.set('/call', twiml(`<Gather action="${host.url}/gather" numDigits="1"><Say>Press</Say></Gather>`));
    host.set('/gather', twiml(`<Dial action="${host.url}/dial">+15557654321</Dial>`));
    host.set(
      '/dial',
      twiml(
        `<Record action="${host.url}/record" transcribe="true" transcribeCallback="${host.url}/transcription"` +
          ` recordingStatusCallback="${host.url}/recording"/>`,
      ),
    );
    host.set('/record', twiml('<Hangup/>'));
    for (const path of ['/transcription', '/recording', '/status']) host.set(path, { status: 204 });
    host.set('/sms', twiml(''));
    await runCall(
      {
        url: `${host.url}/call`,
        from: '+15550001111',
        to: '+15550006666',
        accountSid: TEST_ACCOUNT_SID,
        authToken: TEST_AUTH_TOKEN,
        statusCallback: {
          url: `${host.url}/status`,
          method: 'POST',
          events: ['initiated', 'ringing', 'answered', 'completed'],
        },
      },
      { inputs: [{ digits: '1' }], dial: ['no-answer'], recordSeconds: 7 },
    );
    await runInboundSms({
      url: `${host.url}/sms`,
      from: '+15550001111',
      to: '+15550006666',
      body: 'hello',
      mediaUrls: ['https://example.com/a.png'],
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
    });
    const paths = new Set(host.requests.map((r) => r.path));
    expect([...paths].sort()).toEqual(
      ['/call', '/gather', '/dial', '/record', '/transcription', '/recording', '/status', '/sms'].sort(),
    );
    expect(undocumented()).toEqual([]);
  });

  it("for the REST side's callbacks: a message's status, a created call's status and recording", async () => {
    host.requests.length = 0;
    host.set('/call', twiml('<Say>Hello</Say>'));
    for (const path of ['/recording', '/status', '/message-status']) host.set(path, { status: 204 });
    const client = twilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, { httpClient: new BaseUrlRequestClient(rest.url, {}) });
    await client.messages.create({
      to: '+15551234567',
      from: '+15550006666',
      body: 'x',
      statusCallback: `${host.url}/message-status`,
    });
    await client.calls.create({
      to: '+15551234567',
      from: '+15550006666',
      url: `${host.url}/call`,
      statusCallback: `${host.url}/status`,
      record: true,
      recordingStatusCallback: `${host.url}/recording`,
    });
    const seen = async (path: string) => {
      for (let i = 0; i < 100 && !host.requests.some((r) => r.path === path); i++)
        await new Promise((r) => setTimeout(r, 50));
      return host.requests.some((r) => r.path === path);
    };
    for (const path of ['/message-status', '/status', '/recording']) expect(await seen(path)).toBe(true);
    expect(undocumented()).toEqual([]);
  });
});
