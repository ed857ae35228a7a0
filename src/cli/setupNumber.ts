// CLI: points one of the account's Twilio numbers at this server (voice URL, SMS URL, status callback) and
// prints its settings before and after.
//   npm run --silent setup-number -- +15551234567
import { errorReason } from '../errorReason';
import { parseArgs } from 'node:util';
import { configOrExit, settingsSource } from '../processConfig';
import { maskCredentials } from '../http/urlCredentials';
import { ServiceError, TwilioApiError, ValidationError } from '../services/errors';
import { twilioClientFromConfig } from '../services/fromConfig';
import { setUpNumber, type NumberWiring } from '../services/numberSetup';

const USAGE = `Usage: npm run --silent setup-number -- NUMBER

Finds NUMBER (E.164, e.g. +15551234567) among the account's phone numbers and sets, all with POST:
  voice URL        PUBLIC_BASE_URL/voice
  SMS URL          PUBLIC_BASE_URL/sms
  status callback  PUBLIC_BASE_URL/callbacks/call-status
then prints the settings before and after. Needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (or an API key)
and PUBLIC_BASE_URL, read like the server reads them (environment over .env).

  -h, --help  this text

Exit status: 0 done, 1 refused or failed, 2 invalid arguments.`;

function fail(message: string, code: 1 | 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function table(wiring: NumberWiring): string {
  const show = (url: string | null, method: string | null) =>
    url ? `${method ?? 'POST'} ${maskCredentials(url)}` : '(none)';
  return [
    `  voice URL        ${show(wiring.voiceUrl, wiring.voiceMethod)}`,
    `  SMS URL          ${show(wiring.smsUrl, wiring.smsMethod)}`,
    `  status callback  ${show(wiring.statusCallback, wiring.statusCallbackMethod)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  let positionals: string[];
  let help: boolean | undefined;
  try {
    const parsed = parseArgs({
      options: { help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    positionals = parsed.positionals;
    help = parsed.values.help;
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  if (help) return void process.stdout.write(`${USAGE}\n\n${settingsSource()}\n`);
  if (positionals.length !== 1) fail(`give exactly one phone number\n\n${USAGE}`, 2);
  const config = configOrExit();
  try {
    const result = await setUpNumber(twilioClientFromConfig(config), positionals[0] as string, config.publicBaseUrl);
    process.stdout.write(
      `${result.phoneNumber} (${result.sid})\nbefore:\n${table(result.before)}\nafter:\n${table(result.after)}\n`,
    );
  } catch (err) {
    if (err instanceof ServiceError) fail(`error: ${err.message}`, err instanceof ValidationError ? 2 : 1);
    const rest = err as { status?: number; code?: number; message?: string };
    if (typeof rest.status === 'number') {
      const apiError = new TwilioApiError({ status: rest.status, code: rest.code, message: rest.message ?? '' });
      fail(`error: ${apiError.message}`, 1);
    }
    fail(
      `error: could not reach the Twilio API at ${config.twilioApi.baseUrl} (TWILIO_API_BASE_URL): ${errorReason(err)}`,
      1,
    );
  }
}

void main();
