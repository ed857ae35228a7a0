// The conference twimlet: pass code, moderators, music, SMS notifications, and calls walked by the simulator.
import { createApp } from '../src/app';
import { TwilioApiServer } from '../src/simulator/restServer';
import { runCall, type Step } from '../src/simulator/voiceCall';
import { startAppServer, type RunningApp } from './support/appServer';
import { PUBLIC_BASE, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig } from './support/config';
import { signedPost } from './support/signing';
import { only, parseTwiml, verbs } from './support/twiml';

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+15550006666' };
const app = createApp(testConfig({ CONFERENCE_ALLOWLIST: '*' }));
const doc = async (query: string, body: Record<string, string> = CALL) =>
  parseTwiml((await signedPost(app, `/twiml/conference?${query}`, body)).text);

describe('when /twiml/conference is called', () => {
  it('then without a password the caller joins the named conference, starting it', async () => {
    const twiml = await doc('Name=standup&Message=Welcome');
    expect(verbs(twiml)).toEqual(['Say', 'Dial']);
    expect(only(only(twiml, 'Dial'), 'Conference')).toMatchObject({
      text: 'standup',
      attrs: { startConferenceOnEnter: 'true', endConferenceOnExit: 'false' },
    });
  });

  it('then with a password it asks for the pass code first, sized to it, and asks again after a wrong one', async () => {
    const ask = await doc('Name=standup&Password=1234');
    expect(verbs(ask)).toEqual(['Gather', 'Say', 'Hangup']);
    const gather = only(ask, 'Gather');
    expect(gather.attrs).toMatchObject({ numDigits: '4', finishOnKey: '#' });
    expect(new URL(gather.attrs.action as string).searchParams.get('Password')).toBe('1234');
    const wrong = await doc('Name=standup&Password=1234', { ...CALL, Digits: '9999' });
    expect(wrong.children[0]?.text).toBe('Sorry, that password is not correct.');
    const right = await doc('Name=standup&Password=1234', { ...CALL, Digits: '1234' });
    expect(verbs(right)).toEqual(['Dial']);
  });

  it('then with moderators only a moderator starts and ends it; the others wait', async () => {
    const moderator = await doc('Name=standup&Moderators%5B0%5D=%2B1%20555%20123%204567');
    expect(only(only(moderator, 'Dial'), 'Conference').attrs).toMatchObject({
      startConferenceOnEnter: 'true',
      endConferenceOnExit: 'true',
    });
    const guest = await doc('Name=standup&Moderators%5B0%5D=%2B15559990000');
    expect(only(only(guest, 'Dial'), 'Conference').attrs).toMatchObject({
      startConferenceOnEnter: 'false',
      endConferenceOnExit: 'false',
    });
  });

  it('then Music as a genre or a URL plays through our holdmusic (audio, never a hand-off), anything else is a 400', async () => {
    const genre = only(only(await doc('Name=x&Music=classical'), 'Dial'), 'Conference');
    expect(genre.attrs.waitUrl).toBe(`${PUBLIC_BASE}/twiml/holdmusic?Bucket=com.twilio.music.classical`);
    const url = only(only(await doc('Name=x&Music=https%3A%2F%2Fx%2Fwait.mp3'), 'Dial'), 'Conference');
    const waitUrl = new URL(url.attrs.waitUrl as string);
    expect(waitUrl.origin + waitUrl.pathname).toBe(`${PUBLIC_BASE}/twiml/holdmusic`);
    expect(waitUrl.searchParams.get('Urls[0]')).toBe('https://x/wait.mp3');
    expect((await signedPost(app, '/twiml/conference?Music=polka', CALL)).status).toBe(400);
    expect((await signedPost(app, '/twiml/conference?Password=abc', CALL)).status).toBe(400);
  });
});

describe('when conference calls are walked by the simulator', () => {
  let twilioApi: TwilioApiServer;
  let server: RunningApp;
  beforeAll(async () => {
    twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    server = await startAppServer({
      TWILIO_API_BASE_URL: twilioApi.url,
      OUTBOUND_ALLOWLIST: '+1555*',
      CONFERENCE_ALLOWLIST: 'standup',
    });
  });
  afterAll(async () => {
    await server.close();
    await twilioApi.close();
  });
  const call = (query: string, inputs: Array<{ digits: string }>, from = '+15551234567') =>
    runCall(
      {
        url: `${server.url}/twiml/conference?${query}`,
        from,
        to: '+15550006666',
        accountSid: TEST_ACCOUNT_SID,
        authToken: TEST_AUTH_TOKEN,
      },
      { inputs },
    );
  const dialed = (steps: readonly Step[]) =>
    steps.filter((s) => s.type === 'verb' && s.verb === 'Dial').map((s) => (s as { detail: string }).detail);

  it('then the right password joins the conference, and a guest joining texts the moderator', async () => {
    const result = await call(
      'Name=standup&Password=1234&EnableSmsNotifications=true&Moderators%5B0%5D=%2B15559990000',
      [{ digits: '1234' }],
    );
    expect(result.error).toBeUndefined();
    expect(dialed(result.steps)).toEqual(['Conference standup']);
    for (let i = 0; i < 100 && twilioApi.requestsTo('Messages').length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(twilioApi.requestsTo('Messages').map((r) => r.params)).toEqual([
      expect.objectContaining({ To: '+15559990000', Body: '+15551234567 joined the conference standup.' }),
    ]);
  });

  it('then a wrong password is asked again, and a caller who never gets it right is not connected', async () => {
    const result = await call('Name=standup&Password=1234', [{ digits: '1111' }, { digits: '2222' }]);
    expect(dialed(result.steps)).toEqual([]);
    const said = result.steps
      .filter((s) => s.type === 'verb' && s.verb === 'Say')
      .map((s) => (s as { detail: string }).detail);
    expect(said).toContain('"Sorry, that password is not correct."');
    expect(result.steps.filter((s) => s.type === 'verb').at(-1)).toMatchObject({ verb: 'Hangup' });
  });
});
