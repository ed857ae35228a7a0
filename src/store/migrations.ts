// Owns the store's schema history: versioned migrations kept here in the repo, applied in order by Kysely's
// Migrator at start (or `npm run db:migrate`), and the refusal to run on a database a newer version migrated.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, DialectName } from './database';

/** Kysely's own bookkeeping table (it holds one row per applied migration). */
const MIGRATION_TABLE = 'kysely_migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables the typed schema does not yet have */
type AnyDb = Kysely<any>;

/** The first version of the store: calls and their path, voicemails, messages and their statuses, the outbox. */
function initial(dialect: DialectName): Migration {
  const idColumn = (table: ReturnType<AnyDb['schema']['createTable']>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'serial', (c) => c.primaryKey())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('events')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_received_at').on('events').column('received_at').execute();

      await db.schema
        .createTable('calls')
        .addColumn('sid', 'text', (c) => c.primaryKey())
        .addColumn('direction', 'text')
        .addColumn('from_number', 'text')
        .addColumn('to_number', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_rank', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('answered_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('duration_seconds', 'integer')
        .addColumn('error_code', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('calls_started_at').on('calls').columns(['started_at', 'sid']).execute();

      await idColumn(db.schema.createTable('call_steps'))
        .addColumn('call_sid', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('call_steps_call_sid').on('call_steps').column('call_sid').execute();

      await idColumn(db.schema.createTable('voicemails'))
        .addColumn('recording_sid', 'text', (c) => c.notNull().unique())
        .addColumn('call_sid', 'text')
        .addColumn('from_number', 'text')
        .addColumn('to_number', 'text')
        .addColumn('recording_url', 'text')
        .addColumn('duration_seconds', 'integer')
        .addColumn('silent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('source', 'text')
        .addColumn('transcript', 'text')
        .addColumn('transcript_status', 'text')
        .addColumn('listened_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('voicemails_created_at').on('voicemails').columns(['created_at', 'id']).execute();

      await db.schema
        .createTable('messages')
        .addColumn('sid', 'text', (c) => c.primaryKey())
        .addColumn('direction', 'text')
        .addColumn('from_number', 'text')
        .addColumn('to_number', 'text')
        .addColumn('body', 'text')
        .addColumn('media_urls', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_rank', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('messages_created_at').on('messages').columns(['created_at', 'sid']).execute();

      await idColumn(db.schema.createTable('message_statuses'))
        .addColumn('message_sid', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('message_statuses_sid').on('message_statuses').column('message_sid').execute();

      await idColumn(db.schema.createTable('notifications'))
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('recipients', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addUniqueConstraint('notifications_topic_channel', ['topic', 'channel'])
        .execute();
      await db.schema
        .createIndex('notifications_due')
        .on('notifications')
        .columns(['status', 'next_attempt_at'])
        .execute();
    },
  };
}

/** Inbox sessions ended by signing out: their cookies stay refused until they would have expired anyway. */
const inboxSignOuts: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('inbox_sign_outs')
      .addColumn('nonce', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Floods: the outbox sends voicemails before texts (a priority, set to 0 for the voicemails already waiting), and
 * a sender's texts in a window are counted by an index instead of a scan.
 */
const floodBounds: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('notifications')
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db
      .updateTable('notifications')
      .set({ priority: 0 })
      .where((eb) => eb.or([eb('topic', 'like', 'voicemail:%'), eb('topic', 'like', 'transcript:%')]))
      .execute();
    await db.schema.dropIndex('notifications_due').execute();
    await db.schema
      .createIndex('notifications_due')
      .on('notifications')
      .columns(['status', 'priority', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('messages_sender_window')
      .on('messages')
      .columns(['from_number', 'direction', 'created_at'])
      .execute();
  },
};

/** Every migration, by name; names sort in the order they apply. Add new ones at the end, never edit one. */
export function migrationsFor(dialect: DialectName): Record<string, Migration> {
  return { '001_initial': initial(dialect), '002_inbox_sign_outs': inboxSignOuts, '003_flood_bounds': floodBounds };
}

/** The database was migrated by a newer version of this server: running old code on it would corrupt it. */
export class DatabaseTooNewError extends Error {
  constructor(location: string, unknown: readonly string[]) {
    super(
      `The database at ${location} was migrated by a newer version of twiml-server (migration ${unknown.join(', ')} is unknown to this version). Run the newer version, or point DATABASE_URL at another database.`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

async function appliedMigrations(db: AnyDb, schema: string | undefined): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === MIGRATION_TABLE && (schema === undefined || t.schema === schema))) return [];
  const rows = await (schema === undefined ? db : db.withSchema(schema))
    .selectFrom(MIGRATION_TABLE)
    .select('name')
    .execute();
  return rows.map((r: { name: string }) => r.name);
}

/**
 * The PostgreSQL schema our tables live in (the first of search_path): Kysely's bookkeeping is looked for there
 * only. Unnamed, Kysely finds a kysely_migration table in any schema — another application's — and skips creating
 * ours.
 */
async function schemaOf(database: Database): Promise<string | undefined> {
  if (database.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(database.db);
  return rows[0]?.schema ?? undefined;
}

/** Applies every pending migration; returns the names applied. Throws DatabaseTooNewError before touching anything. */
export async function migrate(database: Database): Promise<string[]> {
  const db = database.db as unknown as AnyDb;
  const known = migrationsFor(database.dialect);
  const schema = await schemaOf(database);
  const unknown = (await appliedMigrations(db, schema)).filter((name) => !(name in known));
  if (unknown.length > 0) throw new DatabaseTooNewError(database.location, unknown);
  const provider: MigrationProvider = { getMigrations: async () => known };
  const migrator = new Migrator({ db, provider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
