// Owns how the SQLite store waits for another connection's write lock (a CLI's migration, db:backup's reader, a
// second process on the file) without stopping the process: better-sqlite3 runs each statement synchronously, so
// SQLite's own busy_timeout would hold the whole event loop (every request, /healthz) while it waits. Instead
// the driver gives up at once (busy_timeout 0) and tries the statement again after an asynchronous pause, so
// other requests go on meanwhile; a transaction takes the write lock at its start (BEGIN IMMEDIATE), the one
// point where it may safely be retried, so no statement inside one is ever refused half-way.
import { setTimeout as pause } from 'node:timers/promises';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';

/** How long a statement keeps trying for the lock before its SQLITE_BUSY is the answer (then: spool, 503…). */
export const SQLITE_LOCK_WAIT_MS = 5_000;
/** The first pause between tries; each one doubles, up to LONGEST_PAUSE_MS. */
const FIRST_PAUSE_MS = 1;
const LONGEST_PAUSE_MS = 50;

const isBusy = (err: unknown) => /^SQLITE_BUSY/.test(String((err as { code?: unknown } | null)?.code ?? ''));

/** Runs `attempt` until it does not fail with SQLITE_BUSY, pausing (asynchronously) between tries. */
export async function whileBusy<T>(attempt: () => T | Promise<T>, waitMs = SQLITE_LOCK_WAIT_MS): Promise<T> {
  const started = Date.now();
  for (let pauseMs = FIRST_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS)) {
    try {
      return await attempt();
    } catch (err) {
      if (!isBusy(err) || Date.now() - started + pauseMs > waitMs) throw err;
      await pause(pauseMs);
    }
  }
}

class PatientConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection) {}
  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return whileBusy(() => this.inner.executeQuery<R>(query));
  }
  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class PatientDriver extends SqliteDriver {
  private readonly patient = new WeakMap<DatabaseConnection, PatientConnection>();

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    let wrapped = this.patient.get(connection);
    if (!wrapped) this.patient.set(connection, (wrapped = new PatientConnection(connection)));
    return wrapped;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** Kysely's SQLite dialect with the driver above. */
export class PatientSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }
  override createDriver(): Driver {
    return new PatientDriver(this.settings);
  }
}
