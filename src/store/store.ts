// Owns the store as the rest of the app sees it: one object per process holding the database, its migrations
// (run once, on first use or at start), event writes, queries, the outbox table and retention.
import { sql } from 'kysely';
import { applyEvents, type Composer } from './apply';
import { openDatabase, type Database, type OpenOptions } from './database';
import type { StoreEvent } from './events';
import { migrate } from './migrations';
import { createOutboxTable, type OutboxTable } from './outbox';
import { createQueries, type Queries } from './queries';
import { purgeOld, type Purged } from './retention';

export interface Store {
  /** Where the data lives, safe to log (no credentials). */
  readonly location: string;
  readonly dialect: Database['dialect'];
  /** Runs the migrations once; every other method waits for it. Rejects with DatabaseTooNewError. */
  ready(): Promise<void>;
  apply(events: readonly StoreEvent[], compose: Composer): Promise<void>;
  readonly queries: Queries;
  readonly outbox: OutboxTable;
  purge(retentionDays: number, now: Date): Promise<Purged>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Wraps every method of `target` so that it waits for `ready` first. */
function afterReady<T extends object>(target: T, ready: () => Promise<void>): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await ready();
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

export function openStore(url: string, options: OpenOptions = {}): Store {
  const database = openDatabase(url, options);
  const { db } = database;
  let migrated: Promise<void> | undefined;
  // A failed attempt (the database was down) is forgotten, so the next use tries again.
  const ready = () =>
    (migrated ??= migrate(database).then(
      () => undefined,
      (err: unknown) => {
        migrated = undefined;
        throw err;
      },
    ));
  return {
    location: database.location,
    dialect: database.dialect,
    ready,
    async apply(events, compose) {
      await ready();
      await applyEvents(db, events, compose);
    },
    queries: afterReady(createQueries(db), ready),
    outbox: afterReady(createOutboxTable(db), ready),
    async purge(retentionDays, now) {
      await ready();
      return purgeOld(db, retentionDays, now);
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
