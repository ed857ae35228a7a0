// The store on real databases (SQLite always, PostgreSQL with TEST_DATABASE_URL): migrations and the refusal of
// a newer database, idempotent writes (retries, two instances), statuses that never go backwards, merged
// out-of-order events, paging, the outbox's claims and leases, retention.
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Composer, NotificationDraft } from '../src/store/apply';
import type { StoreEvent } from '../src/store/events';
import { callStatusRank } from '../src/store/events';
import { DatabaseTooNewError } from '../src/store/migrations';
import { openStore, type Store } from '../src/store/store';
import { openDatabase } from '../src/store/database';
import { decodeCursor } from '../src/store/paging';
import { BACKENDS, POSTGRES_URL, postgresBackend, reportPostgresSkip, type TestDatabase } from './support/databases';

const CALL = `CA${'1'.repeat(32)}`;
const REC = `RE${'2'.repeat(32)}`;
const SMS = `SM${'3'.repeat(32)}`;
const at = (second: number) => new Date(Date.UTC(2026, 10, 24, 12, 0, second)).toISOString();

/** A composer that announces on e-mail and SMS, as the app's does when both are configured. */
const compose: Composer = (announcement, audience) => {
  const topic =
    announcement.kind === 'message'
      ? `message:${announcement.event.messageSid}`
      : announcement.kind === 'text-digest'
        ? `digest:${announcement.from}:${announcement.windowStart}`
        : `${announcement.kind}:${announcement.id}`;
  const body = announcement.kind === 'text-digest' ? `${announcement.more} more` : 'b';
  const priority = announcement.kind === 'message' || announcement.kind === 'text-digest' ? 1 : 0;
  const drafts: NotificationDraft[] = [];
  const draft = { topic, subject: topic, body, priority } as const;
  if (audience.emails.length > 0) drafts.push({ ...draft, channel: 'email', recipients: audience.emails.join(',') });
  if (audience.sms) drafts.push({ ...draft, channel: 'sms', recipients: audience.sms });
  return drafts;
};
const audience = { emails: ['owner@example.com'], sms: '+15559990000' };

