// The SMS auto-reply at /sms, on parsed TwiML.
import { createApp } from '../src/app';
import { testConfig } from './support/config';
import { signedGet, signedPost } from './support/signing';
import { only, parseTwiml } from './support/twiml';
import { LOCAL_REDIS_URL, closedPort, redisUp } from './support/redis';
import { AUTO_REPLIES_PER_SENDER } from '../src/messaging/senderLimits';

const SMS = {
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  From: '+15551234567',
  To: '+15550006666',
  NumMedia: '0',
};
// A new app for each test: each gives the sender a new hour's budget of auto-replies.
let app: ReturnType<typeof createApp>;
beforeEach(() => {
  app = createApp(testConfig({ SMS_REPLY: 'Hi {From}, you said: {Body}' }));
});

async function reply(
  params: Record<string, string>,
  target?: ReturnType<typeof createApp>,
): Promise<string | undefined> {
  const res = await signedPost(target ?? app, '/sms', { ...SMS, ...params });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
  const doc = parseTwiml(res.text);
  if (doc.children.length === 0) return undefined;
  return only(doc, 'Message').text;
}

describe('when an SMS arrives at /sms', () => {
  it('then the configured reply is sent with {From} and {Body} filled in', async () => {
    expect(await reply({ Body: 'hello' })).toBe('Hi +15551234567, you said: hello');
  });

  it('then XML metacharacters in the body are escaped by the builder and come back intact', async () => {
    const res = await signedPost(app, '/sms', { ...SMS, Body: '<Hangup/> & "quotes" \'x\'' });
    expect(res.text).not.toContain('<Hangup/>');
    expect(only(parseTwiml(res.text), 'Message').text).toBe('Hi +15551234567, you said: <Hangup/> & "quotes" \'x\'');
  });

  it('then a body containing a placeholder is not expanded a second time', async () => {
    expect(await reply({ Body: '{From}' })).toBe('Hi +15551234567, you said: {From}');
  });

  it.each([['HELP'], ['help'], ['  Help  '], ['INFO']])(
    'then %p gets no reply by default: on a long code Twilio answers it itself (a second reply would be billed)',
    async (body) => {
      expect(await reply({ Body: body })).toBeUndefined();
    },
  );

  it.each([['HELP'], ['help'], ['  Help  '], ['INFO']])(
    'then with SMS_ANSWER_HELP=true (a short code) %p gets our help text',
    async (body) => {
      const shortCode = createApp(testConfig({ SMS_ANSWER_HELP: 'true' }));
      expect(await reply({ Body: body }, shortCode)).toBe(
        'Reply with any message and we will get back to you. Reply STOP to opt out.',
      );
    },
  );

  it('then a message with media is acknowledged', async () => {
    expect(await reply({ Body: '', NumMedia: '2', MediaUrl0: 'https://api.twilio.com/m/1' })).toBe(
      'Thanks, we received your attachment.',
    );
  });

  it.each([[''], ['   ']])('then a blank body gets an empty <Response/>', async (body) => {
    expect(await reply({ Body: body })).toBeUndefined();
  });

  it.each([['STOP'], ['stop'], ['Unsubscribe'], ['START'], ['YES'], ['yes'], ['Unstop']])(
    'then the keyword %p, which Twilio answers itself, gets an empty <Response/>',
    async (body) => {
      expect(await reply({ Body: body })).toBeUndefined();
    },
  );

  it('then a GET works like a POST', async () => {
    const res = await signedGet(app, '/sms', { ...SMS, Body: 'hello' });
    expect(only(parseTwiml(res.text), 'Message').text).toBe('Hi +15551234567, you said: hello');
  });

  it('then a non-numeric NumMedia is treated as no media', async () => {
    expect(await reply({ Body: 'hey', NumMedia: 'lots' })).toBe('Hi +15551234567, you said: hey');
  });
});

describe('when one number keeps texting (a flood: Twilio bills every reply)', () => {
  // A number of this run's own: with Redis, the counts outlive the test.
  const flooder = `+1555${String(Date.now()).slice(-7)}`;
  const replies = async (apps: ReturnType<typeof createApp>[], from: string, count: number) => {
    const answered: boolean[] = [];
    for (let i = 0; i < count; i++) {
      const target = apps[i % apps.length];
      answered.push((await reply({ From: from, Body: `text ${i}` }, target)) !== undefined);
    }
    return answered;
  };
  const stopAll = async (apps: ReturnType<typeof createApp>[]) => {
    const { backgroundOf } = jest.requireActual<typeof import('../src/app')>('../src/app');
    await Promise.all(apps.map((a) => backgroundOf(a).stop()));
  };

  it(`then it gets ${AUTO_REPLIES_PER_SENDER} auto-replies in the hour and empty answers after, while another number still gets its reply`, async () => {
    expect(await replies([app], flooder, 10)).toEqual([...Array(10).keys()].map((i) => i < AUTO_REPLIES_PER_SENDER));
    expect(await reply({ From: '+15550001111', Body: 'hi' })).toBe('Hi +15550001111, you said: hi');
  });

  it('then two instances sharing Redis share the bound (SKIP without Redis on 127.0.0.1:6379)', async () => {
    if (!(await redisUp())) {
      console.warn('SKIP: shared auto-reply bound: no Redis on 127.0.0.1:6379'); // eslint-disable-line no-console
      return;
    }
    const config = testConfig({ SMS_REPLY: 'Hi {From}, you said: {Body}', REDIS_URL: LOCAL_REDIS_URL });
    const apps = [createApp(config), createApp(config)];
    try {
      expect(await replies(apps, `${flooder.slice(0, -1)}9`, 8)).toEqual(
        [...Array(8).keys()].map((i) => i < AUTO_REPLIES_PER_SENDER),
      );
    } finally {
      await stopAll(apps);
    }
  });

  it('then a Redis that does not answer does not lift the bound: the instance counts by itself', async () => {
    const config = testConfig({ SMS_REPLY: 'Hi', REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const apps = [createApp(config)];
    try {
      expect(await replies(apps, flooder, 6)).toEqual([...Array(6).keys()].map((i) => i < AUTO_REPLIES_PER_SENDER));
    } finally {
      await stopAll(apps);
    }
  });
});
