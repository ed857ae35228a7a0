// CLI: applies the store's pending migrations to DATABASE_URL (the server also does at start) and prints
// what it applied; exit 1 when the database is newer than this code or cannot be reached.
//   npm run --silent db:migrate
import { errorReason } from '../errorReason';
import { configOrExit } from '../processConfig';
import { DatabaseTooNewError, migrate } from '../store/migrations';
import { openDatabase } from '../store/database';

async function main(): Promise<void> {
  if (process.argv.slice(2).some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(
      'Usage: npm run --silent db:migrate\n\nApplies pending migrations to DATABASE_URL (default data/twiml-server.db) and lists them.\n',
    );
    return;
  }
  const config = configOrExit();
  const database = openDatabase(config.database.url);
  try {
    const applied = await migrate(database);
    process.stdout.write(
      applied.length > 0
        ? `${database.location}: applied ${applied.join(', ')}\n`
        : `${database.location}: up to date\n`,
    );
  } catch (err) {
    const message =
      err instanceof DatabaseTooNewError ? err.message : `cannot migrate ${database.location}: ${errorReason(err)}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  } finally {
    await database.db.destroy();
  }
}

void main();
