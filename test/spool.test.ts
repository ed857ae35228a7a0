// The spool alone, in memory and in a file (src/store/spool.ts): what waits and in which order, what a permanent
// refusal moves aside (with which SIDs and reason, in a 0600 file, counted across restarts), what a passing
// failure keeps, a replay asked for while one runs, and a file that is there but empty.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StoreEvent } from '../src/store/events';
import { fileSpool, memorySpool, type Spool } from '../src/store/spool';

const CALL = `CA${'a'.repeat(32)}`;
const TEXT = `SM${'b'.repeat(32)}`;
const at = '2026-12-04T12:00:00.000Z';
const status = (s: string, callSid = CALL): StoreEvent => ({ type: 'call-status', at, callSid, status: s });
const text: StoreEvent = {
  type: 'message',
  at,
  messageSid: TEXT,
  direction: 'inbound',
  from: '+15551234567',
  to: '+15550006666',
  body: 'hello',
  mediaUrls: [],
  status: 'received',
};
/** A refusal that will never pass (PostgreSQL's invalid byte sequence), and one that will (the database is down). */
const forGood = () => Object.assign(new Error('invalid byte sequence'), { code: '22021' });
const forNow = () => Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
const statusOf = (events: StoreEvent[]) => (events[0] as { status: string }).status;

const spools: Array<[string, () => Spool]> = [
  ['in memory', () => memorySpool()],
  ['in a file', () => fileSpool(path.join(mkdtempSync(path.join(os.tmpdir(), 'spool-')), 'events.spool'))],
];

describe.each(spools)('when batches wait in the spool %s', (_, make) => {
  it('then they replay oldest first, each once, and none is left', async () => {
    const spool = make();
    expect(spool.pending()).toBe(0);
    for (const s of ['queued', 'ringing', 'completed']) spool.append([status(s)]);
    expect(spool.pending()).toBe(3);
    const seen: string[] = [];
    expect(await spool.replay(async (events) => void seen.push(statusOf(events)))).toEqual({
      replayed: 3,
      left: 0,
      unreadable: 0,
      dead: [],
    });
    expect(seen).toEqual(['queued', 'ringing', 'completed']);
    expect(spool.pending()).toBe(0);
    expect(await spool.replay(async () => undefined)).toEqual({ replayed: 0, left: 0, unreadable: 0, dead: [] });
  });

  it('then a batch refused for good is moved aside with its SIDs and reason, and the batches behind it are stored', async () => {
    const spool = make();
    spool.append([status('ringing')]);
    spool.append([text, status('in-progress'), status('completed', `CA${'c'.repeat(32)}`)]);
    spool.append([status('completed')]);
    const stored: string[] = [];
    const result = await spool.replay(async (events) => {
      if (events.length > 1) throw forGood();
      stored.push(statusOf(events));
    });
    expect(result).toEqual({
      replayed: 2,
      left: 0,
      unreadable: 0,
      dead: [{ sids: [TEXT, CALL, `CA${'c'.repeat(32)}`], reason: '22021' }],
    });
    expect(stored).toEqual(['ringing', 'completed']);
    expect(spool.deadLettered()).toBe(1);
    expect(spool.pending()).toBe(0);
  });

  it('then a failure that passes stops the replay and keeps that batch and the rest, in order, for the next', async () => {
    const spool = make();
    for (const s of ['queued', 'ringing', 'completed']) spool.append([status(s)]);
    let calls = 0;
    const result = await spool.replay(async () => {
      if (++calls === 2) throw forNow();
    });
    expect(result).toEqual({ replayed: 1, left: 2, unreadable: 0, dead: [] });
    expect(spool.pending()).toBe(2);
    expect(spool.deadLettered()).toBe(0);
    const seen: string[] = [];
    await spool.replay(async (events) => void seen.push(statusOf(events)));
    expect(seen).toEqual(['ringing', 'completed']);
  });

  it('then a batch kept by hand is counted and named by its SIDs; a line that is no batch has none', () => {
    const spool = make();
    expect(spool.deadLetter([text, { oops: true } as unknown as StoreEvent], 'hand-made')).toEqual({
      sids: [TEXT],
      reason: 'hand-made',
    });
    expect(spool.deadLetter('{"torn":', 'not a batch of events')).toEqual({
      sids: [],
      reason: 'not a batch of events',
    });
    expect(spool.deadLettered()).toBe(2);
  });
});

describe('when the spool is a file', () => {
  const fileIn = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'spool-')), 'nested', 'events.spool');

  it('then the dead-letter file holds each batch or line with its reason and time, is 0600, and is counted after a restart', async () => {
    const file = fileIn();
    const spool = fileSpool(file);
    spool.append([text]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}not json\n`);
    await spool.replay(async () => {
      throw forGood();
    });
    const dead = readFileSync(`${file}.dead`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dead).toEqual([
      { at: expect.any(String), reason: 'not a batch of events', line: 'not json' },
      { at: expect.any(String), reason: '22021', events: [text] },
    ]);
    expect(statSync(`${file}.dead`).mode & 0o777).toBe(0o600);
    expect(fileSpool(file).deadLettered()).toBe(2);
  });

  it('then a replay asked for while one runs does nothing, and the one running takes every batch', async () => {
    const spool = fileSpool(fileIn());
    spool.append([status('ringing')]);
    spool.append([status('completed')]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const first = spool.replay(async (events) => {
      await gate;
      seen.push(statusOf(events));
    });
    expect(await spool.replay(async () => void seen.push('second replay'))).toEqual({
      replayed: 0,
      left: 0,
      unreadable: 0,
      dead: [],
    });
    release();
    expect((await first).replayed).toBe(2);
    expect(seen).toEqual(['ringing', 'completed']);
  });

  it('then a file that is there but empty replays nothing, is left alone, and counts zero', async () => {
    const file = fileIn();
    const spool = fileSpool(file);
    spool.append([status('ringing')]);
    await spool.replay(async () => undefined);
    writeFileSync(file, '');
    const again = fileSpool(file);
    expect(await again.replay(async () => undefined)).toEqual({ replayed: 0, left: 0, unreadable: 0, dead: [] });
    expect(again.pending()).toBe(0);
    expect(existsSync(`${file}.replaying`)).toBe(false);
  });
});
