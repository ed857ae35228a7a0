// The simulator's TwiML interpreter on its own, against hand-written documents for every verb and error.
import { runCall, type CallResult, type CallScript, type CallSpec, type Step } from '../src/simulator/voiceCall';
import { runInboundSms } from '../src/simulator/inboundSms';
import { callTranscript } from '../src/simulator/transcript';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';
import { startTwimlHost, twiml, type TwimlHost } from './support/twimlHost';

let host: TwimlHost;
beforeAll(async () => {
  host = await startTwimlHost();
});
afterAll(() => host.close());
beforeEach(() => host.requests.splice(0));

function call(script: CallScript = {}, spec: Partial<CallSpec> = {}): Promise<CallResult> {
  return runCall(
    {
      url: `${host.url}/start`,
      from: '+15550001111',
      to: '+15550006666',
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      ...spec,
    },
    script,
  );
}

const verbsOf = (steps: readonly Step[]): string[] =>
  steps.filter((s): s is Extract<Step, { type: 'verb' }> => s.type === 'verb').map((s) => s.verb);
const verbStep = (result: CallResult, verb: string) =>
  result.steps.find((s): s is Extract<Step, { type: 'verb' }> => s.type === 'verb' && s.verb === verb);
const paths = () => host.requests.map((r) => `${r.method} ${r.path}`);

describe('when the simulator fetches a call’s TwiML', () => {
  it('then it sends Twilio’s parameters, signed, and plays Say, Play and Pause in order', async () => {
    host.set(
      '/start',
      twiml(
        '<Say voice="alice">Hello &amp; welcome</Say><Play loop="2">https://x.example/a.mp3</Play><Pause length="3"/>',
      ),
    );
    const result = await call();
    expect(verbsOf(result.steps)).toEqual(['Say', 'Play', 'Pause']);
    expect(verbStep(result, 'Say')?.detail).toBe('"Hello & welcome"');
    expect(verbStep(result, 'Play')?.detail).toBe('https://x.example/a.mp3 ×2');
    expect(result).toMatchObject({ status: 'completed', requests: 1, durationSeconds: 2 + 10 + 3 });
    expect(host.requests[0]).toMatchObject({
      method: 'POST',
      signatureValid: true,
      params: {
        CallSid: result.callSid,
        AccountSid: TEST_ACCOUNT_SID,
        From: '+15550001111',
        To: '+15550006666',
        Caller: '+15550001111',
        Called: '+15550006666',
        CallStatus: 'ringing',
        Direction: 'inbound',
        ApiVersion: '2010-04-01',
      },
    });
  });

  it('then without a token the requests go unsigned', async () => {
    host.set('/start', twiml('<Hangup/>'));
    await call({}, { authToken: undefined });
    expect(host.requests[0]?.signatureValid).toBe(false);
  });

  it('then an audio answer is played and a text/plain answer is spoken, and the call ends', async () => {
    host.set('/start', { body: 'ID3', contentType: 'audio/mpeg' });
    expect(verbsOf((await call()).steps)).toEqual(['Play']);
    host.set('/start', { body: 'Hello from text', contentType: 'text/plain' });
    expect(verbStep(await call(), 'Say')?.detail).toBe('"Hello from text"');
  });
});

