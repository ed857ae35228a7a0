// The voicemail twimlet: greeting and <Record>, then e-mail (local SMTP server) and SMS (local Twilio REST
// server) with the caller, the recording URL and, once it arrives, the transcript.
import { TwilioApiServer } from '../src/simulator/restServer';
import { runCall, type Step } from '../src/simulator/voiceCall';
import { startAppServer, type RunningApp } from './support/appServer';
import { PUBLIC_BASE, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig } from './support/config';
import { signedPost } from './support/signing';
import { startSmtp, type LocalSmtp } from './support/smtpServer';
import { only, parseTwiml, verbs } from './support/twiml';
import { getExpectedTwilioSignature } from 'twilio';
import { createApp } from '../src/app';

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };

const OUTBOX_TOKEN = 'outbox-read-token-0123456789abcdef0123';

describe('when /twiml/voicemail answers a call', () => {
  const app = createApp(testConfig());

  it('then it greets and records with a transcription callback to itself, with no maxLength (Twilio: 3600 s)', async () => {
    const res = await signedPost(app, '/twiml/voicemail?Email=owner%40example.com&Message=Leave%20it%20here', CALL);
    const doc = parseTwiml(res.text);
    expect(verbs(doc)).toEqual(['Say', 'Record', 'Say', 'Hangup']);
    expect(doc.children[0]?.text).toBe('Leave it here');
    expect(only(doc, 'Record').attrs).toMatchObject({
      action: `${PUBLIC_BASE}/twiml/voicemail?Email=owner%40example.com`,
      transcribe: 'true',
      transcribeCallback: `${PUBLIC_BASE}/twiml/voicemail?Email=owner%40example.com&Transcription=true`,
      playBeep: 'true',
    });
    expect(only(doc, 'Record').attrs.maxLength).toBeUndefined();
    const limited = only(parseTwiml((await signedPost(app, '/twiml/voicemail?MaxLength=60', CALL)).text), 'Record');
    expect(limited.attrs.maxLength).toBe('60');
    expect(new URL(limited.attrs.action as string).searchParams.get('MaxLength')).toBe('60');
  });

  it.each(['false', 'FALSE', 'no', 'off', '0'])('then Transcribe=%s records without transcription', async (value) => {
    const doc = parseTwiml((await signedPost(app, `/twiml/voicemail?Transcribe=${value}`, CALL)).text);
    expect(only(doc, 'Record').attrs.transcribe).toBeUndefined();
    expect(only(doc, 'Record').attrs.transcribeCallback).toBeUndefined();
  });

  it('then a URL Message is played, a comma-separated Email list is taken, and a bad Email is an apology', async () => {
    const doc = parseTwiml(
      (await signedPost(app, '/twiml/voicemail?Transcribe=false&Message=https%3A%2F%2Fx%2Fgreet.mp3', CALL)).text,
    );
    expect(doc.children[0]).toMatchObject({ name: 'Play', text: 'https://x/greet.mp3' });
    const list = parseTwiml(
      (await signedPost(app, '/twiml/voicemail?Email=a%40example.com,%20b%40example.com', CALL)).text,
    );
    expect(verbs(list)).toEqual(['Say', 'Record', 'Say', 'Hangup']);
    for (const email of ['not-an-address', 'a%40example.com,nope']) {
      const bad = await signedPost(app, `/twiml/voicemail?Email=${email}`, CALL);
      expect(bad.status).toBe(200);
      expect(verbs(parseTwiml(bad.text))).toEqual(['Say', 'Hangup']);
      expect(parseTwiml(bad.text).children[0]?.text).toMatch(/^Sorry, something went wrong/);
    }
  });

  it.each([
    ['a message', { RecordingDuration: '7' }, 'Thank you for your message. Goodbye.'],
    ['silence (0 s)', { RecordingDuration: '0' }, 'We did not receive a message. Goodbye.'],
    [
      'an absent recording',
      { RecordingDuration: '3', RecordingStatus: 'absent' },
      'We did not receive a message. Goodbye.',
    ],
  ])('then the action after %s answers %p', async (_, recording, said) => {
    const doc = parseTwiml(
      (
        await signedPost(app, '/twiml/voicemail', {
          ...CALL,
          RecordingUrl: 'https://api.twilio.com/r/RE1',
          ...recording,
        })
      ).text,
    );
    expect(verbs(doc)).toEqual(['Say', 'Hangup']);
    expect(doc.children[0]?.text).toBe(said);
  });

  it('then the action after the caller hung up while recording (Digits=hangup) just hangs up', async () => {
    const doc = parseTwiml(
      (
        await signedPost(app, '/twiml/voicemail', {
          ...CALL,
          RecordingUrl: 'https://api.twilio.com/r/RE1',
          RecordingDuration: '4',
          Digits: 'hangup',
        })
      ).text,
    );
    expect(verbs(doc)).toEqual(['Hangup']);
  });
});

