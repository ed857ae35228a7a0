// Owns keeping events the database could not take: appended to a local file (one JSON batch per line, mode
// 0600: it holds phone numbers and texts) at once, and replayed into the store later — at the next start and
// on a timer — so an outage of the database loses nothing. Replays are safe to repeat: every write is
// idempotent. A batch the database refuses for good (a data error, not an outage), or a line that is no batch at
// all, is moved aside to a dead-letter file (FILE.dead, 0600, one JSON line each with its reason) instead of
// holding back every batch behind it. Without a file (tests, sqlite::memory:) batches wait in memory instead.
import { errorReason } from '../errorReason';
import { oneAtATime } from '../oneAtATime';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { sidOf, type StoreEvent } from './events';
import { isPermanentStoreError } from './storeErrors';

/** A batch moved aside: what it was about (SIDs only), and why the store will never take it. */
export interface DeadLetter {
  readonly sids: string[];
  readonly reason: string;
}

export interface ReplayResult {
  readonly replayed: number;
  /** Batches put back for the next replay (the store failed again, for a reason that passes). */
  readonly left: number;
  /** Lines that were not a batch of events (a torn write at a crash, a hand-made line): dead-lettered, counted. */
  readonly unreadable: number;
  /** Batches the store refused for good in this replay: dead-lettered, never retried. */
  readonly dead: readonly DeadLetter[];
}

export interface Spool {
  append(events: readonly StoreEvent[]): void;
  /** Batches waiting; 0 when none. */
  pending(): number;
  /** Keeps a batch (or an unreadable line) the store will never take, with the reason; returns what was kept. */
  deadLetter(batch: readonly StoreEvent[] | string, reason: string): DeadLetter;
  /** Batches and lines dead-lettered so far (in this spool's file: across restarts). */
  deadLettered(): number;
  /**
   * Hands each waiting batch to `apply`, oldest first. A failure that passes stops the replay and keeps the rest
   * for the next one; a permanent one dead-letters that batch and goes on with the next.
   */
  replay(apply: (events: StoreEvent[]) => Promise<void>): Promise<ReplayResult>;
}

const sidsOf = (batch: readonly StoreEvent[] | string): string[] => {
  if (typeof batch === 'string') return [];
  const sids = new Set<string>();
  for (const event of batch) {
    try {
      sids.add(sidOf(event));
    } catch {
      // not an event at all
    }
  }
  return [...sids].filter((sid) => typeof sid === 'string');
};

async function replayBatches(
  batches: StoreEvent[][],
  apply: (events: StoreEvent[]) => Promise<void>,
  putBack: (events: StoreEvent[]) => void,
  deadLetter: Spool['deadLetter'],
): Promise<{ replayed: number; left: number; dead: DeadLetter[] }> {
  let replayed = 0;
  const dead: DeadLetter[] = [];
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i] as StoreEvent[];
    try {
      await apply(batch);
      replayed++;
    } catch (err) {
      if (isPermanentStoreError(err)) {
        dead.push(deadLetter(batch, errorReason(err)));
        continue;
      }
      for (const rest of batches.slice(i)) putBack(rest);
      return { replayed, left: batches.length - i, dead };
    }
  }
  return { replayed, left: 0, dead };
}

export function memorySpool(): Spool {
  let batches: StoreEvent[][] = [];
  const dead: Array<{ batch: readonly StoreEvent[] | string; reason: string }> = [];
  const spool: Spool = {
    append: (events) => void batches.push([...events]),
    pending: () => batches.length,
    deadLetter(batch, reason) {
      dead.push({ batch, reason });
      return { sids: sidsOf(batch), reason };
    },
    deadLettered: () => dead.length,
    async replay(apply) {
      const taken = batches;
      batches = [];
      return {
        ...(await replayBatches(taken, apply, (b) => batches.push(b), spool.deadLetter)),
        unreadable: 0,
      };
    },
  };
  return spool;
}

export function fileSpool(file: string): Spool {
  const replaying = `${file}.replaying`;
  const deadFile = `${file}.dead`;
  const lines = (name: string) =>
    existsSync(name)
      ? readFileSync(name, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
      : [];
  let deadCount: number | undefined;
  const deadLettered = () => (deadCount ??= lines(deadFile).length);
  const deadLetter: Spool['deadLetter'] = (batch, reason) => {
    const before = deadLettered();
    mkdirSync(path.dirname(deadFile), { recursive: true });
    const entry =
      typeof batch === 'string'
        ? { at: new Date().toISOString(), reason, line: batch }
        : { at: new Date().toISOString(), reason, events: batch };
    appendFileSync(deadFile, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    deadCount = before + 1;
    return { sids: sidsOf(batch), reason };
  };
  const append = (events: readonly StoreEvent[]) => {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(events)}\n`, { mode: 0o600 });
  };
  // Batches waiting, counted once from the files and kept up to date: /healthz asks on every probe, and a
  // spool of 200,000 batches read each time would stall the event loop exactly when the store is degraded.
  let count: number | undefined;
  const waiting = () => (count ??= lines(file).length + lines(replaying).length);
  return {
    append(events) {
      const before = waiting();
      append(events);
      count = before + 1;
    },
    pending: waiting,
    deadLetter,
    deadLettered,
    // A replay asked for while one runs gets nothing to do: the one running takes every batch there is.
    replay: oneAtATime(
      async (apply: (events: StoreEvent[]) => Promise<void>): Promise<ReplayResult> => {
        // A replay cut short by a crash left its file: finish it first. Appends meanwhile go to a new file.
        if (!existsSync(replaying)) {
          if (!existsSync(file) || statSync(file).size === 0) {
            count = 0;
            return { replayed: 0, left: 0, unreadable: 0, dead: [] };
          }
          renameSync(file, replaying);
        }
        let unreadable = 0;
        const batches: StoreEvent[][] = [];
        for (const line of lines(replaying)) {
          let batch: unknown;
          try {
            batch = JSON.parse(line);
          } catch {
            batch = undefined;
          }
          if (Array.isArray(batch)) batches.push(batch as StoreEvent[]);
          else {
            unreadable++;
            deadLetter(line, 'not a batch of events');
          }
        }
        const result = await replayBatches(batches, apply, append, deadLetter);
        unlinkSync(replaying);
        // A replay reads the files anyway (every 30 s at most): the count is taken again from what is left.
        count = lines(file).length;
        return { ...result, unreadable };
      },
      () => ({ replayed: 0, left: 0, unreadable: 0, dead: [] }),
    ),
  };
}
