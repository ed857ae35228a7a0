// The parts around the store, each on its own: what every webhook reports (pure mapping), the spool file
// (append, replay, a torn line, a crash mid-replay), the recorder's budget, and the outbox's sender (composed
// texts, retries with backoff, giving up) against a real SMTP server and the simulator's REST side.
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventContext } from '../src/twilio/webhookEvents';
import type { TwilioParams } from '../src/twilio/twilioParams';
import type { Params } from '../src/http/params';
import type { WebhookRoutes } from '../src/http/routing';
import { callbacksRoutes } from '../routes/callbacks';
import { smsRoutes } from '../routes/sms';
import { voiceRoutes } from '../routes/voice';
import { voicemailTwimletRoutes } from '../routes/twimlets/voicemail';
import { createSenderBudget } from '../src/services/senderBudget';
import { egressPolicyFromConfig } from '../src/policy/fromConfig';
import { testConfig } from './support/config';
import { createNotificationSender, retryDelayMs, MAX_ATTEMPTS } from '../src/services/notifications';
import { createComposer } from '../views/notifications';
import { createRecorder } from '../src/services/recorder';
import { createOutbound } from '../src/services/outbound';
import { createTwilioClient } from '../src/services/twilioClient';
import { createAllowlist } from '../src/policy/phoneNumbers';
import { TwilioApiServer } from '../src/simulator/restServer';
import type { StoreEvent } from '../src/store/events';
import { fileSpool, memorySpool } from '../src/store/spool';
import { openStore, type Store } from '../src/store/store';
import { captureLogs } from './support/logs';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';
import { startSmtp } from './support/smtpServer';

const CALL_SID = `CA${'a'.repeat(32)}`;
const REC_SID = `RE${'b'.repeat(32)}`;
const MSG_SID = `SM${'c'.repeat(32)}`;
const ctx: EventContext = {
  at: '2026-11-24T12:00:00.000Z',
  idempotencyToken: 'tok-1',
  operator: { emails: ['owner@example.com'], sms: '+15559990000' },
  forwardTo: '+15550001234',
};
const call = {
  CallSid: CALL_SID,
  CallStatus: 'in-progress',
  From: '+15551234567',
  To: '+15550006666',
  Direction: 'inbound',
};

/** The app's own route tables: each route declares what it reports. */
const config = testConfig();
const tables: WebhookRoutes = {
  ...voiceRoutes(config, { policy: egressPolicyFromConfig(config), publicBaseUrl: config.publicBaseUrl }),
  ...voicemailTwimletRoutes(config),
  ...smsRoutes(config, createSenderBudget({ perWindow: 1, windowMs: 1000 })),
  ...callbacksRoutes(),
};
/** What a request to `route` reports, by the events its route-table entry declares. */
function webhookEvents(route: string, params: TwilioParams, url: Params, context: EventContext): StoreEvent[] {
  const entry = tables[route];
  if (!entry) throw new Error(`no route ${route}`);
  return entry.events(params, url, context);
}