describe('when a caller leaves a voicemail (simulated call)', () => {
  let smtp: LocalSmtp;
  let twilioApi: TwilioApiServer;
  let server: RunningApp;

  beforeAll(async () => {
    smtp = await startSmtp();
    twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    server = await startAppServer({
      SMTP_URL: smtp.url,
      VOICEMAIL_FROM_EMAIL: 'voicemail@example.com',
      VOICEMAIL_NOTIFY_SMS: '+15559990000',
      OUTBOUND_ALLOWLIST: '+1555*',
      TWILIO_API_BASE_URL: twilioApi.url,
      API_TOKEN: OUTBOX_TOKEN,
    });
  });
  afterAll(async () => {
    await server.close();
    await twilioApi.close();
    await smtp.close();
  });

  it('then the recording and then the transcript are e-mailed and texted, with the caller and the recording URL', async () => {
    const result = await runCall(
      {
        url: `${server.url}/twiml/voicemail?Email=owner%40example.com`,
        from: '+15551234567',
        to: '+15550006666',
        accountSid: TEST_ACCOUNT_SID,
        authToken: TEST_AUTH_TOKEN,
      },
      { recordSeconds: 7, transcription: 'Please call me back about the order.' },
    );
    expect(result.error).toBeUndefined();
    expect(
      result.steps
        .filter((s): s is Extract<Step, { type: 'callback' }> => s.type === 'callback')
        .map((s) => `${s.kind} ${s.status}`),
    ).toEqual(['transcription 204']);

    const mails = await smtp.waitFor(2);
    const recordingUrl = /https:\/\/api\.twilio\.com\S+/.exec(mails.map((m) => m.text).join('\n'))?.[0] ?? '';
    expect(recordingUrl).toMatch(new RegExp(`/Accounts/${TEST_ACCOUNT_SID}/Recordings/RE[0-9a-f]{32}$`));
    const bySubject = Object.fromEntries(mails.map((m) => [m.subject, m]));
    expect(bySubject['New voicemail from +15551234567']).toMatchObject({
      from: 'voicemail@example.com',
      to: 'owner@example.com',
    });
    expect(bySubject['New voicemail from +15551234567']?.text).toMatch(
      /Length: 7 s\.\nRecording: https:\/\/api\.twilio\.com/,
    );
    expect(bySubject['Voicemail transcript from +15551234567']?.text).toMatch(
      /Transcript:\nPlease call me back about the order\./,
    );

    for (let i = 0; i < 100 && twilioApi.requestsTo('Messages').length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    const texts = twilioApi.requestsTo('Messages').map((r) => r.params);
    expect(texts.map((p) => p.To)).toEqual(['+15559990000', '+15559990000']);
    expect(texts.map((p) => p.Body).sort()).toEqual([
      expect.stringMatching(
        /^New voicemail from \+15551234567, 7 s, \w{3}, \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M UTC: https?:\/\/\S+\/inbox\/voicemails\/\d+$/,
      ),
      'Voicemail transcript from +15551234567: Please call me back about the order.',
    ]);
  });

  const walk = (script: Parameters<typeof runCall>[1]) =>
    runCall(
      {
        url: `${server.url}/twiml/voicemail?Email=owner%40example.com,%20second%40example.com`,
        from: '+15551234567',
        to: '+15550006666',
        accountSid: TEST_ACCOUNT_SID,
        authToken: TEST_AUTH_TOKEN,
      },
      script,
    );
  const said = (steps: readonly Step[]) =>
    steps.filter((s) => s.type === 'verb' && s.verb === 'Say').map((s) => (s as { detail: string }).detail);

  it.each([
    ['stays silent', { recordSeconds: 0 }],
    ['is found silent by Twilio (absent)', { recordEnds: ['absent' as const] }],
  ])(
    'then a caller who %s hears "we did not receive a message", and nobody is e-mailed or texted',
    async (_, script) => {
      // The outbox is what would send: its rows are written with the voicemail, before the action answers.
      const outbox = async () =>
        (
          (await (
            await fetch(`${server.url}/api/notifications?limit=200`, {
              headers: { Authorization: `Bearer ${OUTBOX_TOKEN}` },
            })
          ).json()) as { items: unknown[] }
        ).items.length;
      const queued = await outbox();
      const result = await walk(script);
      expect(result.error).toBeUndefined();
      expect(said(result.steps).at(-1)).toBe('"We did not receive a message. Goodbye."');
      expect(await outbox()).toBe(queued);
    },
  );

  it('then a caller who hangs up while recording still has the message e-mailed to every address of the list', async () => {
    const mails = smtp.received.length;
    const result = await walk({ recordSeconds: 9, recordEnds: ['hangup'] });
    expect(result.error).toBeUndefined();
    expect(said(result.steps)).not.toContain('"Thank you for your message. Goodbye."'); // nobody left to hear it
    const received = await smtp.waitFor(mails + 1);
    const notice = received.slice(mails).find((m) => m.subject === 'New voicemail from +15551234567');
    expect(notice?.to).toBe('owner@example.com, second@example.com');
    expect(notice?.text).toMatch(/Length: 9 s\./);
  });

  // Record's action as Twilio posts it: the recording's SID, URL and length.
  const RECORDED = {
    ...CALL,
    RecordingSid: `RE${'ab'.repeat(16)}`,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Recordings/RE${'ab'.repeat(16)}`,
    RecordingDuration: '4',
  };

  it('then an SMTP server that cannot be reached leaves the e-mail pending for a retry, logged without the URL, and the caller is unaffected', async () => {
    const broken = await startAppServer({ SMTP_URL: 'smtp://user:s3cretpass@127.0.0.1:9' });
    try {
      const res = await fetch(`${broken.url}/twiml/voicemail?Email=owner%40example.com`, {
        method: 'POST',
        headers: {
          'X-Twilio-Signature': getExpectedTwilioSignature(
            TEST_AUTH_TOKEN,
            `${broken.url}/twiml/voicemail?Email=owner%40example.com`,
            RECORDED,
          ),
        },
        body: new URLSearchParams(RECORDED),
      });
      expect(res.status).toBe(200);
      expect(parseTwiml(await res.text()).children.map((c) => c.name)).toEqual(['Say', 'Hangup']);
      const failed = 'notification failed: will retry';
      for (let i = 0; i < 100 && !broken.logs.entries().some((e) => e.msg === failed); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(broken.logs.entries().find((e) => e.msg === failed)).toMatchObject({
        level: 40,
        channel: 'email',
        attempts: 1,
        reason: expect.stringMatching(/^SMTP E[A-Z]+$/),
      });
      expect(broken.logs.text()).not.toContain('s3cretpass');
    } finally {
      await broken.close();
    }
  });
});
