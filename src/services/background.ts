// Owns the work that runs beside the requests once the server listens: migrations and a spool replay at
// start, the outbox's retries, spool replays while the store is degraded, and retention's purge; and
// stopping all of it (then closing the database and Redis) at shutdown.
import { errorReason } from '../errorReason';
import type { Logger } from '../logger';
import { DatabaseTooNewError } from '../store/migrations';
import type { Store } from '../store/store';
import type { NotificationSender } from './notifications';
import type { RateLimitStores } from './rateLimitStores';
import type { Recorder } from './recorder';

export interface BackgroundWork {
  /**
   * Migrates the store (rejects with DatabaseTooNewError: running on would corrupt it), replays the spool, starts
   * the timers. A database that does not answer does not stop the start: calls are answered, their events
   * spooled, and the migrations retried with each replay until it does.
   */
  start(): Promise<void>;
  /** At the first signal: timers stopped, inbox streams ended, the outbox told to stop (so close() can finish). */
  beginShutdown(): void;
  /** Everything stopped: the outbox's claims released, Redis and the store closed. */
  stop(): Promise<void>;
  /** Replays the spool now (the timer does every 30 s), then sends what became due. */
  replaySpool(): Promise<void>;
}

export interface BackgroundSettings {
  readonly store: Store;
  readonly recorder: Recorder;
  readonly sender: NotificationSender;
  readonly rateLimitStores: RateLimitStores;
  readonly retentionDays: number;
  /** The inbox's event streams, ended at shutdown (an open stream would hold the server's close). */
  readonly live: { close(): void };
  readonly logger: Logger;
}

const REPLAY_INTERVAL_MS = 30_000;
const RETENTION_INTERVAL_MS = 6 * 3_600_000;

export function createBackgroundWork(settings: BackgroundSettings): BackgroundWork {
  const { store, recorder, sender, logger } = settings;
  let stopping: Promise<void> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, work: () => Promise<void>) => {
    const timer = setInterval(() => void work(), ms);
    timer.unref();
    timers.push(timer);
  };
  const purge = async () => {
    try {
      const purged = await store.purge(settings.retentionDays, new Date());
      logger.info({ ...purged, retentionDays: settings.retentionDays }, 'retention: old rows purged');
    } catch (err) {
      logger.error({ reason: errorReason(err) }, 'retention purge failed');
    }
  };
  const replay = async () => {
    try {
      await recorder.replay();
    } catch (err) {
      logger.error({ reason: errorReason(err) }, 'spool replay failed');
    }
  };
  const beginShutdown = () => {
    // Open inbox streams would hold the server's close() until the timeout: they end first.
    for (const timer of timers.splice(0)) clearInterval(timer);
    settings.live.close();
    stopping ??= sender.stop();
  };
  return {
    async start() {
      try {
        await store.ready();
        logger.info({ store: store.location }, 'store ready');
        await replay();
        await purge();
      } catch (err) {
        if (err instanceof DatabaseTooNewError) throw err;
        logger.error(
          { store: store.location, reason: errorReason(err) },
          'store unreachable at start: answering calls, spooling their events until it answers',
        );
      }
      sender.start();
      sender.kick();
      every(REPLAY_INTERVAL_MS, replay);
      every(RETENTION_INTERVAL_MS, purge);
    },
    async replaySpool() {
      await replay();
      await sender.runOnce();
    },
    beginShutdown,
    async stop() {
      beginShutdown();
      await stopping;
      await settings.rateLimitStores.close();
      await store.close();
    },
  };
}