describe('when a webhook is mapped to store events', () => {
  it('then /voice reports the call, and a malformed CallSid reports nothing', () => {
    expect(webhookEvents('/voice', call, {}, ctx)).toEqual([
      {
        type: 'call-status',
        at: ctx.at,
        callSid: CALL_SID,
        status: 'in-progress',
        direction: 'inbound',
        from: call.From,
        to: call.To,
      },
    ]);
    expect(webhookEvents('/voice', { ...call, CallSid: 'CA123' }, {}, ctx)).toEqual([]);
  });

  it('then a menu choice is a step keyed by the idempotency token, and forwarding names the number', () => {
    const events = webhookEvents('/voice/menu', { ...call, Digits: '1' }, {}, ctx);
    expect(events.slice(1)).toEqual([
      {
        type: 'call-step',
        at: ctx.at,
        callSid: CALL_SID,
        kind: 'menu-choice',
        detail: 'forward',
        key: 'step:tok-1:menu-choice',
      },
      {
        type: 'call-step',
        at: ctx.at,
        callSid: CALL_SID,
        kind: 'forwarded',
        detail: '+15550001234',
        key: 'step:tok-1:forwarded',
      },
    ]);
    const noForward = webhookEvents('/voice/menu', { ...call, Digits: '1' }, {}, { ...ctx, forwardTo: undefined });
    expect(noForward.map((e) => (e.type === 'call-step' ? e.kind : e.type))).toEqual([
      'call-status',
      'menu-choice',
      'forward-unavailable',
    ]);
    const untokened = webhookEvents(
      '/voice/menu',
      { ...call, Digits: '9' },
      {},
      { ...ctx, idempotencyToken: undefined },
    );
    expect(untokened[1]).toEqual({
      type: 'call-step',
      at: ctx.at,
      callSid: CALL_SID,
      kind: 'menu-choice',
      detail: 'not understood',
    });
  });

  it('then the dial outcome says whether the forwarded leg was bridged', () => {
    const [, step] = webhookEvents(
      '/voice/dial-status',
      { ...call, DialCallStatus: 'completed', DialBridged: 'false' },
      {},
      ctx,
    );
    expect(step).toMatchObject({ kind: 'dial-outcome', detail: 'completed, not bridged' });
  });

  it.each([
    ['a message', { RecordingDuration: '7' }, false, ['call-status', 'voicemail']],
    ['silence', { RecordingDuration: '0' }, true, ['call-status', 'voicemail']],
    [
      'a hang-up while recording',
      { RecordingDuration: '3', Digits: 'hangup' },
      false,
      ['call-status', 'voicemail', 'call-step'],
    ],
  ])('then Record’s action with %s is a voicemail (silent: %s)', (_, extra, silent, types) => {
    const events = webhookEvents(
      '/voice/voicemail',
      { ...call, RecordingSid: REC_SID, RecordingUrl: `https://api.twilio.com/x/${REC_SID}`, ...extra },
      {},
      ctx,
    );
    expect(events.map((e) => e.type)).toEqual(types);
    expect(events[1]).toMatchObject({
      type: 'voicemail',
      recordingSid: REC_SID,
      silent,
      source: 'menu',
      audience: ctx.operator,
    });
  });

  it('then the twimlet notifies its own valid Email addresses with the operator’s, and its transcript comes back as one', () => {
    const url = { Email: 'a@example.com, not-an-address,owner@example.com' };
    const [, voicemail] = webhookEvents(
      '/twiml/voicemail',
      { ...call, RecordingSid: REC_SID, RecordingUrl: 'https://x', RecordingDuration: '5' },
      url,
      ctx,
    );
    expect(voicemail).toMatchObject({
      source: 'twimlet',
      audience: { emails: ['a@example.com', 'owner@example.com'], sms: '+15559990000' },
    });
    expect(webhookEvents('/twiml/voicemail', call, url, ctx).map((e) => e.type)).toEqual(['call-status']);
    // What the route answers with its greeting (no recording reported) is recorded as the call alone.
    expect(webhookEvents('/twiml/voicemail', { ...call, RecordingUrl: '' }, url, ctx).map((e) => e.type)).toEqual([
      'call-status',
    ]);
    const hungUp = webhookEvents('/twiml/voicemail', { ...call, Digits: 'hangup' }, url, ctx);
    expect(hungUp.map((e) => (e.type === 'call-step' ? e.kind : e.type))).toEqual([
      'call-status',
      'voicemail-absent',
      'hung-up',
    ]);
    const transcript = webhookEvents(
      '/twiml/voicemail',
      { ...call, RecordingSid: REC_SID, TranscriptionStatus: 'completed', TranscriptionText: 'hi' },
      url,
      ctx,
    );
    expect(transcript).toEqual([
      expect.objectContaining({ type: 'transcript', recordingSid: REC_SID, text: 'hi', status: 'completed' }),
    ]);
  });

  it('then an inbound text keeps its body and media, and status callbacks keep their codes', () => {
    const [sms] = webhookEvents(
      '/sms',
      {
        MessageSid: MSG_SID,
        From: '+15551234567',
        To: '+15550006666',
        Body: 'Hi',
        NumMedia: '2',
        MediaUrl0: 'https://m/0',
        MediaUrl1: 'https://m/1',
      },
      {},
      ctx,
    );
    expect(sms).toMatchObject({
      type: 'message',
      direction: 'inbound',
      body: 'Hi',
      mediaUrls: ['https://m/0', 'https://m/1'],
      status: 'received',
    });
    expect(
      webhookEvents(
        '/callbacks/message-status',
        { MessageSid: MSG_SID, MessageStatus: 'undelivered', ErrorCode: '30003' },
        {},
        ctx,
      ),
    ).toEqual([{ type: 'message-status', at: ctx.at, messageSid: MSG_SID, status: 'undelivered', errorCode: '30003' }]);
    expect(
      webhookEvents('/callbacks/call-status', { ...call, CallStatus: 'completed', CallDuration: '42' }, {}, ctx),
    ).toEqual([expect.objectContaining({ type: 'call-status', status: 'completed', durationSeconds: 42 })]);
    expect(webhookEvents('/callbacks/recording', { ...call, RecordingSid: REC_SID }, {}, ctx)).toEqual([]);
  });
});

