// The inbound call flow, route by route and branch by branch, on parsed TwiML.
import { createApp } from '../src/app';
import { PUBLIC_BASE, testConfig } from './support/config';
import { signedGet, signedPost } from './support/signing';
import { only, parseTwiml, verbs, type TwimlNode } from './support/twiml';

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };
const FORWARD_TO = '+15557654321';

const app = createApp(
  testConfig({ FORWARD_TO, OUTBOUND_ALLOWLIST: FORWARD_TO, SAY_VOICE: 'Polly.Joanna', SAY_LANGUAGE: 'en-US' }),
);
const appWithoutForward = createApp(testConfig({ FORWARD_TO: undefined }));

async function twiml(
  res: Promise<{ status: number; headers: Record<string, string>; text: string }>,
): Promise<TwimlNode> {
  const r = await res;
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('text/xml; charset=utf-8');
  return parseTwiml(r.text);
}

function expectVoicemail(doc: TwimlNode, intro?: string): void {
  const record = only(doc, 'Record');
  expect(record.attrs).toMatchObject({
    action: `${PUBLIC_BASE}/voice/voicemail`,
    method: 'POST',
    maxLength: '120',
    playBeep: 'true',
    finishOnKey: '#',
    recordingStatusCallback: `${PUBLIC_BASE}/callbacks/recording`,
    recordingStatusCallbackEvent: 'completed absent',
  });
  expect(record.attrs.transcribe).toBeUndefined();
  const spoken = doc.children.filter((c) => c.name === 'Say').map((c) => c.text);
  if (intro) expect(spoken[0]).toBe(intro);
  expect(spoken).toContain('Please leave a message after the tone. Press the pound key when you are done.');
  expect(verbs(doc).slice(-2)).toEqual(['Say', 'Hangup']);
}

describe('when a call arrives at /voice', () => {
  it('then the caller hears the greeting and a speech-or-digits menu that is asked twice, then goodbye', async () => {
    const doc = await twiml(signedPost(app, '/voice', CALL));
    expect(verbs(doc)).toEqual(['Say', 'Gather', 'Gather', 'Say', 'Hangup']);
    expect(doc.children[0]).toMatchObject({
      text: 'Thanks for calling.',
      attrs: { voice: 'Polly.Joanna', language: 'en-US' },
    });
    for (const gather of doc.children.filter((c) => c.name === 'Gather')) {
      expect(gather.attrs).toMatchObject({
        input: 'dtmf speech',
        numDigits: '1',
        action: `${PUBLIC_BASE}/voice/menu`,
        method: 'POST',
        language: 'en-US',
      });
      expect(only(gather, 'Say').text).toMatch(/press 1/);
    }
    expect(doc.children[3]?.text).toMatch(/Goodbye/);
  });

  it('then a GET (numbers configured for GET) gets the same document', async () => {
    const post = await twiml(signedPost(app, '/voice', CALL));
    const get = await twiml(signedGet(app, '/voice', CALL));
    expect(get).toEqual(post);
  });

  it('then the greeting and menu texts come from config', async () => {
    const custom = createApp(
      testConfig({ VOICE_GREETING: 'Hello from Acme.', VOICE_MENU_PROMPT: 'Press 2 for voicemail.' }),
    );
    const doc = await twiml(signedPost(custom, '/voice', CALL));
    expect(doc.children[0]?.text).toBe('Hello from Acme.');
    expect(only(doc.children[1] as TwimlNode, 'Say').text).toBe('Press 2 for voicemail.');
  });
});

