// CLI: prints a ready curl command with a correct X-Twilio-Signature for PUBLIC_BASE_URL (or
// http://localhost:PORT) and TWILIO_AUTH_TOKEN, so any webhook can be exercised by hand.
//   npm run --silent sign -- POST /voice From=+15551234567 Digits=1
//   npm run --silent sign -- GET /twiml/message 'Message[0]=Hello World'
//   npm run --silent sign -- POST /callbacks/call-status --json '{"CallSid":"CA123"}'
import { maskCredentials } from '../http/urlCredentials';
import { configOrExit, settingsSource } from '../processConfig';
import { signedCurl } from './signedCurl';

const USAGE = `Usage: npm run --silent sign -- [GET|POST] PATH [NAME=VALUE ...] [--json BODY] [--base-url URL]

Prints a curl command that carries a valid X-Twilio-Signature, computed with the twilio package for
TWILIO_AUTH_TOKEN and the URL Twilio would call: --base-url, else PUBLIC_BASE_URL, else http://localhost:PORT.

  METHOD        GET or POST (default POST). GET puts the parameters in the query string.
  PATH          the route, e.g. /voice or /twiml/message (may carry its own ?query)
  NAME=VALUE    webhook parameters, e.g. From=+15551234567 Digits=1 'Message[0]=Hello World' (any name,
                -x=1 included; after --, every argument is one)
  --json BODY   send BODY as application/json, signed through ?bodySHA256= (POST, no NAME=VALUE)
  --base-url    the public origin to sign for, overriding PUBLIC_BASE_URL
  -h, --help    this text`;

function fail(message: string): never {
  process.stderr.write(`sign: ${message}\n`);
  process.exit(2);
}

interface Arguments {
  readonly json?: string;
  readonly baseUrl?: string;
  readonly help: boolean;
  readonly positionals: string[];
}

/**
 * Our three options, and everything else is a positional: a parameter may be named like an option (-x=1),
 * which a general option parser would refuse with a stack trace.
 */
function parse(argv: readonly string[]): Arguments {
  const positionals: string[] = [];
  let json: string | undefined;
  let baseUrl: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const valueOf = (name: string): string => {
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
      const next = argv[++i];
      if (next === undefined) fail(`${name} needs a value\n\n${USAGE}`);
      return next;
    };
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '--json' || arg.startsWith('--json=')) json = valueOf('--json');
    else if (arg === '--base-url' || arg.startsWith('--base-url=')) baseUrl = valueOf('--base-url');
    else positionals.push(arg);
  }
  return { json, baseUrl, help, positionals };
}

/** The URL curl will send, and so the one to sign: spaces and other characters a URL cannot hold encoded. */
function requestUrl(base: string, path: string): string {
  try {
    return new URL(base + path).href;
  } catch {
    fail(`"${path}" does not make a URL with ${maskCredentials(base)}`);
  }
}

function main(): void {
  const values = parse(process.argv.slice(2));
  if (values.help) return void process.stdout.write(`${USAGE}\n\n${settingsSource()}\n`);

  const args = [...values.positionals];
  const method = /^(GET|POST)$/i.test(args[0] ?? '') ? (args.shift() as string).toUpperCase() : 'POST';
  const path = args.shift();
  if (!path || !path.startsWith('/')) fail(`a PATH starting with / is required\n\n${USAGE}`);
  const params = args.map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`"${pair}" is not NAME=VALUE`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });

  const config = configOrExit();
  const base = (values.baseUrl ?? config.publicBaseUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  if (!config.twilio.authToken) {
    process.stderr.write(
      'sign: TWILIO_AUTH_TOKEN is not set; printing an unsigned command (the server accepts it only while its check is off)\n',
    );
  }
  try {
    const command = signedCurl({
      method: method as 'GET' | 'POST',
      url: requestUrl(base, path),
      params,
      json: values.json,
      authToken: config.twilio.authToken,
    });
    process.stdout.write(`${command}\n`);
  } catch (err) {
    fail((err as Error).message);
  }
}

try {
  main();
} catch (err) {
  // Whatever went wrong, a reason and exit 2: never a stack trace.
  fail((err as Error).message);
}
