// Owns keeping events the database could not take: appended to a local file (one JSON batch per line, mode
// 0600: it holds phone numbers and texts) at once, and replayed into the store later — at the next start and
// on a timer — so an outage of the database loses nothing. Replays are safe to repeat: every write is
// idempotent. Without a file (tests, sqlite::memory:) batches wait in memory instead.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { StoreEvent } from './events';

export interface ReplayResult {
  readonly replayed: number;
  /** Batches put back for the next replay (the store failed again). */
  readonly left: number;
  /** Lines that were not a batch of events (a torn write at a crash): dropped, counted. */
  readonly unreadable: number;
}

export interface Spool {
  append(events: readonly StoreEvent[]): void;
  /** Batches waiting; 0 when none. */
  pending(): number;
  /** Hands each waiting batch to `apply`, oldest first; stops at the first failure and keeps the rest. */
  replay(apply: (events: StoreEvent[]) => Promise<void>): Promise<ReplayResult>;
}

async function replayBatches(
  batches: StoreEvent[][],
  apply: (events: StoreEvent[]) => Promise<void>,
  putBack: (events: StoreEvent[]) => void,
): Promise<{ replayed: number; left: number }> {
  let replayed = 0;
  for (let i = 0; i < batches.length; i++) {
    try {
      await apply(batches[i] as StoreEvent[]);
      replayed++;
    } catch {
      for (const rest of batches.slice(i)) putBack(rest);
      return { replayed, left: batches.length - i };
    }
  }
  return { replayed, left: 0 };
}

export function memorySpool(): Spool {
  let batches: StoreEvent[][] = [];
  return {
    append: (events) => void batches.push([...events]),
    pending: () => batches.length,
    async replay(apply) {
      const taken = batches;
      batches = [];
      return { ...(await replayBatches(taken, apply, (b) => batches.push(b))), unreadable: 0 };
    },
  };
}

export function fileSpool(file: string): Spool {
  const replaying = `${file}.replaying`;
  const append = (events: readonly StoreEvent[]) => {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(events)}\n`, { mode: 0o600 });
  };
  const lines = (name: string) =>
    existsSync(name)
      ? readFileSync(name, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
      : [];
  let busy = false;
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
    async replay(apply) {
      if (busy) return { replayed: 0, left: 0, unreadable: 0 };
      busy = true;
      try {
        // A replay cut short by a crash left its file: finish it first. Appends meanwhile go to a new file.
        if (!existsSync(replaying)) {
          if (!existsSync(file) || statSync(file).size === 0) {
            count = 0;
            return { replayed: 0, left: 0, unreadable: 0 };
          }
          renameSync(file, replaying);
        }
        let unreadable = 0;
        const batches: StoreEvent[][] = [];
        for (const line of lines(replaying)) {
          try {
            const batch: unknown = JSON.parse(line);
            if (Array.isArray(batch)) batches.push(batch as StoreEvent[]);
            else unreadable++;
          } catch {
            unreadable++;
          }
        }
        const result = await replayBatches(batches, apply, append);
        unlinkSync(replaying);
        // A replay reads the files anyway (every 30 s at most): the count is taken again from what is left.
        count = lines(file).length;
        return { ...result, unreadable };
      } finally {
        busy = false;
      }
    },
  };
}