const voicemail = (overrides: Partial<Extract<StoreEvent, { type: 'voicemail' }>> = {}): StoreEvent => ({
  type: 'voicemail',
  at: at(10),
  recordingSid: REC,
  callSid: CALL,
  from: '+15551234567',
  to: '+15550006666',
  recordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/${REC}`,
  durationSeconds: 7,
  silent: false,
  source: 'menu',
  audience,
  ...overrides,
});

reportPostgresSkip('the store suite');

describe.each(BACKENDS)('when the store runs on $name', (backend) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await backend.create();
    store = openStore(database.url);
    await store.ready();
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  describe('then migrations', () => {
    it('run once: a second store on the same database finds it up to date and reads the same rows', async () => {
      await store.apply([{ type: 'call-status', at: at(1), callSid: CALL, status: 'ringing' }], compose);
      const again = openStore(database.url);
      await again.ready();
      expect((await again.queries.getCall(CALL))?.status).toBe('ringing');
      await again.close();
    });

    it('refuse a database that a newer version migrated, naming the unknown migration, without touching it', async () => {
      await rawInsertMigration(database.url, '999_from_the_future');
      const old = openStore(database.url);
      await expect(old.ready()).rejects.toBeInstanceOf(DatabaseTooNewError);
      await expect(old.ready()).rejects.toThrow(/newer version of twiml-server \(migration 999_from_the_future/);
      await old.close();
    });
  });

  describe('then calls', () => {
    it('keep the furthest status: a late ringing after completed changes nothing, and who/which way fill in once', async () => {
      await store.apply(
        [
          { type: 'call-status', at: at(1), callSid: CALL, status: 'in-progress', direction: 'inbound' },
          { type: 'call-status', at: at(9), callSid: CALL, status: 'completed', durationSeconds: 8 },
          {
            type: 'call-status',
            at: at(10),
            callSid: CALL,
            status: 'ringing',
            from: '+15551234567',
            to: '+15550006666',
          },
        ],
        compose,
      );
      expect(await store.queries.getCall(CALL)).toMatchObject({
        status: 'completed',
        direction: 'inbound',
        from: '+15551234567',
        to: '+15550006666',
        answeredAt: at(1),
        endedAt: at(9),
        durationSeconds: 8,
      });
    });

    it('end in the furthest status whatever order the callbacks arrive in (property, seeded)', async () => {
      const statuses = ['queued', 'initiated', 'ringing', 'in-progress', 'completed'];
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.shuffledSubarray(statuses, { minLength: 1 }), async (arrived) => {
          const sid = `CA${(n++).toString(16).padStart(32, '0')}`;
          for (const [i, status] of arrived.entries()) {
            await store.apply([{ type: 'call-status', at: at(i), callSid: sid, status }], compose);
          }
          const furthest = arrived.reduce((a, b) => (callStatusRank(b) > callStatusRank(a) ? b : a));
          const call = await store.queries.getCall(sid);
          expect(call?.status).toBe(furthest);
          // Times move forward too: never answered after it ended, whatever arrived late.
          if (call?.answeredAt && call.endedAt) expect(call.answeredAt <= call.endedAt).toBe(true);
        }),
        { seed: 1313, numRuns: 25, examples: [[['completed', 'in-progress']]] },
      );
    });

    it('record a step once per idempotency key, and keep steps without a key in order', async () => {
      const step = (kind: string, key?: string): StoreEvent => ({
        type: 'call-step',
        at: at(2),
        callSid: CALL,
        kind,
        ...(key ? { key } : {}),
      });
      await store.apply(
        [step('menu-choice', 'k1'), step('menu-choice', 'k1'), step('forwarded'), step('hung-up')],
        compose,
      );
      await store.apply([step('menu-choice', 'k1')], compose);
      expect((await store.queries.getCall(CALL))?.path.map((s) => s.kind)).toEqual([
        'menu-choice',
        'forwarded',
        'hung-up',
      ]);
    });
  });

  describe('then voicemails', () => {
    it('are stored once however often the action is retried, with one notification per channel', async () => {
      await store.apply([voicemail()], compose);
      await store.apply([voicemail()], compose);
      const page = await store.queries.listVoicemails({ limit: 10 });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ recordingSid: REC, durationSeconds: 7, silent: false, listened: false });
      const outbox = (await store.outbox.list({ limit: 200 })).items;
      expect(outbox.map((n) => `${n.topic} ${n.channel} ${n.status}`).sort()).toEqual([
        `voicemail:${page.items[0]?.id} email pending`,
        `voicemail:${page.items[0]?.id} sms pending`,
      ]);
      expect((await store.queries.getCall(CALL))?.path.map((s) => s.kind)).toEqual(['voicemail']);
      // The outbox pages like every list: newest first, a cursor to the rest, nothing twice or left out.
      const first = await store.outbox.list({ limit: 1 });
      expect(first.next).not.toBeNull();
      const rest = await store.outbox.list({ limit: 1, before: decodeCursor(first.next as string) });
      expect(rest.next).toBeNull();
      expect([...first.items, ...rest.items].map((n) => n.id)).toEqual(outbox.map((n) => n.id).sort((a, b) => b - a));
    });

    it('mark a silent recording as such: kept, listed only on request, never announced', async () => {
      await store.apply([voicemail({ silent: true, durationSeconds: 0 })], compose);
      expect((await store.queries.listVoicemails({ limit: 10 })).items).toEqual([]);
      const all = await store.queries.listVoicemails({ limit: 10, includeSilent: true });
      expect(all.items.map((v) => v.silent)).toEqual([true]);
      expect((await store.outbox.list({ limit: 200 })).items).toEqual([]);
    });

    it('merge a transcript that arrives before the recording it belongs to', async () => {
      await store.apply(
        [
          {
            type: 'transcript',
            at: at(5),
            recordingSid: REC,
            callSid: CALL,
            status: 'completed',
            text: 'Call me',
            audience,
          },
        ],
        compose,
      );
      await store.apply([voicemail()], compose);
      const [stored] = (await store.queries.listVoicemails({ limit: 10 })).items;
      expect(stored).toMatchObject({
        transcript: 'Call me',
        transcriptStatus: 'completed',
        from: '+15551234567',
        durationSeconds: 7,
      });
    });

    it('are marked listened once; an unknown id says so', async () => {
      await store.apply([voicemail()], compose);
      const [stored] = (await store.queries.listVoicemails({ limit: 1 })).items;
      expect(await store.queries.markListened(stored?.id as number, at(30))).toBe(true);
      expect(await store.queries.markListened(stored?.id as number, at(40))).toBe(true);
      expect(await store.queries.getVoicemail(stored?.id as number)).toMatchObject({
        listened: true,
        listenedAt: at(30),
      });
      expect(await store.queries.markListened(999_999, at(40))).toBe(false);
      expect((await store.queries.listVoicemails({ limit: 5, status: 'unlistened' })).items).toEqual([]);
    });
  });

  describe('then messages', () => {
    it('keep every status once, in order, and the furthest as the current one, even when the callback beats the create', async () => {
      await store.apply([{ type: 'message-status', at: at(2), messageSid: SMS, status: 'sent' }], compose);
      await store.apply(
        [
          {
            type: 'message',
            at: at(1),
            messageSid: SMS,
            direction: 'outbound-api',
            from: '+15550006666',
            to: '+15551234567',
            body: 'Hello',
            mediaUrls: [],
            status: 'queued',
          },
        ],
        compose,
      );
      await store.apply([{ type: 'message-status', at: at(3), messageSid: SMS, status: 'delivered' }], compose);
      await store.apply([{ type: 'message-status', at: at(3), messageSid: SMS, status: 'delivered' }], compose);
      await store.apply([{ type: 'message-status', at: at(4), messageSid: SMS, status: 'sending' }], compose);
      const stored = await store.queries.getMessage(SMS);
      expect(stored).toMatchObject({
        status: 'delivered',
        body: 'Hello',
        direction: 'outbound-api',
        to: '+15551234567',
      });
      expect(stored?.statuses.map((s) => s.status)).toEqual(['sent', 'queued', 'delivered', 'sending']);
    });
  });

  describe('then lists', () => {
    it('page newest first with a cursor, filter by number, status and direction, and refuse nothing they made', async () => {
      for (let i = 0; i < 5; i++) {
        await store.apply(
          [
            {
              type: 'message',
              at: at(i),
              messageSid: `SM${String(i).padStart(32, '0')}`,
              direction: i % 2 === 0 ? 'inbound' : 'outbound-api',
              from: i % 2 === 0 ? '+15551234567' : '+15550006666',
              to: '+15550006666',
              body: `m${i}`,
              mediaUrls: [],
              status: i % 2 === 0 ? 'received' : 'queued',
            },
          ],
          compose,
        );
      }
      const first = await store.queries.listMessages({ limit: 2 });
      expect(first.items.map((m) => m.body)).toEqual(['m4', 'm3']);
      const second = await store.queries.listMessages({ limit: 2, before: decodeCursor(first.next as string) });
      expect(second.items.map((m) => m.body)).toEqual(['m2', 'm1']);
      const last = await store.queries.listMessages({ limit: 2, before: decodeCursor(second.next as string) });
      expect(last).toMatchObject({ next: null });
      expect(last.items.map((m) => m.body)).toEqual(['m0']);
      expect((await store.queries.listMessages({ limit: 9, direction: 'inbound' })).items).toHaveLength(3);
      expect(
        (await store.queries.listMessages({ limit: 9, from: '+15550006666', status: 'queued' })).items,
      ).toHaveLength(2);
    });

    it('find the calls with a number on either side in one query, newest first, paged like the rest', async () => {
      const calls: Array<[string, string, string]> = [
        ['1', '+15551234567', '+15550006666'], // the number called us
        ['2', '+15550006666', '+15551234567'], // we called the number
        ['3', '+15557770000', '+15550006666'], // someone else
        ['4', '+15551234567', '+15550006666'],
      ];
      await store.apply(
        calls.map(([n, from, to], i) => ({
          type: 'call-status' as const,
          at: at(i),
          callSid: `CA${n.repeat(32)}`,
          status: 'completed',
          direction: from === '+15550006666' ? 'outbound-api' : 'inbound',
          from,
          to,
        })),
        compose,
      );
      const either = await store.queries.listCalls({ limit: 2, party: '+15551234567' });
      expect(either.items.map((c) => c.sid[2])).toEqual(['4', '2']);
      const rest = await store.queries.listCalls({
        limit: 2,
        party: '+15551234567',
        before: decodeCursor(either.next as string),
      });
      expect(rest).toMatchObject({ next: null });
      expect(rest.items.map((c) => c.sid[2])).toEqual(['1']);
      const outbound = await store.queries.listCalls({ limit: 9, party: '+15551234567', direction: 'outbound-api' });
      expect(outbound.items.map((c) => c.sid[2])).toEqual(['2']);
    });
  });

  describe('then the inbox threads', () => {
    it('group every text by its other party in the database, so a quiet old thread is not pushed out by a busy one', async () => {
      const text = (
        n: number,
        second: number,
        over: Partial<Extract<StoreEvent, { type: 'message' }>>,
      ): StoreEvent => ({
        type: 'message',
        at: new Date(Date.UTC(2026, 10, 24, 12, 0, second)).toISOString(),
        messageSid: `SM${String(n).padStart(32, '0')}`,
        direction: 'inbound',
        from: '+15551110000',
        to: '+15550006666',
        body: `text ${n}`,
        mediaUrls: [],
        status: 'received',
        ...over,
      });
      // A quiet thread first: one text in, our reply out.
      await store.apply([text(1, 0, { from: '+15552220000' })], compose);
      await store.apply([text(2, 1, { direction: 'outbound-api', from: '+15550006666', to: '+15552220000' })], compose);
      // Then a busy one: more texts than the old window of 500 held.
      const busy = [...Array(520).keys()].map((i) => text(100 + i, 2 + (i % 50), {}));
      for (let i = 0; i < busy.length; i += 40) await store.apply(busy.slice(i, i + 40), compose);

      const threads = await store.queries.listThreads(200);
      expect(threads.map((t) => t.number)).toEqual(['+15551110000', '+15552220000']);
      expect(threads[1]?.last).toMatchObject({ sid: `SM${'2'.padStart(32, '0')}`, direction: 'outbound-api' });
      const quiet = await store.queries.threadWith('+15552220000', 500);
      expect(quiet.map((m) => m.body)).toEqual(['text 2', 'text 1']);
      expect(await store.queries.threadWith('+15551110000', 500)).toHaveLength(500);
    });
  });

  describe('then the outbox', () => {
    it('hands each due notification to one claimer, takes it back when its lease runs out, and retries on schedule', async () => {
      await store.apply([voicemail()], compose);
      const now = new Date(at(20));
      const [a, b] = await Promise.all([store.outbox.claimDue(now, 10), store.outbox.claimDue(now, 10)]);
      expect((a?.length ?? 0) + (b?.length ?? 0)).toBe(2);
      expect(await store.outbox.claimDue(now, 10)).toEqual([]);
      // The sender crashed: three minutes later the lease has run out.
      const later = new Date(now.getTime() + 180_000);
      const reclaimed = await store.outbox.claimDue(later, 10);
      expect(reclaimed.map((n) => n.attempts)).toEqual([2, 2]);
      const [email, sms] = reclaimed;
      await store.outbox.markSent(email?.id as number, later);
      await store.outbox.markFailed(sms?.id as number, 'Twilio 20500', new Date(later.getTime() + 60_000));
      expect(await store.outbox.claimDue(later, 10)).toEqual([]);
      expect((await store.outbox.claimDue(new Date(later.getTime() + 60_000), 10)).map((n) => n.id)).toEqual([sms?.id]);
      expect((await store.outbox.list({ status: 'sent', limit: 200 })).items.map((n) => n.id)).toEqual([email?.id]);
    });
  });

  describe('then retention', () => {
    it('purges what is older than RETENTION_DAYS with its path and history, and keeps everything with 0', async () => {
      await store.apply(
        [voicemail(), { type: 'call-step', at: at(10), callSid: CALL, kind: 'menu-choice', key: 'k' }],
        compose,
      );
      const tenDaysLater = new Date(Date.parse(at(10)) + 10 * 86_400_000);
      // The ledger goes after a week whatever the retention: the step's key and the voicemail's.
      expect(await store.purge(0, tenDaysLater)).toMatchObject({ calls: 0, voicemails: 0, events: 2 });
      expect(await store.purge(30, tenDaysLater)).toMatchObject({ calls: 0, voicemails: 0 });
      expect(await store.purge(5, tenDaysLater)).toMatchObject({ calls: 1, voicemails: 1, notifications: 0 });
      expect(await store.queries.getCall(CALL)).toBeUndefined();
    });
  });
});

/** Writes a migration name into Kysely's bookkeeping, as a newer version of the server would have. */
async function rawInsertMigration(url: string, name: string): Promise<void> {
  const database = openDatabase(url);
  await (database.db as unknown as Kysely<{ kysely_migration: { name: string; timestamp: string } }>)
    .insertInto('kysely_migration')
    .values({ name, timestamp: new Date().toISOString() })
    .execute();
  await database.db.destroy();
}

(POSTGRES_URL ? describe : describe.skip)(
  'when another application in the same PostgreSQL database uses Kysely too',
  () => {
    it('then its kysely_migration table (in its own schema) does not stop ours from being created and used', async () => {
      const ours = await postgresBackend.create();
      const theirs = await postgresBackend.create();
      const other = openStore(theirs.url);
      await other.ready();
      await other.close();
      const store = openStore(ours.url);
      try {
        await expect(store.ready()).resolves.toBeUndefined();
        await store.apply([{ type: 'call-status', at: at(1), callSid: CALL, status: 'ringing' }], compose);
        expect((await store.queries.getCall(CALL))?.status).toBe('ringing');
      } finally {
        await store.close();
        await Promise.all([ours.drop(), theirs.drop()]);
      }
    });
  },
);
