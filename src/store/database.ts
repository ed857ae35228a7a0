// Owns opening the database a DATABASE_URL names: SQLite through better-sqlite3 (a file in WAL mode, or
// memory) or PostgreSQL through a pg pool, both behind one Kysely instance typed by ./schema. Nothing else
// knows which driver is underneath, except the migrations (column types) through `dialect`.
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase } from 'kysely';
import { PatientSqliteDialect } from './sqliteLocks';
import { Pool } from 'pg';
import type { Tables } from './schema';

export type Db = Kysely<Tables>;
export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Db;
  readonly dialect: DialectName;
  /** Where the data lives, safe to log: the file, or the PostgreSQL host and database without credentials. */
  readonly location: string;
}

/** How long one PostgreSQL query or connection attempt may take before it fails (the caller never waits long). */
const POSTGRES_TIMEOUT_MS = 5_000;

/** The file a sqlite: URL names, or :memory:. */
export function sqliteFileOf(url: string): string {
  return url.slice('sqlite:'.length);
}

/** A PostgreSQL URL without its user and password, for logs and error messages. */
export function postgresLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

/** How many distinct SQL texts keep their prepared statement (the store issues a few dozen). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The SQLite connection as Kysely sees it, with each SQL text prepared once: Kysely prepares every query it runs,
 * and preparing costs more than running these small statements. Reuse is safe: better-sqlite3 runs a statement
 * to completion synchronously, and Kysely holds one connection at a time.
 */
function reusingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const prepared = new Map<string, SQLite.Statement>();
  return {
    close: () => void sqlite.close(),
    prepare(sql) {
      let statement = prepared.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (prepared.size >= STATEMENT_CACHE_SIZE) prepared.delete(prepared.keys().next().value as string);
        prepared.set(sql, statement);
      }
      return statement;
    },
  };
}

export interface OpenOptions {
  /** Called when a PostgreSQL connection drops (a restarted server); the pool replaces it. */
  readonly onIdleError?: (err: Error) => void;
}

/** better-sqlite3 13 is a Node-API 10 addon: older Node releases would crash loading it, not fail cleanly. */
const SQLITE_MIN_NODE_MAJOR = 22;

export class UnsupportedRuntimeError extends Error {
  constructor(version: string) {
    super(
      `SQLite needs Node ${SQLITE_MIN_NODE_MAJOR} or newer (this is ${version}; production runs Node 24 LTS): upgrade Node, or set DATABASE_URL to a PostgreSQL server`,
    );
    this.name = 'UnsupportedRuntimeError';
  }
}

export function openDatabase(url: string, options: OpenOptions = {}): Database {
  if (url.startsWith('sqlite:')) {
    if (Number(process.versions.node.split('.')[0]) < SQLITE_MIN_NODE_MAJOR) {
      throw new UnsupportedRuntimeError(process.version);
    }
    const file = sqliteFileOf(url);
    // The file holds callers' numbers and texts: only the server's user may read it.
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    const sqlite = new SQLite(file);
    if (file !== ':memory:') chmodSync(file, 0o600);
    // WAL: readers never block the writer; NORMAL is durable across application crashes in WAL mode.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    // Another connection's lock is never waited for here (better-sqlite3 would wait synchronously, holding every
    // request): the dialect tries again asynchronously (./sqliteLocks.ts).
    sqlite.pragma('busy_timeout = 0');
    return {
      db: new Kysely<Tables>({ dialect: new PatientSqliteDialect({ database: reusingStatements(sqlite) }) }),
      dialect: 'sqlite',
      location: file === ':memory:' ? 'sqlite (memory)' : `sqlite:${path.resolve(file)}`,
    };
  }
  const pool = new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: POSTGRES_TIMEOUT_MS,
    query_timeout: POSTGRES_TIMEOUT_MS,
  });
  // A connection that drops (a restarted or unreachable server) emits 'error' on its client: idle ones
  // through the pool, checked-out ones on the client itself. Unheard, either would end the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  pool.on('connect', (client) => client.on('error', (err) => options.onIdleError?.(err)));
  return {
    db: new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) }),
    dialect: 'postgres',
    location: postgresLocation(url),
  };
}
