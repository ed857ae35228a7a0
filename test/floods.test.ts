// Floods on real databases (SQLite always, PostgreSQL with TEST_DATABASE_URL): one number's texts are
// announced one by one only up to ANNOUNCED_TEXTS_PER_SENDER a window, the rest in one digest sent when the
// window ends, every text still stored; and a voicemail is sent before any backlog of texts. With the real
// composer, through the store and through the app's /sms webhook.
import { createApp, backgroundOf } from '../src/app';
import { createComposer } from '../views/notifications';
import { ANNOUNCED_TEXTS_PER_SENDER, SENDER_WINDOW_MS, windowStart } from '../src/messaging/senderLimits';
import type { StoreEvent } from '../src/store/events';
import { openStore } from '../src/store/store';
import { openDatabase } from '../src/store/database';
import { migrate, migrationsFor } from '../src/store/migrations';
import { Migrator, type Kysely, type Migration } from 'kysely';
import { testConfig } from './support/config';
import { BACKENDS, reportPostgresSkip, storeOn } from './support/databases';
import { signedPost } from './support/signing';

const compose = createComposer({ inboxOrigin: 'https://example.test', timeZone: 'UTC' });
const audience = { emails: ['owner@example.com'], sms: '+15559990000' };
/** An hour's window starts at 12:00 UTC; `second` seconds into it. */
const HOUR = Date.UTC(2026, 11, 4, 12, 0, 0);
const at = (second: number) => new Date(HOUR + second * 1000).toISOString();
const sid = (prefix: string, n: number) => `${prefix}${String(n).padStart(32, '0')}`;

const text = (n: number, from: string, second: number): StoreEvent => ({
  type: 'message',
  at: at(second),
  messageSid: sid('SM', n),
  direction: 'inbound',
  from,
  to: '+15550006666',
  body: `text number ${n}`,
  mediaUrls: [],
  status: 'received',
  audience,
});
const voicemail = (second: number): StoreEvent => ({
  type: 'voicemail',
  at: at(second),
  recordingSid: sid('RE', 1),
  callSid: sid('CA', 1),
  from: '+15557770000',
  to: '+15550006666',
  durationSeconds: 12,
  silent: false,
  source: 'menu',
  audience,
});

reportPostgresSkip('the flood suite');

describe.each(BACKENDS)('when one number floods the line, on $name', (backend) => {
  const under = storeOn(backend);

  it(`then ${ANNOUNCED_TEXTS_PER_SENDER} of its texts are announced one by one and the other 195 in one digest at the end of the hour; all 200 are stored`, async () => {
    const flooder = '+15551230000';
    for (let n = 0; n < 200; n++) await under.store.apply([text(n, flooder, 10 + n)], compose);

    const page = await under.store.queries.listMessages({ limit: 200 });
    expect(page.items).toHaveLength(200);
    // Before the hour is over: the first texts, one per channel each; the digest is not due yet.
    const early = await under.store.outbox.claimDue(new Date(at(1000)), 100);
    expect(early.map((n) => n.topic).sort()).toEqual(
      [...Array(ANNOUNCED_TEXTS_PER_SENDER).keys()]
        .flatMap((n) => [`message:${sid('SM', n)}`, `message:${sid('SM', n)}`])
        .sort(),
    );
    for (const n of early) await under.store.outbox.markSent(n.id, new Date(at(1000)));
    // When the hour ends: one digest per channel that counts the rest.
    const digest = await under.store.outbox.claimDue(new Date(HOUR + SENDER_WINDOW_MS), 100);
    expect(digest.map((n) => n.channel).sort()).toEqual(['email', 'sms']);
    for (const n of digest) {
      expect(n.topic).toMatch(/^texts-digest:[0-9a-f]{20}:2026-12-04T12:00:00\.000Z$/);
      expect(n.topic).not.toContain('5551230000');
      expect(n.subject).toBe('195 more texts from +15551230000');
    }
    expect(digest.find((n) => n.channel === 'sms')?.body).toBe(
      '195 more texts from +15551230000 between Fri, Dec 4, 2026, 12:00 PM UTC and Fri, Dec 4, 2026, 1:00 PM UTC: https://example.test/inbox/messages/%2B15551230000',
    );
    // The next hour starts a new budget.
    await under.store.apply([text(500, flooder, 3600 + 5)], compose);
    const next = await under.store.outbox.claimDue(new Date(at(3600 + 6)), 100);
    expect(next.map((n) => n.topic)).toEqual([`message:${sid('SM', 500)}`, `message:${sid('SM', 500)}`]);
  });

  it('then a digest already sent is not changed by a text that arrives late for its hour', async () => {
    const flooder = '+15551230000';
    for (let n = 0; n < ANNOUNCED_TEXTS_PER_SENDER + 1; n++) await under.store.apply([text(n, flooder, n)], compose);
    const end = new Date(HOUR + SENDER_WINDOW_MS);
    const due = await under.store.outbox.claimDue(end, 100);
    const digests = due.filter((n) => n.topic.startsWith('texts-digest:'));
    expect(digests.map((n) => n.subject)).toEqual(['1 more text from +15551230000', '1 more text from +15551230000']);
    for (const n of due) await under.store.outbox.markSent(n.id, end);
    await under.store.apply([text(99, flooder, 3000)], compose);
    const sent = await under.store.outbox.list({ status: 'sent', limit: 200 });
    expect(sent.items.filter((n) => n.topic.startsWith('texts-digest:'))).toHaveLength(2);
    expect(await under.store.outbox.claimDue(new Date(end.getTime() + 1), 100)).toEqual([]);
  });

  it('then a voicemail left behind 60 waiting texts from 60 numbers is the first thing sent', async () => {
    for (let n = 0; n < 60; n++)
      await under.store.apply([text(n, `+1555200${String(n).padStart(4, '0')}`, n)], compose);
    await under.store.apply([voicemail(100)], compose);
    const first = await under.store.outbox.claimDue(new Date(at(200)), 2);
    expect(first.map((n) => n.topic)).toEqual([
      expect.stringMatching(/^voicemail:\d+$/),
      expect.stringMatching(/^voicemail:\d+$/),
    ]);
    const rest = await under.store.outbox.claimDue(new Date(at(200)), 500);
    expect(rest).toHaveLength(120);
    expect(rest.every((n) => n.topic.startsWith('message:'))).toBe(true);
  });
});

