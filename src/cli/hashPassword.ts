// CLI: prints the scrypt hash of a password for INBOX_USERS (name:hash); the hash is the last line.
//   npm run --silent hash-password -- 'the password'
import { hashPassword } from '../inbox/passwords';

const USAGE = `Usage: npm run --silent hash-password -- 'the password'

Prints the password's scrypt hash as the last line. Put it in INBOX_USERS as name:hash, e.g.
  INBOX_USERS=alice:scrypt:32768:8:1:…
The password itself is never stored. Use 12 characters or more.`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) return void process.stdout.write(`${USAGE}\n`);
  if (args.length !== 1 || args[0] === '') {
    process.stderr.write(`give exactly one password (quoted)\n\n${USAGE}\n`);
    process.exit(2);
  }
  const password = args[0] as string;
  if (password.length < 12) process.stderr.write('warning: passwords under 12 characters are easy to guess\n');
  process.stdout.write(`${await hashPassword(password)}\n`);
}

void main();
