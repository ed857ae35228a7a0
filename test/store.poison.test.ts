// No poison event: whatever a caller or Twilio sends, on SQLite and PostgreSQL alike, the events are stored
// (made storable at the edge: U+0000, oversized idempotency tokens) or, when a database refuses them for good,
// dead-lettered — never stuck in the spool, never holding back the next ordinary event, never taking /readyz down.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { createApp } from '../src/app';
import { createRecorder } from '../src/services/recorder';
import type { StoreEvent } from '../src/store/events';
import { fileSpool } from '../src/store/spool';
import { testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { BACKENDS, reportPostgresSkip, storeOn } from './support/databases';
import { signedPost } from './support/signing';

reportPostgresSkip('the poison-event suite');
jest.setTimeout(120_000);

describe.each(BACKENDS.map((b) => [b.name, b] as const))(
  'when hostile input reaches the store on %s',
  (_n, backend) => {
    const under = storeOn(backend, 'suite');
    /** A recorder on the store with a spool file of its own and its log lines captured. */
    const recorderWithSpool = () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'poison-'));
      const spool = fileSpool(path.join(dir, 'events.spool'));
      const logs = captureLogs();
      const recorder = createRecorder({
        store: under.store,
        spool,
        compose: () => [],
        logger: logs.logger,
        budgetMs: 5_000,
      });
      return { dir, spool, logs, recorder };
    };

    it('then a text with U+0000 and a 3 kB idempotency token is stored (NUL marked as U+FFFD) and /readyz stays ready', async () => {
      const spoolFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'poison-')), 'events.spool');
      const app = createApp(testConfig({ DATABASE_URL: under.url }), {
        store: under.store,
        spool: fileSpool(spoolFile),
      });
      const sid = `SM${'a'.repeat(32)}`;
      const res = await signedPost(app, '/sms', {
        MessageSid: sid,
        From: '+1555\u00001234567',
        To: '+15550006666',
        Body: 'before\u0000after',
      }).set('I-Twilio-Idempotency-Token', 'x'.repeat(3000));
      expect(res.status).toBe(200);
      const stored = await under.store.queries.getMessage(sid);
      expect(stored).toMatchObject({ body: 'before\uFFFDafter', from: '+1555\uFFFD1234567' });
      expect((await request(app).get('/readyz')).status).toBe(200);
      expect((await request(app).get('/healthz')).body).toMatchObject({ spooled: 0, deadLettered: 0 });
    });

    it('then random text in every stored field is stored or dead-lettered, never stuck, and the next ordinary event is stored (property, seeded)', async () => {
      const { dir, spool, logs, recorder } = recorderWithSpool();
      const text = fc.string({ unit: 'binary', maxLength: 3_000 });
      let n = 0;
      await fc.assert(
        fc.asyncProperty(text, text, text, text, text, async (from, to, body, key, media) => {
          const i = n++;
          const hostile: StoreEvent[] = [
            {
              type: 'message',
              at: new Date().toISOString(),
              messageSid: `SM${i.toString(16).padStart(32, '0')}`,
              direction: 'inbound',
              from,
              to,
              body,
              mediaUrls: [media],
              status: 'received',
            },
            {
              type: 'call-step',
              at: new Date().toISOString(),
              callSid: `CA${i.toString(16).padStart(32, '0')}`,
              kind: 'menu-choice',
              detail: body,
              key,
            },
          ];
          await recorder.record(hostile);
          await recorder.replay();
          expect(spool.pending()).toBe(0); // stored, or moved aside: nothing waits for ever
          const ordinary = `SM${(1_000_000 + i).toString(16).padStart(32, '0')}`;
          await recorder.record([
            {
              type: 'message',
              at: new Date().toISOString(),
              messageSid: ordinary,
              direction: 'inbound',
              from: '+15551234567',
              to: '+15550006666',
              body: 'hello',
              mediaUrls: [],
              status: 'received',
            },
          ]);
          expect((await under.store.queries.getMessage(ordinary))?.body).toBe('hello');
          expect(recorder.state()).toMatchObject({ degraded: false, spooled: 0 });
        }),
        { seed: 2202, numRuns: 30, examples: [['\u0000', '\u0000', 'a\u0000b', 'k'.repeat(3000), '\u0000']] },
      );
      // Whatever was dead-lettered says why, with SIDs only: no number, text or key from the input in the logs.
      for (const entry of logs.entries()) expect(JSON.stringify(entry)).not.toMatch(/\u0000|k{100}/);
      const dead = spool.deadLettered();
      if (dead > 0) {
        const lines = readFileSync(path.join(dir, 'events.spool.dead'), 'utf8').trim().split('\n');
        expect(lines).toHaveLength(dead);
        for (const line of lines) expect(JSON.parse(line)).toMatchObject({ reason: expect.any(String) });
      }
    });

    it('then a spooled batch the store refuses for good is moved aside, and the batches behind it are stored', async () => {
      const { spool, logs, recorder } = recorderWithSpool();
      const message = (sid: string): StoreEvent => ({
        type: 'message',
        at: new Date().toISOString(),
        messageSid: sid,
        direction: 'inbound',
        from: '+15551234567',
        to: '+15550006666',
        body: 'kept',
        mediaUrls: [],
        status: 'received',
      });
      // As an older server spooled them during an outage: an unappliable batch first, then good ones.
      spool.append([null as unknown as StoreEvent]);
      spool.append([message(`SM${'b'.repeat(32)}`)]);
      spool.append([message(`SM${'c'.repeat(32)}`)]);
      await recorder.replay();
      expect(spool.pending()).toBe(0);
      expect(spool.deadLettered()).toBe(1);
      expect((await under.store.queries.getMessage(`SM${'c'.repeat(32)}`))?.body).toBe('kept');
      expect(recorder.state()).toMatchObject({ degraded: false, spooled: 0, deadLettered: 1 });
      expect(logs.entries().some((e) => /dead-letter/.test(String(e.msg)))).toBe(true);
    });
  },
);
