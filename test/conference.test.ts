// The conference twimlet: pass code, moderators, music, SMS notifications, and calls walked by the simulator.
import { createHash } from 'node:crypto';
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
  it('then without a password the caller joins the named conference, starting it, after the Message', async () => {
    const twiml = await doc('Name=standup&Message=Welcome');
    expect(verbs(twiml)).toEqual(['Say', 'Dial']);
    expect(twiml.children[0]?.text).toBe('Welcome');
    expect(only(only(twiml, 'Dial'), 'Conference')).toMatchObject({
      text: 'standup',
      attrs: { startConferenceOnEnter: 'true', endConferenceOnExit: 'false' },
    });
  });

  it('then without a Message the caller hears the original intro', async () => {
    const twiml = await doc('Name=standup');
    expect(verbs(twiml)).toEqual(['Say', 'Dial']);
    expect(twiml.children[0]?.text).toBe('You are now entering the conference line.');
  });

  it('then without a Name each line gets its own room, named as the original names it (md5 of Message and moderators)', async () => {
    const room = async (query: string) => only(only(await doc(query), 'Dial'), 'Conference').text;
    const sales = await room('Message=Sales%20line');
    const support = await room('Message=Support%20line&Moderators%5B0%5D=%2B15559990000');
    expect(sales).toBe(createHash('md5').update('Sales line').digest('hex'));
    // Moderators as the original compares them: digits, a leading US 1 dropped.
    expect(support).toBe(createHash('md5').update('Support line5559990000').digest('hex'));
    expect(sales).not.toBe(support);
  });

  it('then with a password it asks for the pass code first, sized to it, asks again after a wrong one and after silence', async () => {
    const ask = await doc('Name=standup&Password=1234');
    expect(verbs(ask)).toEqual(['Gather', 'Redirect']);
    const gather = only(ask, 'Gather');
    expect(gather.attrs).toMatchObject({ numDigits: '4', finishOnKey: '#' });
    expect(new URL(gather.attrs.action as string).searchParams.get('Password')).toBe('1234');
    expect(only(ask, 'Redirect').text).toBe(gather.attrs.action);
    const wrong = await doc('Name=standup&Password=1234', { ...CALL, Digits: '9999' });
    expect(wrong.children[0]?.text).toBe('Sorry, that password is not correct.');
    const right = await doc('Name=standup&Password=1234', { ...CALL, Digits: '1234' });
    expect(verbs(right)).toEqual(['Say', 'Dial']);
  });

  it('then a moderator (as caller or as the number called, matched by digits) starts it; only EndConferenceOnExit makes leaving end it', async () => {
    const conference = async (query: string, body = CALL) => only(only(await doc(query, body), 'Dial'), 'Conference');
    for (const moderator of ['%2B1%20555%20123%204567', '5551234567', '15551234567']) {
      expect((await conference(`Name=standup&Moderators%5B0%5D=${moderator}`)).attrs).toMatchObject({
        startConferenceOnEnter: 'true',
        endConferenceOnExit: 'false',
      });
    }
    const called = await conference('Name=standup&Moderators%5B0%5D=%2B15550006666');
    expect(called.attrs.startConferenceOnEnter).toBe('true');
    const ending = await conference('Name=standup&Moderators%5B0%5D=%2B15551234567&EndConferenceOnExit=true');
    expect(ending.attrs.endConferenceOnExit).toBe('true');
    const guest = await conference('Name=standup&Moderators%5B0%5D=%2B15559990000&EndConferenceOnExit=true');
    expect(guest.attrs).toMatchObject({ startConferenceOnEnter: 'false', endConferenceOnExit: 'false' });
  });

  it('then Music as a genre or a URL plays through our holdmusic with GET; an unknown genre leaves the default', async () => {
    const genre = only(only(await doc('Name=x&Music=classical'), 'Dial'), 'Conference');
    expect(genre.attrs).toMatchObject({
      waitUrl: `${PUBLIC_BASE}/twiml/holdmusic?Bucket=com.twilio.music.classical`,
      waitMethod: 'GET',
    });
    const url = only(only(await doc('Name=x&Music=https%3A%2F%2Fx%2Fwait.mp3'), 'Dial'), 'Conference');
    expect(url.attrs.waitMethod).toBe('GET');
    const waitUrl = new URL(url.attrs.waitUrl as string);
    expect(waitUrl.origin + waitUrl.pathname).toBe(`${PUBLIC_BASE}/twiml/holdmusic`);
    expect(waitUrl.searchParams.get('Urls[0]')).toBe('https://x/wait.mp3');
    const polka = only(only(await doc('Name=x&Music=polka'), 'Dial'), 'Conference');
    expect(polka.attrs.waitUrl).toBeUndefined();
    expect(polka.attrs.waitMethod).toBeUndefined();
  });

  it('then a pass code that no keypad can enter is an apology, not a 400', async () => {
    const res = await signedPost(app, '/twiml/conference?Password=abc', CALL);
    expect(res.status).toBe(200);
    expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup']);
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
        maxSeconds: 120,
      },
      { inputs },
    );
  const dialed = (steps: readonly Step[]) =>
    steps.filter((s) => s.type === 'verb' && s.verb === 'Dial').map((s) => (s as { detail: string }).detail);

  it.each(['true', '1'])(
    'then the right password joins, and with EnableSmsNotifications=%s a guest joining texts the moderator',
    async (flag) => {
      const before = twilioApi.requestsTo('Messages').length;
      const result = await call(
        `Name=standup&Password=1234&EnableSmsNotifications=${flag}&Moderators%5B0%5D=%2B15559990000`,
        [{ digits: '1234' }],
      );
      expect(result.error).toBeUndefined();
      expect(dialed(result.steps)).toEqual(['Conference standup']);
      for (let i = 0; i < 100 && twilioApi.requestsTo('Messages').length === before; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(
        twilioApi
          .requestsTo('Messages')
          .slice(before)
          .map((r) => r.params),
      ).toEqual([
        expect.objectContaining({
          To: '+15559990000',
          Body: '+15551234567 has entered your conference. Call the number this text came from to join.',
        }),
      ]);
    },
  );

  it('then a wrong password and silence are asked again, and a caller who never gets it right is never connected', async () => {
    const result = await call('Name=standup&Password=1234', [{ digits: '1111' }, { digits: '2222' }]);
    expect(dialed(result.steps)).toEqual([]);
    const said = result.steps
      .filter((s) => s.type === 'verb' && s.verb === 'Say')
      .map((s) => (s as { detail: string }).detail);
    expect(said).toContain('"Sorry, that password is not correct."');
    // After the two wrong codes the caller stays silent: asked again and again until they hang up.
    const gathers = result.steps.filter((s) => s.type === 'verb' && s.verb === 'Gather');
    expect(gathers.length).toBeGreaterThan(5);
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => s.type === 'verb').at(-1)).toMatchObject({
      verb: 'Hangup',
      detail: 'the caller hangs up after 120 s',
    });
  });
});
