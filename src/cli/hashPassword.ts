// CLI: prints the scrypt hash of a password for INBOX_USERS (name:hash); the hash is the last line. The password
// is read from a prompt that does not echo it (typed twice), or from standard input when that is not a terminal
// (its first line), never from the command line, where it would stay in the shell's history and be visible to
// every user in the process list.
//   npm run --silent hash-password                      (asks)
//   printf '%s\n' "$PASSWORD" | npm run --silent hash-password
import { hashPassword } from '../inbox/passwords';
import { readHiddenLine, readFirstLine } from './hiddenInput';

const USAGE = `Usage: npm run --silent hash-password
       printf '%s\\n' "$PASSWORD" | npm run --silent hash-password

Asks for the password twice without showing it (or reads the first line of standard input when it is not a
terminal) and prints its scrypt hash as the last line. Put it in INBOX_USERS as name:hash, e.g.
  INBOX_USERS=alice:scrypt:32768:8:1:…
The password itself is never stored, and is never taken from the command line (it would stay in the shell's
history). Use 12 characters or more.`;

async function readPassword(): Promise<string | undefined> {
  if (!process.stdin.isTTY) return readFirstLine(process.stdin);
  const first = await readHiddenLine('Password: ');
  const again = await readHiddenLine('Again: ');
  if (first !== again) {
    process.stderr.write('the two passwords differ: nothing was hashed\n');
    process.exit(1);
  }
  return first;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) return void process.stdout.write(`${USAGE}\n`);
  if (args.length > 0) {
    process.stderr.write(
      `hash-password takes no arguments: a password on the command line stays in the shell's history.\n\n${USAGE}\n`,
    );
    process.exit(2);
  }
  const password = await readPassword();
  if (!password) {
    process.stderr.write(`no password given\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (password.length < 12) process.stderr.write('warning: passwords under 12 characters are easy to guess\n');
  process.stdout.write(`${await hashPassword(password)}\n`);
}

void main();
