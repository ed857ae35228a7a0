// Test databases: the store suites run on SQLite always, and on PostgreSQL when TEST_DATABASE_URL is set
// (.ci/run sets it), each suite in a schema of its own that is dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openStore, type Store } from '../../src/store/store';

export interface TestDatabase {
  /** A DATABASE_URL for a fresh, empty database. */
  readonly url: string;
  drop(): Promise<void>;
}

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

export const POSTGRES_URL = process.env.TEST_DATABASE_URL;

const withOption = (url: string, option: string) => `${url}${url.includes('?') ? '&' : '?'}${option}`;

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twiml-store-'));
    return {
      url: `sqlite:${path.join(dir, 'test.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async create() {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    return {
      url: withOption(POSTGRES_URL as string, `options=${encodeURIComponent(`-c search_path=${schema}`)}`),
      async drop() {
        const client = new Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      },
    };
  },
};

/** The backends this machine can run: SQLite, and PostgreSQL when TEST_DATABASE_URL names one. */
export const BACKENDS: Backend[] = POSTGRES_URL ? [sqliteBackend, postgresBackend] : [sqliteBackend];

/** Announces, once per suite, that the PostgreSQL half is skipped and why. */
export function reportPostgresSkip(suite: string): void {
  if (!POSTGRES_URL) {
    // eslint-disable-next-line no-console
    console.warn(`SKIP: ${suite} on PostgreSQL: TEST_DATABASE_URL is not set (.ci/run sets it to the local server)`);
  }
}

export interface StoreUnderTest {
  /** The migrated store, open from the hook's start to its end. */
  readonly store: Store;
  /** Its DATABASE_URL (for a second store or the app's config). */
  readonly url: string;
}

/** A migrated store on a fresh database of `backend`, for each test or for the whole suite; dropped afterwards. */
export function storeOn(backend: Backend, per: 'test' | 'suite' = 'test'): StoreUnderTest {
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  (per === 'test' ? beforeEach : beforeAll)(async () => {
    database = await backend.create();
    store = openStore(database.url);
    await store.ready();
  });
  (per === 'test' ? afterEach : afterAll)(async () => {
    await store?.close();
    await database?.drop();
  });
  const open = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('storeOn: used outside a test');
    return value;
  };
  return {
    get store() {
      return open(store);
    },
    get url() {
      return open(database).url;
    },
  };
}