describe('when a <Gather> runs', () => {
  it('then pressed digits are posted to the action, resolved against the document URL', async () => {
    host.set('/start', twiml('<Gather action="next" numDigits="1"><Say>Press</Say></Gather><Say>unreached</Say>'));
    host.set('/next', twiml('<Hangup/>'));
    const result = await call({ inputs: [{ digits: '42' }] });
    expect(paths()).toEqual(['POST /start', 'POST /next']);
    expect(host.requests[1]?.params).toMatchObject({ Digits: '4', CallStatus: 'in-progress' });
    expect(verbStep(result, 'Gather')).toMatchObject({
      result: 'pressed 42',
      nested: [{ verb: 'Say', detail: '"Press"' }],
    });
    expect(verbsOf(result.steps)).not.toContain('unreached');
  });

  it('then finishOnKey ends the digits, and with no action the document URL is requested again', async () => {
    host.set('/start', twiml('<Gather finishOnKey="#"/>'));
    const result = await call({ inputs: [{ digits: '123#9' }] });
    expect(host.requests[1]).toMatchObject({ path: '/start', params: { Digits: '123' } });
    // The second time round the caller is silent, so the document runs out and the call ends.
    expect(result).toMatchObject({ requests: 2, status: 'completed' });
  });

  it('then speech is posted as SpeechResult and Confidence', async () => {
    host.set('/start', twiml('<Gather input="speech" action="/heard" method="GET"/>'));
    host.set('/heard', twiml(''));
    await call({ inputs: [{ speech: 'leave a message', confidence: 0.8 }] });
    expect(host.requests[1]).toMatchObject({
      method: 'GET',
      path: '/heard',
      params: { SpeechResult: 'leave a message', Confidence: '0.8' },
      signatureValid: true,
    });
  });

  it('then speech at a dtmf-only <Gather> is not heard: it times out and the document goes on', async () => {
    host.set('/start', twiml('<Gather action="/next"/><Say>No input</Say>'));
    const result = await call({ inputs: [{ speech: 'hello' }] });
    expect(paths()).toEqual(['POST /start']);
    expect(verbStep(result, 'Gather')?.result).toBe('no input');
    expect(verbStep(result, 'Say')?.detail).toBe('"No input"');
  });

  it('then with actionOnEmptyResult a timeout still requests the action', async () => {
    host.set('/start', twiml('<Gather action="/next" actionOnEmptyResult="true"/><Say>unreached</Say>'));
    host.set('/next', twiml(''));
    await call();
    expect(paths()).toEqual(['POST /start', 'POST /next']);
    expect(host.requests[1]?.params.Digits).toBeUndefined();
  });
});

describe('when the caller presses only the finish key at a <Gather>', () => {
  it('then "#" first counts as no input: no action unless actionOnEmptyResult, and the document goes on', async () => {
    host.set('/start', twiml('<Gather action="/got" numDigits="4"><Say>Code?</Say></Gather><Say>Nothing</Say>'));
    host.set('/got', twiml(''));
    const result = await call({ inputs: [{ digits: '#12' }] });
    expect(paths()).toEqual(['POST /start']);
    expect(verbStep(result, 'Gather')?.result).toBe('pressed #12: no input');
    expect(verbsOf(result.steps)).toEqual(['Gather', 'Say']);
    host.requests.splice(0);
    host.set('/start', twiml('<Gather action="/got" actionOnEmptyResult="true"/>'));
    await call({ inputs: [{ digits: '#' }] });
    expect(paths()).toEqual(['POST /start', 'POST /got']);
    expect(host.requests[1]?.params.Digits).toBeUndefined();
  });
});