describe.each(BACKENDS)('when one number sends 50 texts to /sms, on $name', (backend) => {
  it(`then the outbox holds ${ANNOUNCED_TEXTS_PER_SENDER} notifications per channel and one digest, and the store all 50 texts`, async () => {
    const database = await backend.create();
    const store = openStore(database.url);
    const app = createApp(
      testConfig({
        NOTIFY_EMAIL: 'owner@example.com',
        NOTIFY_SMS: '+15559990000',
        OUTBOUND_ALLOWLIST: '+15559990000',
      }),
      { store },
    );
    try {
      for (let n = 0; n < 50; n++) {
        const res = await signedPost(app, '/sms', {
          MessageSid: sid('SM', n),
          From: '+15551230000',
          To: '+15550006666',
          Body: `text ${n}`,
          NumMedia: '0',
        });
        expect(res.status).toBe(200);
      }
      const stored = (await store.queries.listMessages({ limit: 100 })).items;
      expect(stored).toHaveLength(50);
      // 50 texts in a row may straddle an hour: each window is bounded on its own.
      const perWindow = new Map<number, number>();
      for (const m of stored) {
        const window = windowStart(new Date(m.createdAt)).getTime();
        perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
      }
      const counts = [...perWindow.values()];
      const outbox = (await store.outbox.list({ limit: 200 })).items;
      expect(outbox.filter((n) => n.topic.startsWith('message:'))).toHaveLength(
        2 * counts.reduce((sum, c) => sum + Math.min(c, ANNOUNCED_TEXTS_PER_SENDER), 0),
      );
      expect(outbox.filter((n) => n.topic.startsWith('texts-digest:'))).toHaveLength(
        2 * counts.filter((c) => c > ANNOUNCED_TEXTS_PER_SENDER).length,
      );
    } finally {
      await backgroundOf(app).stop();
      await database.drop();
    }
  });
});

describe.each(BACKENDS)('when a store from before the flood bounds is migrated, on $name', (backend) => {
  it('then the voicemails and transcripts already waiting go before the texts waiting with them', async () => {
    const database = await backend.create();
    const opened = openDatabase(database.url);
    const db = opened.db as unknown as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      const all = migrationsFor(opened.dialect);
      const before = { '001_initial': all['001_initial'], '002_inbox_sign_outs': all['002_inbox_sign_outs'] };
      const old = new Migrator({ db, provider: { getMigrations: async () => before as Record<string, Migration> } });
      expect((await old.migrateToLatest()).error).toBeUndefined();
      const row = (topic: string, due: number) => ({
        topic,
        channel: 'email',
        recipients: 'owner@example.com',
        subject: topic,
        body: topic,
        status: 'pending',
        attempts: 0,
        next_attempt_at: at(due),
        created_at: at(due),
      });
      await db
        .insertInto('notifications')
        .values([
          row(`message:${sid('SM', 1)}`, 1),
          row('voicemail:7', 9),
          row('transcript:7', 8),
          row(`message:${sid('SM', 2)}`, 2),
        ])
        .execute();
      expect(await migrate(opened)).toEqual(['003_flood_bounds']);
      const store = openStore(database.url);
      const due = await store.outbox.claimDue(new Date(at(10)), 10);
      expect(due.map((n) => n.topic)).toEqual([
        'transcript:7',
        'voicemail:7',
        `message:${sid('SM', 1)}`,
        `message:${sid('SM', 2)}`,
      ]);
      await store.close();
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
