// The store end to end, over real HTTP and real databases (SQLite always, PostgreSQL with TEST_DATABASE_URL):
// the simulator plays Twilio (signed webhooks, callbacks, REST side), a local SMTP server receives the
// operator's e-mail, and the API answers from the store.
import SQLite from 'better-sqlite3';
import { getExpectedTwilioSignature } from 'twilio';
import { backgroundOf } from '../src/app';
import { TwilioApiServer } from '../src/simulator/restServer';
import { runInboundSms } from '../src/simulator/inboundSms';
import type { CallScript } from '../src/simulator/voiceCall';
import { callFromCaller } from './support/calls';
import { sqliteFileOf } from '../src/store/database';
import { startAppServer, type RunningApp } from './support/appServer';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';
import { BACKENDS, reportPostgresSkip, type TestDatabase } from './support/databases';
import { startSmtp, type LocalSmtp } from './support/smtpServer';
import { startTcpProxy } from './support/tcpProxy';

const API_TOKEN = 'e2e-store-token-0123456789abcdef0123456789';
const CALLER = '+15551234567';
const OUR_NUMBER = '+15550006666';
const OPERATOR_MOBILE = '+15559990000';

reportPostgresSkip('the store end-to-end suite');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(BACKENDS)('when the server keeps its memory on $name', (backend) => {
  let database: TestDatabase;
  let smtp: LocalSmtp;
  let twilioApi: TwilioApiServer;
  let server: RunningApp;

  const env = (databaseUrl: string) => ({
    DATABASE_URL: databaseUrl,
    API_TOKEN,
    SMTP_URL: smtp.url,
    VOICEMAIL_FROM_EMAIL: 'voicemail@example.com',
    NOTIFY_EMAIL: 'owner@example.com',
    NOTIFY_SMS: OPERATOR_MOBILE,
    OUTBOUND_ALLOWLIST: '+1555*',
    VOICEMAIL_TRANSCRIBE: 'true',
    TWILIO_API_BASE_URL: twilioApi.url,
    TWILIO_PHONE_NUMBER: OUR_NUMBER,
  });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
  const json = async (path: string) => (await api(path)).json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const inboundCall = (path: string, script: CallScript, to: RunningApp = server) =>
    callFromCaller(to, twilioApi, path, script, { from: CALLER, to: OUR_NUMBER });

  beforeEach(async () => {
    database = await backend.create();
    smtp = await startSmtp();
    twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, execute: {} });
    server = await startAppServer(env(database.url));
    await backgroundOf(server.app).start();
  });
  afterEach(async () => {
    await server.close();
    await twilioApi.close();
    await smtp.close();
    await database.drop();
  });

  it('then a voicemail left through the main menu is listed with its transcript, e-mailed, texted, and plays', async () => {
    const call = await inboundCall('/voice', {
      inputs: [{ digits: '2' }],
      recordSeconds: 6,
      transcription: 'Please call me back about the invoice.',
    });
    expect(call.error).toBeUndefined();
    const voicemail = await until('the transcript', async () => {
      const page = await json('/api/voicemails');
      return page.items[0]?.transcript ? page.items[0] : undefined;
    });
    expect(voicemail).toMatchObject({
      callSid: call.callSid,
      from: CALLER,
      to: OUR_NUMBER,
      durationSeconds: 6,
      silent: false,
      source: 'menu',
      transcript: 'Please call me back about the invoice.',
      listened: false,
    });
    const mails = await smtp.waitFor(2);
    expect(mails.map((m) => m.subject).sort()).toEqual([
      `New voicemail from ${CALLER}`,
      `Voicemail transcript from ${CALLER}`,
    ]);
    expect(mails.every((m) => m.to === 'owner@example.com')).toBe(true);
    expect(mails.find((m) => m.subject.startsWith('Voicemail transcript'))?.text).toContain(
      `Open: ${server.url}/inbox/voicemails/${voicemail.id}`,
    );
    const texts = await until('both texts to the operator', async () => {
      const sent = twilioApi.requestsTo('Messages').filter((r) => r.params.To === OPERATOR_MOBILE);
      return sent.length === 2 ? sent : undefined;
    });
    expect(texts.map((t) => String(t.params.Body).split(/[,:]/)[0]).sort()).toEqual([
      `New voicemail from ${CALLER}`,
      `Voicemail transcript from ${CALLER}`,
    ]);
    // The voicemail's text opens that voicemail in the inbox.
    expect(texts.map((t) => String(t.params.Body)).find((b) => b.startsWith('New voicemail'))).toMatch(
      new RegExp(`: ${server.url}/inbox/voicemails/${voicemail.id}$`),
    );

    const stored = await json(`/api/calls/${call.callSid}`);
    expect(stored).toMatchObject({ status: 'completed', direction: 'inbound', from: CALLER, source: 'store' });
    expect(
      stored.path.map((s: { kind: string; detail: string | null }) => `${s.kind} ${s.detail ?? ''}`.trim()),
    ).toEqual(['menu-choice voicemail', `voicemail ${voicemail.recordingSid}`]);

    const audio = await api(`/api/voicemails/${voicemail.id}/audio`);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect((await audio.arrayBuffer()).byteLength).toBe(6 * 38 * 417);
    const part = await api(`/api/voicemails/${voicemail.id}/audio`, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${6 * 38 * 417}`);
    expect(Buffer.from(await part.arrayBuffer()).readUInt32BE(0)).toBe(0xfffb9064);
    expect(twilioApi.requestsTo('Recordings').every((r) => r.username === TEST_ACCOUNT_SID)).toBe(true);

    expect((await api(`/api/voicemails/${voicemail.id}/listened`, { method: 'POST' })).status).toBe(204);
    expect(await json(`/api/voicemails/${voicemail.id}`)).toMatchObject({ listened: true });
    expect((await api('/api/voicemails/999999')).status).toBe(404);
  });

  it('then a voicemail left through the twimlet reaches its Email list and the operator, and silence is kept but not announced', async () => {
    const call = await inboundCall('/twiml/voicemail?Email=second%40example.com', { recordSeconds: 4 });
    expect(call.error).toBeUndefined();
    // The twimlet transcribes unless told not to: the recording's notice, then the transcript's.
    const mails = await smtp.waitFor(2);
    expect(mails.map((m) => m.to)).toEqual([
      'second@example.com, owner@example.com',
      'second@example.com, owner@example.com',
    ]);
    const page = await json('/api/voicemails');
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ source: 'twimlet', durationSeconds: 4, callSid: call.callSid });

    const silent = await inboundCall('/twiml/voicemail', { recordSeconds: 0 });
    expect(silent.error).toBeUndefined();
    await until('the silent recording', async () => {
      const all = await json('/api/voicemails?include=silent');
      return all.items.length === 2 ? all : undefined;
    });
    expect((await json('/api/voicemails')).items).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.received).toHaveLength(2);
  });

  it('then an inbound text is listed and forwarded to the operator', async () => {
    const sms = await runInboundSms({
      url: `${server.url}/sms`,
      from: CALLER,
      to: OUR_NUMBER,
      body: 'Is the shop open on Sunday?',
      mediaUrls: ['https://media.example.com/photo.jpg'],
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
    });
    expect(sms.error).toBeUndefined();
    const page = await json('/api/messages?direction=inbound');
    expect(page.items).toEqual([
      expect.objectContaining({
        sid: sms.messageSid,
        from: CALLER,
        to: OUR_NUMBER,
        body: 'Is the shop open on Sunday?',
        mediaUrls: ['https://media.example.com/photo.jpg'],
        status: 'received',
      }),
    ]);
    const forwarded = await until('the forwarded text', async () =>
      twilioApi.requestsTo('Messages').find((r) => r.params.To === OPERATOR_MOBILE),
    );
    expect(forwarded.params.Body).toBe(`Text from ${CALLER}: Is the shop open on Sunday?`);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.text).toContain('Is the shop open on Sunday?');
  });

  it('then a call placed through the API ends with the final status its callbacks reported', async () => {
    const created = await api('/api/calls', { method: 'POST', body: JSON.stringify({ to: CALLER, message: 'Hello' }) });
    expect(created.status).toBe(201);
    const { sid } = (await created.json()) as { sid: string };
    await twilioApi.idle();
    const before = twilioApi.requests.length;
    const call = await until('the completed call', async () => {
      const stored = await json(`/api/calls/${sid}`);
      return stored.status === 'completed' ? stored : undefined;
    });
    expect(call).toMatchObject({ direction: 'outbound-api', to: CALLER, from: OUR_NUMBER, source: 'store' });
    expect(call.durationSeconds).toEqual(expect.any(Number));
    // Final in the store: Twilio was not asked again.
    expect(twilioApi.requests.slice(before).filter((r) => r.path.includes(sid))).toEqual([]);
  });

  it('then the same callback delivered twice, to two instances sharing the store, is stored once', async () => {
    const second = await startAppServer(env(database.url));
    try {
      const messageSid = `SM${'7'.repeat(32)}`;
      const deliver = async (target: RunningApp, params: Record<string, string>, token: string) => {
        const url = `${target.url}/callbacks/message-status`;
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'X-Twilio-Signature': getExpectedTwilioSignature(TEST_AUTH_TOKEN, url, params),
            'I-Twilio-Idempotency-Token': token,
          },
          body: new URLSearchParams(params),
        });
        expect(res.status).toBe(204);
      };
      const sent = { MessageSid: messageSid, MessageStatus: 'sent', AccountSid: TEST_ACCOUNT_SID };
      const delivered = { ...sent, MessageStatus: 'delivered' };
      // Each status reaches both instances at once (and again later); they arrive in order, as Twilio sends them.
      await Promise.all([deliver(server, sent, 't1'), deliver(second, sent, 't1')]);
      await Promise.all([deliver(server, delivered, 't2'), deliver(second, delivered, 't2')]);
      await Promise.all([deliver(second, sent, 't1'), deliver(server, delivered, 't2')]);
      const stored = await json(`/api/messages/${messageSid}`);
      expect(stored.status).toBe('delivered');
      expect(stored.statuses.map((s: { status: string }) => s.status)).toEqual(['sent', 'delivered']);
    } finally {
      await second.close();
    }
  });

  it('then with the store unavailable mid-call the caller hears the same TwiML, and the events are recovered', async () => {
    // A second server whose database goes away on demand: PostgreSQL behind a proxy that is cut, SQLite
    // locked by another connection's exclusive transaction.
    let outage: { start(): Promise<void>; end(): Promise<void>; close(): Promise<void> };
    let url = database.url;
    if (backend.name === 'postgres') {
      const target = new URL(url);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      target.host = `127.0.0.1:${proxy.port}`;
      url = target.toString();
      outage = { start: proxy.cut, end: proxy.restore, close: proxy.close };
    } else {
      const locker = new SQLite(sqliteFileOf(url));
      outage = {
        start: async () => void locker.exec('BEGIN EXCLUSIVE'),
        end: async () => void locker.exec('COMMIT'),
        close: async () => void locker.close(),
      };
    }
    const flaky = await startAppServer(env(url));
    try {
      await backgroundOf(flaky.app).start();
      const healthy = await fetch(`${flaky.url}/voice`, {
        method: 'POST',
        headers: { 'X-Twilio-Signature': getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${flaky.url}/voice`, {}) },
      });
      const expected = await healthy.text();

      await outage.start();
      const call = await inboundCall('/voice', { inputs: [{ digits: '2' }], recordSeconds: 5 }, flaky);
      expect(call.error).toBeUndefined();
      expect(call.status).toBe('completed');
      const first = call.steps.find((s) => s.type === 'request');
      expect(first).toMatchObject({ status: 200 });
      const unchanged = await fetch(`${flaky.url}/voice`, {
        method: 'POST',
        headers: { 'X-Twilio-Signature': getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${flaky.url}/voice`, {}) },
      });
      expect(await unchanged.text()).toBe(expected);
      const health = (await (await fetch(`${flaky.url}/healthz`)).json()) as { store: string; spooled: number };
      expect(health).toMatchObject({ store: 'degraded' });
      expect(health.spooled).toBeGreaterThan(0);
      expect((await fetch(`${flaky.url}/readyz`)).status).toBe(503);
      expect(flaky.logs.entries().some((e) => e.msg === 'store write failed: events spooled for replay')).toBe(true);
      expect(flaky.logs.text()).not.toContain(CALLER);

      await outage.end();
      await backgroundOf(flaky.app).replaySpool();
      await twilioApi.idle();
      expect((await fetch(`${flaky.url}/readyz`)).status).toBe(200);
      const recovered = await json(`/api/calls/${call.callSid}`);
      expect(recovered).toMatchObject({ status: 'completed', from: CALLER });
      expect((await json('/api/voicemails')).items.map((v: { callSid: string }) => v.callSid)).toEqual([call.callSid]);
      await smtp.waitFor(1);
    } finally {
      await flaky.close();
      await outage.close();
    }
  });
});
