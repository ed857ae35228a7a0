// CLI: prints a ready curl command with a correct X-Twilio-Signature for PUBLIC_BASE_URL (or
// http://localhost:PORT) and TWILIO_AUTH_TOKEN, so any webhook can be exercised by hand.
//   npm run --silent sign -- POST /voice From=+15551234567 Digits=1
//   npm run --silent sign -- GET /twiml/message 'Message[0]=Hello World'
//   npm run --silent sign -- POST /callbacks/call-status --json '{"CallSid":"CA123"}'
import { parseArgs } from 'node:util';
import { configOrExit } from '../processConfig';
import { signedCurl } from './signedCurl';

const USAGE = `Usage: npm run --silent sign -- [GET|POST] PATH [NAME=VALUE ...] [--json BODY] [--base-url URL]

Prints a curl command that carries a valid X-Twilio-Signature, computed with the twilio package for
TWILIO_AUTH_TOKEN and the URL Twilio would call: --base-url, else PUBLIC_BASE_URL, else http://localhost:PORT.

  METHOD        GET or POST (default POST). GET puts the parameters in the query string.
  PATH          the route, e.g. /voice or /twiml/message (may carry its own ?query)
  NAME=VALUE    webhook parameters, e.g. From=+15551234567 Digits=1 'Message[0]=Hello World'
  --json BODY   send BODY as application/json, signed through ?bodySHA256= (POST, no NAME=VALUE)
  --base-url    the public origin to sign for, overriding PUBLIC_BASE_URL
  -h, --help    this text`;

function fail(message: string): never {
  process.stderr.write(`sign: ${message}\n`);
  process.exit(2);
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'string' },
      'base-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);

  const args = [...positionals];
  const method = /^(GET|POST)$/i.test(args[0] ?? '') ? (args.shift() as string).toUpperCase() : 'POST';
  const path = args.shift();
  if (!path || !path.startsWith('/')) fail(`a PATH starting with / is required\n\n${USAGE}`);
  const params = args.map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`"${pair}" is not NAME=VALUE`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });

  const config = configOrExit();
  const base = (values['base-url'] ?? config.publicBaseUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  if (!config.twilio.authToken) {
    process.stderr.write(
      'sign: TWILIO_AUTH_TOKEN is not set; printing an unsigned command (the server accepts it only while its check is off)\n',
    );
  }
  try {
    const command = signedCurl({
      method: method as 'GET' | 'POST',
      url: base + path,
      params,
      json: values.json,
      authToken: config.twilio.authToken,
    });
    process.stdout.write(`${command}\n`);
  } catch (err) {
    fail((err as Error).message);
  }
}

main();