describe('when control moves with <Redirect>, <Hangup> and <Reject>', () => {
  it('then <Redirect method="GET"> fetches the relative URL with the parameters in the query', async () => {
    host.set('/start', twiml('<Redirect method="GET">/other?x=1</Redirect><Say>unreached</Say>'));
    host.set('/other', twiml('<Say>Here</Say>'));
    const result = await call();
    expect(host.requests[1]).toMatchObject({ method: 'GET', path: '/other', signatureValid: true });
    expect(host.requests[1]?.params).toMatchObject({ x: '1', CallSid: result.callSid });
    expect(verbsOf(result.steps)).toEqual(['Redirect', 'Say']);
  });

  it('then <Hangup> ends the call and nothing after it runs', async () => {
    host.set('/start', twiml('<Hangup/><Say>unreached</Say>'));
    expect(verbsOf((await call()).steps)).toEqual(['Hangup']);
  });

  it.each([
    ['busy', 'busy'],
    ['rejected', 'no-answer'],
  ])('then <Reject reason="%s"> first ends the call as %s, never answered', async (reason, status) => {
    host.set('/start', twiml(`<Reject reason="${reason}"/>`));
    const events: string[] = [];
    host.set('/status', { status: 204 });
    const result = await call(
      {},
      { statusCallback: { url: `${host.url}/status`, method: 'POST', events: ['answered', 'completed'] } },
    );
    expect(result.status).toBe(status);
    for (const r of host.requests.filter((q) => q.path === '/status')) events.push(r.params.CallStatus as string);
    expect(events).toEqual([status]);
  });

  it('then a test can cut a call after a number of documents', async () => {
    host.set('/start', twiml('<Redirect>/start</Redirect>'));
    const result = await call({}, { maxRequests: 5 });
    expect(result.requests).toBe(5);
    expect(result.error).toEqual({ message: 'Step limit: more than 5 TwiML requests' });
  });

  it('then a <Redirect> loop that plays nothing is stopped after 100 silent documents, not a fixed request count', async () => {
    host.set('/start', twiml('<Redirect>/start</Redirect>'));
    const result = await call();
    expect(result.requests).toBe(101);
    expect(result.error).toEqual({ message: 'Loop: 100 TwiML documents in a row played nothing' });
  });

  it('then a loop that plays something (hold music) goes on past 50 documents, until the call time runs out', async () => {
    host.set('/start', twiml('<Play>https://x.example/hold.mp3</Play><Redirect>/start</Redirect>'));
    const result = await call({}, { maxSeconds: 300 });
    expect(result.error).toBeUndefined();
    expect(result.requests).toBe(60); // 5 s a track, 300 s
    expect(result.steps.at(-1)).toMatchObject({ verb: 'Hangup', detail: 'the caller hangs up after 300 s' });
    expect(result.durationSeconds).toBe(300);
  });

  it('then <Say loop="0"> and <Play loop="0"> repeat until the caller hangs up: nothing after them runs', async () => {
    for (const verb of ['<Say loop="0">Please hold</Say>', '<Play loop="0">https://x.example/a.mp3</Play>']) {
      host.set('/start', twiml(`${verb}<Redirect>/never</Redirect>`));
      const result = await call({}, { maxSeconds: 600 });
      expect(verbsOf(result.steps)).toEqual([verb.startsWith('<Say') ? 'Say' : 'Play']);
      expect(result.steps.at(-1)).toMatchObject({ detail: expect.stringMatching(/×∞ \(until the caller hangs up\)$/) });
      expect(result.durationSeconds).toBe(600);
      expect(paths()).not.toContain('POST /never');
      host.requests.splice(0);
    }
  });
});

