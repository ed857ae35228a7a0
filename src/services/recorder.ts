// Owns getting events into the store without ever holding up a caller: each batch is written within a short
// budget; when the store fails or is slow, the batch goes to the spool (a local append) and is replayed later,
// the failure is logged with the SID (never a number or a text), and the store counts as degraded until a
// write or a replay succeeds again. Events are made storable first (src/store/storable.ts), and a batch the store
// refuses for good is dead-lettered at once instead of spooled: it would never replay, and would hold up the rest.
import { errorReason } from '../errorReason';
import { within } from '../deadline';
import type { Logger } from '../logger';
import type { Composer } from '../store/apply';
import { sidOf, type StoreEvent } from '../store/events';
import type { Spool } from '../store/spool';
import { storableEvents } from '../store/storable';
import { isPermanentStoreError } from '../store/storeErrors';
import type { Store } from '../store/store';

export interface RecorderState {
  /** The last write or replay failed, or batches still wait in the spool. */
  readonly degraded: boolean;
  /** Batches waiting in the spool. */
  readonly spooled: number;
  /** Batches the store refused for good, kept in the dead-letter file (never retried, never blocking). */
  readonly deadLettered: number;
}

export interface Recorder {
  /** Writes the events, or spools them; never throws, never waits much longer than the budget. */
  record(events: readonly StoreEvent[]): Promise<void>;
  /** Replays spooled batches into the store (at start, and on a timer). */
  replay(): Promise<void>;
  state(): RecorderState;
  /** Calls `listener` after every write or replay that stored events (new notifications may be due). */
  whenWritten(listener: () => void): void;
}

export interface RecorderSettings {
  readonly store: Store;
  readonly spool: Spool;
  readonly compose: Composer;
  readonly logger: Logger;
  /** How long a webhook may wait for its write before the batch is spooled instead. */
  readonly budgetMs: number;
}

class BudgetExceeded extends Error {}

/** The reason a write failed, without the driver's message (it can quote values: numbers, texts). */
function reasonOf(err: unknown): string {
  return err instanceof BudgetExceeded ? err.message : errorReason(err);
}

export function createRecorder(settings: RecorderSettings): Recorder {
  const { store, spool, compose, logger } = settings;
  let lastFailed = false;
  const listeners: Array<() => void> = [];
  const written = () => {
    for (const listener of listeners) listener();
  };
  const write = (events: readonly StoreEvent[]) => store.apply(events, compose);

  return {
    async record(received) {
      if (received.length === 0) return;
      const events = storableEvents(received);
      const work = write(events);
      try {
        await within(work, settings.budgetMs, () => new BudgetExceeded(`no answer within ${settings.budgetMs} ms`));
        lastFailed = false;
        written();
      } catch (err) {
        // The write may still finish later: replaying it then is harmless (every write is idempotent).
        work.catch(() => undefined);
        try {
          if (isPermanentStoreError(err)) {
            const dead = spool.deadLetter(events, reasonOf(err));
            logger.error(dead, 'store refused events for good: kept in the dead-letter file, not retried');
            return;
          }
          lastFailed = true;
          spool.append(events);
          logger.error(
            { sids: [...new Set(events.map(sidOf))], reason: reasonOf(err) },
            'store write failed: events spooled for replay',
          );
        } catch (spoolErr) {
          logger.fatal(
            { sids: [...new Set(events.map(sidOf))], reason: reasonOf(err), spool: reasonOf(spoolErr) },
            'store write failed and the spool could not keep the events: they are lost',
          );
        }
      }
    },

    async replay() {
      if (spool.pending() === 0) return;
      const result = await spool.replay((events) => write(events));
      if (result.replayed > 0) {
        written();
        logger.info({ replayed: result.replayed, left: result.left }, 'spooled events replayed into the store');
      }
      if (result.unreadable > 0)
        logger.error({ unreadable: result.unreadable }, 'unreadable spool lines moved to the dead-letter file');
      for (const dead of result.dead)
        logger.error(dead, 'store refused spooled events for good: kept in the dead-letter file, not retried');
      lastFailed = result.left > 0;
    },

    whenWritten(listener) {
      listeners.push(listener);
    },

    state() {
      const spooled = spool.pending();
      return { degraded: lastFailed || spooled > 0, spooled, deadLettered: spool.deadLettered() };
    },
  };
}