const event: StoreEvent = { type: 'call-status', at: ctx.at, callSid: CALL_SID, status: 'ringing' };

describe('when events wait in the spool file', () => {
  const dir = () => mkdtempSync(path.join(os.tmpdir(), 'spool-'));

  it('then they are kept with mode 0600, replayed oldest first, and the file is gone afterwards', async () => {
    const file = path.join(dir(), 'a.spool');
    const spool = fileSpool(file);
    spool.append([event]);
    spool.append([{ ...event, status: 'completed' }]);
    expect(spool.pending()).toBe(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const seen: string[] = [];
    const result = await spool.replay(async (events) => void seen.push((events[0] as { status: string }).status));
    expect(result).toEqual({ replayed: 2, left: 0, unreadable: 0, dead: [] });
    expect(seen).toEqual(['ringing', 'completed']);
    expect(spool.pending()).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('then pending() is a count kept as batches come and go, not a read of the file on every health probe', async () => {
    const file = path.join(dir(), 'c.spool');
    const spool = fileSpool(file);
    for (let i = 0; i < 5; i++) spool.append([event]);
    expect(spool.pending()).toBe(5);
    // Lines added behind its back are not seen by pending() (it does not read the file)…
    writeFileSync(file, `${readFileSync(file, 'utf8')}${JSON.stringify([event])}\n`);
    expect(spool.pending()).toBe(5);
    // …until the next replay, which reads the file anyway and counts what it leaves.
    let n = 0;
    const result = await spool.replay(async () => {
      if (++n > 2) throw new Error('down again');
    });
    expect(result).toMatchObject({ replayed: 2, left: 4 });
    expect(spool.pending()).toBe(4);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4);
    // A new process (after a restart) counts from the files once.
    expect(fileSpool(file).pending()).toBe(4);
  });

  it('then a failure keeps the rest for later, a torn line is dead-lettered and counted, and a crash mid-replay is finished next time', async () => {
    const file = path.join(dir(), 'b.spool');
    const spool = fileSpool(file);
    spool.append([event]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"torn":\n`, { flag: 'w' });
    spool.append([{ ...event, status: 'completed' }]);
    let calls = 0;
    const failing = await spool.replay(async () => {
      calls++;
      throw new Error('still down');
    });
    expect(failing).toEqual({ replayed: 0, left: 2, unreadable: 1, dead: [] });
    expect(spool.deadLettered()).toBe(1); // the torn line, kept aside with its reason
    expect(calls).toBe(1);
    expect(spool.pending()).toBe(2);
    // A replay that was cut short (the process died) left its working file behind: it is finished first.
    writeFileSync(`${file}.replaying`, `${JSON.stringify([{ ...event, status: 'queued' }])}\n`);
    const seen: string[] = [];
    await spool.replay(async (events) => void seen.push((events[0] as { status: string }).status));
    expect(seen).toEqual(['queued']);
    await spool.replay(async (events) => void seen.push((events[0] as { status: string }).status));
    expect(seen).toEqual(['queued', 'ringing', 'completed']);
  });
});

describe('when the recorder writes within its budget', () => {
  it('then a store slower than the budget does not hold the caller: the events are spooled, then replayed', async () => {
    const store = openStore('sqlite::memory:');
    await store.ready();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Store = { ...store, apply: async (events, compose) => gate.then(() => store.apply(events, compose)) };
    const logs = captureLogs();
    const spool = memorySpool();
    const recorder = createRecorder({ store: slow, spool, compose: () => [], logger: logs.logger, budgetMs: 50 });
    const started = Date.now();
    await recorder.record([event]);
    expect(Date.now() - started).toBeLessThan(500);
    expect(recorder.state()).toEqual({ degraded: true, spooled: 1, deadLettered: 0 });
    expect(logs.entries().find((e) => e.msg === 'store write failed: events spooled for replay')).toMatchObject({
      sids: [CALL_SID],
      reason: 'no answer within 50 ms',
    });
    release();
    await recorder.replay();
    expect(recorder.state()).toEqual({ degraded: false, spooled: 0, deadLettered: 0 });
    expect((await store.queries.getCall(CALL_SID))?.status).toBe('ringing');
    await store.close();
  });
});

describe('when the store fails, what reaches the logs (property, seeded)', () => {
  it('then no phone number, text or address of an event ever does: SIDs and reasons only', async () => {
    const e164 = fc.integer({ min: 2_000_000_000, max: 9_999_999_999 }).map((n) => `+1${n}`);
    const text = fc.string({ minLength: 6, maxLength: 40 }).filter((t) => t.trim().length >= 6 && !/["\\]/.test(t));
    const failing: Store = {
      ...openStore('sqlite::memory:'),
      apply: async () => {
        throw Object.assign(new Error(`insert failed for +15551234567 saying "secret"`), { code: 'SQLITE_IOERR' });
      },
    };
    await fc.assert(
      fc.asyncProperty(e164, e164, text, fc.emailAddress(), async (from, to, body, email) => {
        const logs = captureLogs();
        const recorder = createRecorder({
          store: failing,
          spool: memorySpool(),
          compose: () => [],
          logger: logs.logger,
          budgetMs: 50,
        });
        await recorder.record([
          {
            type: 'message',
            at: ctx.at,
            messageSid: MSG_SID,
            direction: 'inbound',
            from,
            to,
            body,
            mediaUrls: [],
            status: 'received',
            audience: { emails: [email], sms: to },
          },
          {
            type: 'voicemail',
            at: ctx.at,
            recordingSid: REC_SID,
            callSid: CALL_SID,
            from,
            to,
            silent: false,
            source: 'menu',
            audience: { emails: [email] },
          },
        ]);
        const logged = logs.text();
        expect(logged).toContain(MSG_SID);
        expect(logged).toContain('SQLITE_IOERR');
        for (const secret of [from, to, body, email, '+15551234567', 'secret']) expect(logged).not.toContain(secret);
      }),
      { seed: 424242, numRuns: 100 },
    );
  });
});

describe('when the outbox sends notifications', () => {
  it('then texts say who, what and where to open it', () => {
    const compose = createComposer({ inboxOrigin: 'https://voice.example.com' });
    const drafts = compose(
      {
        kind: 'message',
        event: {
          type: 'message',
          at: ctx.at,
          messageSid: MSG_SID,
          direction: 'inbound',
          from: '+15551234567',
          to: '+15550006666',
          body: 'Open Sunday?',
          mediaUrls: [],
          status: 'received',
        },
      },
      { emails: ['a@example.com', 'a@example.com'], sms: '+15559990000' },
    );
    expect(drafts.map((d) => [d.channel, d.recipients, d.subject])).toEqual([
      ['email', 'a@example.com', 'New text from +15551234567'],
      ['sms', '+15559990000', 'New text from +15551234567'],
    ]);
    expect(drafts[0]?.body).toContain('Open: https://voice.example.com/inbox/messages/%2B15551234567');
    expect(drafts[1]?.body).toBe('Text from +15551234567: Open Sunday?');
  });

  it("then a voicemail's text gives its length, the time in the operator's zone and the link that opens it, not Twilio's URL", () => {
    const compose = createComposer({ inboxOrigin: 'https://voice.example.com', timeZone: 'Europe/Paris' });
    const drafts = compose(
      {
        kind: 'voicemail',
        id: 12,
        event: {
          type: 'voicemail',
          at: '2026-12-03T13:05:00.000Z',
          recordingSid: `RE${'0'.repeat(32)}`,
          recordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE${'0'.repeat(32)}`,
          durationSeconds: 7,
          from: '+15551234567',
          silent: false,
          source: 'menu',
          audience: { emails: [] },
        },
      } as Parameters<typeof compose>[0],
      { emails: ['a@example.com'], sms: '+15559990000' },
    );
    const [email, sms] = drafts;
    expect(sms?.body).toBe(
      'New voicemail from +15551234567, 7 s, Thu, Dec 3, 2026, 2:05 PM GMT+1: https://voice.example.com/inbox/voicemails/12',
    );
    expect(email?.body).toContain('Received: Thu, Dec 3, 2026, 2:05 PM GMT+1');
    expect(email?.body).toContain('Open: https://voice.example.com/inbox/voicemails/12');
  });

  it('then retries back off from 30 s to at most an hour', () => {
    expect([1, 2, 3, 8, 20].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 3_600_000, 3_600_000]);
  });

  it('then an SMTP server that refuses for now is retried, one that refuses for good is given up, and an SMS outside the allow-list fails at once', async () => {
    const smtp = await startSmtp();
    const twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    const store = openStore('sqlite::memory:');
    const logs = captureLogs();
    let now = new Date(ctx.at);
    const outbound = createOutbound({
      client: createTwilioClient({
        accountSid: TEST_ACCOUNT_SID,
        authToken: TEST_AUTH_TOKEN,
        baseUrl: twilioApi.url,
        timeoutMs: 2000,
        maxRetries: 0,
      }),
      from: '+15550006666',
      publicBaseUrl: 'https://voice.example.com',
      allowlist: createAllowlist(['+1555999*']),
      logger: logs.logger,
    });
    const compose = createComposer({});
    const voicemail = (n: number, sms: string): StoreEvent => ({
      type: 'voicemail',
      at: ctx.at,
      recordingSid: `RE${String(n).padStart(32, '0')}`,
      from: '+15551234567',
      silent: false,
      source: 'menu',
      audience: { emails: ['owner@example.com'], sms },
    });
    await store.apply([voicemail(1, '+15559990000'), voicemail(2, '+15550000000')], compose);
    const senderThrough = (smtpUrl: string) =>
      createNotificationSender({
        outbox: store.outbox,
        smtpUrl,
        fromEmail: 'vm@example.com',
        outbound,
        logger: logs.logger,
        intervalMs: 60_000,
        now: () => now,
      });
    await senderThrough('smtp://127.0.0.1:9').runOnce();
    const after = (await store.outbox.list({ limit: 200 })).items;
    const byTopic = (topic: string, channel: string) => after.find((n) => n.topic === topic && n.channel === channel);
    expect(byTopic('voicemail:1', 'sms')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(byTopic('voicemail:2', 'sms')).toMatchObject({ status: 'failed', last_error: 'destination_not_allowed' });
    expect(byTopic('voicemail:1', 'email')).toMatchObject({
      status: 'pending',
      attempts: 1,
      next_attempt_at: '2026-11-24T12:00:30.000Z',
    });
    expect(twilioApi.requestsTo('Messages').map((r) => r.params.To)).toEqual(['+15559990000']);

    // The same rows against a working SMTP server, once their retry is due: each e-mail is sent once.
    const working = senderThrough(smtp.url);
    await working.runOnce();
    expect(smtp.received).toHaveLength(0);
    now = new Date(Date.parse(ctx.at) + 30_000);
    await Promise.all([working.runOnce(), working.runOnce()]);
    await smtp.waitFor(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(smtp.received).toHaveLength(2);
    expect((await store.outbox.list({ status: 'sent', limit: 200 })).items.length).toBe(3);
    expect(logs.text()).not.toContain('+15550000000');
    expect(MAX_ATTEMPTS).toBe(8);
    await Promise.all([smtp.close(), twilioApi.close(), store.close()]);
  });

  it('then an e-mail that keeps failing for now is tried MAX_ATTEMPTS times, each when due, then given up for good', async () => {
    const store = openStore('sqlite::memory:');
    const logs = captureLogs();
    let now = Date.parse(ctx.at);
    const event: StoreEvent = {
      type: 'voicemail',
      at: ctx.at,
      recordingSid: `RE${'9'.repeat(32)}`,
      from: '+15551234567',
      silent: false,
      source: 'menu',
      audience: { emails: ['owner@example.com'] },
    };
    await store.apply([event], createComposer({}));
    const sender = createNotificationSender({
      outbox: store.outbox,
      smtpUrl: 'smtp://127.0.0.1:9', // nothing listens: a failure that may pass
      fromEmail: 'vm@example.com',
      outbound: createOutbound({
        client: undefined,
        from: undefined,
        publicBaseUrl: undefined,
        allowlist: createAllowlist([]),
        logger: logs.logger,
      }),
      logger: logs.logger,
      intervalMs: 60_000,
      now: () => new Date(now),
    });
    const row = async () => (await store.outbox.list({ limit: 10 })).items[0];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await sender.runOnce();
      expect(await row()).toMatchObject({ attempts: attempt, status: attempt < MAX_ATTEMPTS ? 'pending' : 'failed' });
      await sender.runOnce(); // not due yet: not tried again
      expect((await row())?.attempts).toBe(attempt);
      now += retryDelayMs(attempt);
    }
    now += 24 * 3_600_000;
    await sender.runOnce(); // given up: never tried again
    expect(await row()).toMatchObject({
      attempts: MAX_ATTEMPTS,
      status: 'failed',
      last_error: expect.stringMatching(/^SMTP /),
    });
    await store.close();
  });
});