describe('when a <Dial> runs', () => {
  beforeEach(() => host.set('/dialed', twiml('<Hangup/>')));

  it.each([
    ['answered', 'completed', '30'],
    ['busy', 'busy', '0'],
    ['no-answer', 'no-answer', '0'],
    ['failed', 'failed', '0'],
  ] as const)('then a %s outcome posts DialCallStatus %s to the action', async (outcome, status, duration) => {
    host.set(
      '/start',
      twiml('<Dial action="/dialed" timeout="15" callerId="+15550006666"><Number>+15557654321</Number></Dial>'),
    );
    const result = await call({ dial: [outcome] });
    expect(host.requests[1]?.params).toMatchObject({ DialCallStatus: status, DialCallDuration: duration });
    expect(host.requests[1]?.params.DialCallSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(verbStep(result, 'Dial')?.detail).toBe('+15557654321 (15 s, caller ID +15550006666)');
  });

  it('then the action gets DialBridged: true when the parties talked, false when a whisper declined the call', async () => {
    host.set('/start', twiml('<Dial action="/dialed"><Number url="/whisper">+15557654321</Number></Dial>'));
    host.set('/whisper', twiml('<Gather numDigits="1" action="/accept"><Say>Press a key</Say></Gather><Hangup/>'));
    host.set('/accept', twiml(''));
    const accepted = await call({ callee: [{ digits: '1' }] });
    const dialed = () => host.requests.filter((r) => r.path === '/dialed').at(-1)?.params;
    expect(dialed()).toMatchObject({ DialCallStatus: 'completed', DialBridged: 'true' });
    expect(verbStep(accepted, 'Dial')?.result).toBe('answered, 30 s');
    const whisperLeg = host.requests.find((r) => r.path === '/whisper');
    expect(whisperLeg?.params).toMatchObject({ ParentCallSid: accepted.callSid, Direction: 'outbound-dial' });
    expect(whisperLeg?.signatureValid).toBe(true);
    const declined = await call({ callee: [] });
    // Answered (completed), yet never bridged: only DialBridged tells the two apart.
    expect(dialed()).toMatchObject({ DialCallStatus: 'completed', DialBridged: 'false', DialCallDuration: '0' });
    expect(verbStep(declined, 'Dial')?.result).toBe('answered, declined at the whisper');
    host.set('/start', twiml('<Dial action="/dialed">+15557654321</Dial>'));
    await call({ dial: ['busy'] });
    expect(dialed()).toMatchObject({ DialCallStatus: 'busy', DialBridged: 'false' });
  });

  it('then without an action the document goes on after the call', async () => {
    host.set('/start', twiml('<Dial>+15557654321</Dial><Say>After</Say>'));
    expect(verbsOf((await call()).steps)).toEqual(['Dial', 'Say']);
  });
});

describe('when a <Record> runs', () => {
  it('then the action comes first, then the recording and transcription callbacks, with Twilio’s parameters', async () => {
    host.set(
      '/start',
      twiml(
        '<Record action="/done" maxLength="60" recordingStatusCallback="/rec" transcribe="true" transcribeCallback="/tr"/>',
      ),
    );
    host.set('/done', twiml(''));
    host.set('/rec', { status: 204 });
    host.set('/tr', { status: 204 });
    const result = await call({ recordSeconds: 7, transcription: 'Call me back' });
    // Twilio: the RecordingUrl may not be fetchable yet when the action arrives; the status callback says so.
    expect(paths()).toEqual(['POST /start', 'POST /done', 'POST /rec', 'POST /tr']);
    const [, done, rec, tr] = host.requests;
    expect(rec).toMatchObject({
      signatureValid: true,
      params: { RecordingStatus: 'completed', RecordingDuration: '7' },
    });
    expect(rec?.params.RecordingUrl).toMatch(new RegExp(`/Accounts/${TEST_ACCOUNT_SID}/Recordings/RE[0-9a-f]{32}$`));
    expect(tr?.params).toMatchObject({ TranscriptionText: 'Call me back', TranscriptionStatus: 'completed' });
    expect(done?.params).toMatchObject({ RecordingDuration: '7', Digits: '#', RecordingUrl: rec?.params.RecordingUrl });
    expect(verbStep(result, 'Record')).toMatchObject({ detail: 'max 60 s, beep, transcribe', result: '7 s recording' });
  });

  it('then a recording longer than maxLength is cut to it', async () => {
    host.set('/start', twiml('<Record action="/done" maxLength="3"/>'));
    host.set('/done', twiml(''));
    await call({ recordSeconds: 10 });
    expect(host.requests[1]?.params.RecordingDuration).toBe('3');
  });

  it.each([
    ['1 s', 1],
    ['121 s', 121],
  ])('then a %s recording is not transcribed (Twilio transcribes 2 to 120 s)', async (_, seconds) => {
    host.set('/start', twiml('<Record action="/done" transcribe="true" transcribeCallback="/tr"/>'));
    host.set('/done', twiml(''));
    host.set('/tr', { status: 204 });
    await call({ recordSeconds: seconds });
    expect(paths()).toEqual(['POST /start', 'POST /done']);
  });

  it('then silence still requests the action (RecordingDuration 0), so verbs after <Record> are not reached', async () => {
    host.set(
      '/start',
      twiml(
        '<Record action="/done" recordingStatusCallback="/rec" recordingStatusCallbackEvent="completed absent"/><Say>Never</Say>',
      ),
    );
    host.set('/done', twiml('<Say>Nothing recorded</Say>'));
    host.set('/rec', { status: 204 });
    const result = await call({ recordSeconds: 0 });
    expect(paths()).toEqual(['POST /start', 'POST /done', 'POST /rec']);
    expect(host.requests[1]?.params).toMatchObject({ RecordingDuration: '0' });
    expect(host.requests[1]?.params.Digits).toBeUndefined();
    expect(host.requests[2]?.params.RecordingStatus).toBe('completed');
    expect(verbsOf(result.steps)).toEqual(['Record', 'Say']);
    expect(verbStep(result, 'Say')?.detail).toBe('"Nothing recorded"');
  });

  it('then a recording Twilio finds silent ends absent: the action gets 0 s, the callback RecordingStatus absent', async () => {
    host.set(
      '/start',
      twiml('<Record action="/done" recordingStatusCallback="/rec" recordingStatusCallbackEvent="completed absent"/>'),
    );
    host.set('/done', twiml(''));
    host.set('/rec', { status: 204 });
    const result = await call({ recordEnds: ['absent'] });
    expect(host.requests[1]?.params.RecordingDuration).toBe('0');
    expect(host.requests[2]?.params.RecordingStatus).toBe('absent');
    expect(verbStep(result, 'Record')?.result).toBe('absent (16102)');
  });

  it('then a caller who hangs up while recording: the action gets Digits=hangup, and what it answers is not played', async () => {
    host.set('/start', twiml('<Record action="/done" recordingStatusCallback="/rec"/>'));
    host.set('/done', twiml('<Say>Thanks</Say>'));
    host.set('/rec', { status: 204 });
    const result = await call({ recordSeconds: 6, recordEnds: ['hangup'] });
    expect(paths()).toEqual(['POST /start', 'POST /done', 'POST /rec']);
    expect(host.requests[1]?.params).toMatchObject({ Digits: 'hangup', RecordingDuration: '6' });
    expect(verbsOf(result.steps)).toEqual(['Record']);
    expect(result.status).toBe('completed');
  });
});

describe('when queues and messages run', () => {
  it('then <Enqueue> plays its wait URL, and <Leave> there posts QueueResult leave to the action', async () => {
    host.set('/start', twiml('<Enqueue waitUrl="/wait" action="/left">support</Enqueue>'));
    host.set('/wait', twiml('<Say>Please hold</Say><Leave/>'));
    host.set('/left', twiml('<Say>You left the queue</Say>'));
    const result = await call();
    expect(paths()).toEqual(['POST /start', 'POST /wait', 'POST /left']);
    expect(host.requests[1]?.params).toMatchObject({ QueuePosition: '1' });
    expect(host.requests[2]?.params).toMatchObject({ QueueResult: 'leave' });
    expect(verbStep(result, 'Enqueue')).toMatchObject({ detail: 'support', result: 'leave' });
  });

  it('then a bridged <Enqueue> with an action reports QueueResult bridged', async () => {
    host.set('/start', twiml('<Enqueue action="/left">sales</Enqueue>'));
    host.set('/left', twiml(''));
    await call({ queue: 'bridged' });
    expect(host.requests[1]?.params.QueueResult).toBe('bridged');
  });

  it('then the old voice verb <Sms> in a call is noted, and its action gets SmsStatus', async () => {
    host.set('/start', twiml('<Sms action="/sent">Your code is 1234</Sms>'));
    host.set('/sent', twiml(''));
    const result = await call();
    expect(verbStep(result, 'Sms')?.detail).toBe('to +15550001111: "Your code is 1234"');
    expect(host.requests[1]?.params.SmsStatus).toBe('sent');
  });

  it('then <Message>, a messaging verb, ends a call with 12200 as Twilio does', async () => {
    host.set('/start', twiml('<Message>Your code is 1234</Message>'));
    const result = await call();
    expect(result.error).toMatchObject({ code: 12200 });
  });
});

describe('when the far side misbehaves, the call stops with Twilio’s error code', () => {
  it.each([
    ['<Response><Say>unclosed</Response>', 12100],
    ['<Document><Say>x</Say></Document>', 12102],
    ['<Response><Speak>x</Speak></Response>', 12200],
    ['<Response><Gather><Dial>+15557654321</Dial></Gather></Response>', 12200],
    ['<Response><Say><Play>x</Play></Say></Response>', 12200],
  ])('then %s is error %d', async (body, code) => {
    host.set('/start', body);
    const result = await call();
    expect(result.error?.code).toBe(code);
    expect(result.status).toBe('failed');
    expect(result.steps.at(-1)).toMatchObject({ type: 'error', code });
  });

  it('then SSML inside <Say> is allowed and spoken', async () => {
    host.set('/start', twiml('<Say>Hello <break time="1s"/> <emphasis>there</emphasis></Say>'));
    const result = await call();
    expect(result.error).toBeUndefined();
    expect(verbStep(result, 'Say')?.detail).toBe('"Hello there"');
  });

  it.each([
    [{ status: 500, body: 'boom' }, 11217, /HTTP error response code: 500/],
    [{ status: 403, body: 'Forbidden', contentType: 'text/plain' }, 11217, /HTTP error response code: 403/],
    [{ body: '{"a":1}', contentType: 'application/json' }, 12300, /Invalid Content-Type: "application\/json"/],
    [{ body: `<Response><Say>${'x'.repeat(70_000)}</Say></Response>` }, 11750, /too large/],
    [{ body: twiml(''), delayMs: 1000 }, 11205, /no answer within 300 ms/],
  ])('then an answer like %j is error %d', async (answer, code, message) => {
    host.set('/start', answer);
    const result = await call({}, { timeoutMs: 300 });
    expect(result.error?.code).toBe(code);
    expect(result.error?.message).toMatch(message);
  });

  it('then a refused connection is 11205', async () => {
    const result = await call({}, { url: 'http://127.0.0.1:9/voice' });
    expect(result.error?.code).toBe(11205);
  });

  it('then an error after the call was answered ends it as completed, with the error reported', async () => {
    host.set('/start', twiml('<Say>Hi</Say><Redirect>/broken</Redirect>'));
    host.set('/broken', { status: 500 });
    const result = await call();
    expect(result).toMatchObject({ status: 'completed', error: { code: 11217 } });
    expect(callTranscript(result)).toMatch(/✗ 11217 HTTP error response code: 500/);
  });
});

describe('when status callbacks are requested', () => {
  it('then initiated, ringing, answered and completed are posted, signed, in order, with the duration at the end', async () => {
    host.set('/start', twiml('<Say>One two three four five</Say>'));
    host.set('/status', { status: 204 });
    const result = await call(
      {},
      {
        direction: 'outbound-api',
        statusCallback: {
          url: `${host.url}/status`,
          method: 'POST',
          events: ['initiated', 'ringing', 'answered', 'completed'],
        },
      },
    );
    const callbacks = host.requests.filter((r) => r.path === '/status');
    expect(callbacks.map((r) => r.params.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(callbacks.map((r) => r.params.SequenceNumber)).toEqual(['0', '1', '2', '3']);
    expect(callbacks.every((r) => r.signatureValid && r.params.Direction === 'outbound-api')).toBe(true);
    expect(callbacks[3]?.params.CallDuration).toBe(String(result.durationSeconds));
    expect(host.requests.find((r) => r.path === '/start')?.params.CallStatus).toBe('in-progress');
  });
});

describe('when a text arrives', () => {
  it('then each <Message> is a reply, <Redirect> is followed, and an empty 200 means no reply', async () => {
    host.set(
      '/sms',
      twiml(
        '<Message>First</Message><Message to="+15559990000"><Body>Second</Body><Media>https://x/y.png</Media></Message><Redirect>/more</Redirect>',
      ),
    );
    host.set('/more', twiml('<Message>Third</Message>'));
    const result = await runInboundSms({
      url: `${host.url}/sms`,
      from: '+15550001111',
      to: '+15550006666',
      body: 'hi',
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
    });
    expect(result.replies).toEqual([
      { to: '+15550001111', from: '+15550006666', body: 'First', media: [] },
      { to: '+15559990000', from: '+15550006666', body: 'Second', media: ['https://x/y.png'] },
      { to: '+15550001111', from: '+15550006666', body: 'Third', media: [] },
    ]);
    expect(host.requests[0]).toMatchObject({
      signatureValid: true,
      params: { Body: 'hi', NumMedia: '0', SmsStatus: 'received' },
    });
    host.set('/sms', { body: '' });
    expect(
      (await runInboundSms({ url: `${host.url}/sms`, from: '+1', to: '+2', body: 'x', accountSid: TEST_ACCOUNT_SID }))
        .replies,
    ).toEqual([]);
  });

  it('then a voice verb in a messaging document is a schema error', async () => {
    host.set('/sms', twiml('<Say>Hi</Say>'));
    const result = await runInboundSms({
      url: `${host.url}/sms`,
      from: '+1',
      to: '+2',
      body: 'x',
      accountSid: TEST_ACCOUNT_SID,
    });
    expect(result.error?.code).toBe(12200);
  });
});
