// Owns copying the SQLite store while the server runs: SQLite's online backup (better-sqlite3's backup(), page
// by page, consistent with the WAL), never a file copy, which would miss whatever is still in the -wal file. The
// copy is a complete database file of its own (WAL folded in, mode 0600, written beside the target and renamed
// into place, so a half-written backup never has the target's name). PostgreSQL is backed up with pg_dump.
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sqliteFileOf } from './database';

export class BackupError extends Error {}

export interface BackupResult {
  readonly source: string;
  readonly target: string;
  readonly pages: number;
}

export async function backupSqlite(databaseUrl: string, target: string): Promise<BackupResult> {
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new BackupError(
      'DATABASE_URL is PostgreSQL: back it up with pg_dump (docs/deploy-azure.md, "Backups"), not this command',
    );
  }
  const source = path.resolve(sqliteFileOf(databaseUrl));
  if (source.endsWith(':memory:') || !existsSync(source)) throw new BackupError(`no database file at ${source}`);
  const destination = path.resolve(target);
  if (destination === source) throw new BackupError('the backup must go to another file than the database');
  const partial = `${destination}.partial-${process.pid}`;
  const db = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    const { totalPages } = await db.backup(partial);
    // The copy is a database of its own: one file, no -wal beside it.
    const copy = new SQLite(partial);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    chmodSync(partial, 0o600);
    renameSync(partial, destination);
    return { source, target: destination, pages: totalPages };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err instanceof BackupError ? err : new BackupError(`backup failed: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