describe('when the caller chooses at /voice/menu', () => {
  it('then 1 forwards to FORWARD_TO with the caller’s number shown, a timeout and a dial-status action', async () => {
    const doc = await twiml(signedPost(app, '/voice/menu', { ...CALL, Digits: '1' }));
    expect(verbs(doc)).toEqual(['Say', 'Dial']);
    const dial = only(doc, 'Dial');
    expect(dial.attrs).toEqual({
      action: `${PUBLIC_BASE}/voice/dial-status`,
      method: 'POST',
      timeout: '20',
      callerId: '+15551234567',
    });
    expect(only(dial, 'Number').text).toBe(FORWARD_TO);
  });

  it('then 1 from a caller with an invalid caller ID shows our own number instead', async () => {
    const doc = await twiml(signedPost(app, '/voice/menu', { ...CALL, From: 'anonymous', Digits: '1' }));
    expect(only(doc, 'Dial').attrs.callerId).toBe('+15550006666');
  });

  it('then saying "I want to talk to a person" forwards too', async () => {
    const doc = await twiml(
      signedPost(app, '/voice/menu', { ...CALL, SpeechResult: 'I want to talk to a person.', Confidence: '0.9' }),
    );
    expect(only(only(doc, 'Dial'), 'Number').text).toBe(FORWARD_TO);
  });

  it('then 1 without FORWARD_TO says nobody is available and offers voicemail', async () => {
    const doc = await twiml(signedPost(appWithoutForward, '/voice/menu', { ...CALL, Digits: '1' }));
    expect(doc.children.find((c) => c.name === 'Dial')).toBeUndefined();
    expectVoicemail(doc, 'Sorry, nobody is available to take your call.');
  });

  it('then 2 records a voicemail', async () => {
    expectVoicemail(await twiml(signedPost(app, '/voice/menu', { ...CALL, Digits: '2' })));
  });

  it('then saying "voicemail" records a voicemail', async () => {
    expectVoicemail(await twiml(signedPost(app, '/voice/menu', { ...CALL, SpeechResult: 'Voicemail' })));
  });

  it('then 3 redirects to the greeting', async () => {
    const doc = await twiml(signedPost(app, '/voice/menu', { ...CALL, Digits: '3' }));
    expect(verbs(doc)).toEqual(['Redirect']);
    expect(only(doc, 'Redirect')).toMatchObject({ text: `${PUBLIC_BASE}/voice`, attrs: { method: 'POST' } });
  });

  it.each([['9'], ['*'], ['']])('then the unknown key %p gets an apology and the menu again', async (digits) => {
    const doc = await twiml(signedPost(app, '/voice/menu', { ...CALL, Digits: digits }));
    expect(verbs(doc)).toEqual(['Say', 'Gather', 'Gather', 'Say', 'Hangup']);
    expect(doc.children[0]?.text).toBe("Sorry, I didn't understand that.");
  });

  it('then unrecognised speech gets an apology and the menu again', async () => {
    const doc = await twiml(signedPost(app, '/voice/menu', { ...CALL, SpeechResult: 'banana' }));
    expect(doc.children[0]?.text).toBe("Sorry, I didn't understand that.");
    expect(verbs(doc)).toContain('Gather');
  });

  it('then a GET with Digits in the query works like the POST', async () => {
    const doc = await twiml(signedGet(app, '/voice/menu', { ...CALL, Digits: '2' }));
    expectVoicemail(doc);
  });

  it('then voicemail transcription, when configured, adds transcribe and its callback', async () => {
    const transcribing = createApp(testConfig({ VOICEMAIL_TRANSCRIBE: 'true', VOICEMAIL_MAX_LENGTH: '60' }));
    const record = only(await twiml(signedPost(transcribing, '/voice/menu', { ...CALL, Digits: '2' })), 'Record');
    expect(record.attrs).toMatchObject({
      transcribe: 'true',
      transcribeCallback: `${PUBLIC_BASE}/callbacks/transcription`,
      maxLength: '60',
    });
  });
});

describe('when the forwarded call ends at /voice/dial-status', () => {
  it.each([['completed'], ['answered']])('then %s hangs up', async (status) => {
    const doc = await twiml(
      signedPost(app, '/voice/dial-status', { ...CALL, DialCallStatus: status, DialCallDuration: '42' }),
    );
    expect(verbs(doc)).toEqual(['Hangup']);
  });

  it.each([['busy'], ['no-answer'], ['failed'], ['canceled']])('then %s goes to voicemail', async (status) => {
    const doc = await twiml(signedPost(app, '/voice/dial-status', { ...CALL, DialCallStatus: status }));
    expectVoicemail(doc, 'Sorry, nobody answered.');
  });
});

describe('when the recording is done at /voice/voicemail', () => {
  it('then the caller is thanked and the call ends', async () => {
    const doc = await twiml(
      signedPost(app, '/voice/voicemail', {
        ...CALL,
        RecordingUrl: 'https://api.twilio.com/rec/RE1',
        RecordingDuration: '7',
      }),
    );
    expect(verbs(doc)).toEqual(['Say', 'Hangup']);
    expect(doc.children[0]?.text).toBe('Thanks for your message. Goodbye.');
  });
});

describe('when PUBLIC_BASE_URL is not set', () => {
  it('then action URLs are still absolute, built from the request', async () => {
    const local = createApp(testConfig({ PUBLIC_BASE_URL: undefined }));
    const res = await signedPost(local, '/voice', CALL, { base: 'http://voice.local' }).set('Host', 'voice.local');
    const gather = parseTwiml(res.text).children.find((c) => c.name === 'Gather');
    expect(gather?.attrs.action).toBe('http://voice.local/voice/menu');
  });
});

describe('when the greeting offers the menu', () => {
  const prompt = async (target: typeof app) => {
    const doc = await twiml(signedPost(target, '/voice', CALL));
    // The menu is read in every <Gather> (asked again after silence): each must offer the same.
    const read = doc.children.filter((c) => c.name === 'Gather').map((g) => only(g, 'Say').text);
    expect(new Set(read).size).toBe(1);
    return read[0];
  };

  it('then option 1 (a person) is offered only when FORWARD_TO is set: nobody is promised who is not there', async () => {
    expect(await prompt(app)).toBe(
      'To speak with someone, press 1 or say one. To leave a voicemail, press 2. To hear this message again, press 3.',
    );
    expect(await prompt(appWithoutForward)).toBe('To leave a voicemail, press 2. To hear this message again, press 3.');
  });

  it('then an operator-written VOICE_MENU_PROMPT is read as written', async () => {
    const custom = createApp(testConfig({ FORWARD_TO: undefined, VOICE_MENU_PROMPT: 'Press 2 for us.' }));
    expect(await prompt(custom)).toBe('Press 2 for us.');
  });
});
