// CLI: a consistent copy of the SQLite store while the server runs (src/store/backup.ts).
//   npm run --silent db:backup -- /var/backups/twiml-server-$(date +%F).db
import { configOrExit, settingsSource } from '../processConfig';
import { BackupError, backupSqlite } from '../store/backup';

const USAGE = `Usage: npm run --silent db:backup -- FILE

Copies the SQLite database DATABASE_URL names (default: STATE_DIRECTORY/twiml-server.db) to FILE with SQLite's
online backup, safe while the server runs (a plain cp can miss what is still in the -wal file). FILE is
a complete database (mode 600). To restore: stop the server, copy FILE over the database file (and delete its
-wal and -shm files), start it. PostgreSQL: use pg_dump.`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help'))
    return void process.stdout.write(`${USAGE}\n\n${settingsSource()}\n`);
  if (args.length !== 1) {
    process.stderr.write(`give the backup file\n\n${USAGE}\n`);
    process.exit(2);
  }
  const config = configOrExit();
  try {
    const done = await backupSqlite(config.database.url, args[0] as string);
    process.stdout.write(`${done.source} → ${done.target} (${done.pages} pages)\n`);
  } catch (err) {
    process.stderr.write(`db:backup: ${err instanceof BackupError ? err.message : (err as Error).message}\n`);
    process.exit(1);
  }
}

void main();
