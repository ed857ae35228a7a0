// CLI: the local Twilio simulator. Plays a call or a text against any TwiML server, with real signatures,
// and prints a transcript; or serves Twilio's REST API so calls placed through it are played out.
//   npm run --silent simulate -- call --url http://localhost:3000/voice --press 2
//   npm run --silent simulate -- sms --url http://localhost:3000/sms --body HELP
//   npm run --silent simulate -- serve --port 4010
import { parseArgs } from 'node:util';
import type { Config } from '../config';
import { configOrExit, settingsSource } from '../processConfig';
import { SIMULATOR_RECORDINGS, TwilioApiServer } from '../simulator/restServer';
import { runInboundSms } from '../simulator/inboundSms';
import { callTranscript, smsTranscript } from '../simulator/transcript';
import { runCall, type CallScript, type CallerInput, type DialOutcome } from '../simulator/voiceCall';
import { methodOf } from '../simulator/webhook';
import { basicAuthorization } from '../http/urlCredentials';

const USAGE = `Usage:
  npm run --silent simulate -- call --url URL [caller actions] [options]
  npm run --silent simulate -- sms  --url URL --body TEXT [--media-url URL ...] [options]
  npm run --silent simulate -- serve [--port 4010] [--number +1555…] [caller actions]

call    Calls URL as Twilio calls a number's voice webhook and plays out the TwiML: prompts, menus,
        dialling, recording, redirects, status and recording callbacks. Prints one line per step.
        When the call ends, its status callback goes where setup-number points the number's:
        /callbacks/call-status on the URL's server (--status-callback, --no-status-callback).
        With TWILIO_API_BASE_URL naming a running \`simulate serve\`, the call's recordings are handed to
        it, so an app using the same TWILIO_API_BASE_URL plays them as it would play Twilio's.
sms     Texts URL as Twilio calls a number's messaging webhook and prints each <Message> reply.
serve   Serves Twilio's REST API (Calls, Messages) on --port: point an app's TWILIO_API_BASE_URL at it,
        or any twilio client, and every call placed is played out and its transcript printed.

Caller actions, used in order, one per <Gather> (after the last, the caller stays silent):
  --press DIGITS        press keys, e.g. --press 2 or --press 1234#
  --say TEXT            say something (speech input), e.g. --say "leave a message"
  --silence             say nothing at this <Gather>
Other outcomes:
  --dial OUTCOME        how each <Dial> ends, in order: answered (default), busy, no-answer, failed
  --callee-press DIGITS what the answering party presses at a whisper (<Number url>), in order
  --record-seconds N    length of each <Record> (default 5; 0 is silence)
  --record-end HOW      how each <Record> ends, in order: key (default), hangup (the caller hangs up
                        while recording), absent (Twilio found only silence)
  --queue OUTCOME       how an <Enqueue> wait ends: bridged (default) or hangup
Options:
  --url URL             the webhook to call (required for call and sms)
  --method GET|POST     how to call it (default POST)
  --from NUMBER         the caller (default +15550001111)
  --to NUMBER           the number called (default TWILIO_PHONE_NUMBER or +15550006666)
  --status-callback URL call only: where the call's completed status callback goes
                        (default: /callbacks/call-status on the --url's server)
  --no-status-callback  call only: send none (a number with no status callback configured)
  --port N              serve only: port to listen on (default 4010)
  --number NUMBER       serve only: a phone number the account owns (repeat for more), so that
                        setup-number can be rehearsed against it
  --json                print the result as JSON instead of a transcript
  -h, --help            this text

Requests are signed with TWILIO_AUTH_TOKEN (from the environment or .env), as Twilio signs them; serve
also checks TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN as Basic auth. Exit status: 0 when the call or
message was handled without error, 1 when Twilio would have reported an error, 2 for invalid usage.`;

const DIAL_OUTCOMES = new Set(['answered', 'busy', 'no-answer', 'failed']);
const FALLBACK_ACCOUNT = `AC${'0'.repeat(32)}`;

function usageError(message: string): never {
  process.stderr.write(`simulate: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      tokens: true,
      options: {
        url: { type: 'string' },
        method: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        body: { type: 'string' },
        'media-url': { type: 'string', multiple: true },
        press: { type: 'string', multiple: true },
        say: { type: 'string', multiple: true },
        silence: { type: 'boolean', multiple: true },
        dial: { type: 'string', multiple: true },
        'callee-press': { type: 'string', multiple: true },
        'record-seconds': { type: 'string' },
        'record-end': { type: 'string', multiple: true },
        queue: { type: 'string' },
        port: { type: 'string' },
        number: { type: 'string', multiple: true },
        'status-callback': { type: 'string' },
        'no-status-callback': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    usageError((err as Error).message);
  }
}

type Parsed = ReturnType<typeof parse>;

/** The caller's actions in the order they were given on the command line. */
function scriptFrom({ values, tokens }: Parsed): CallScript {
  const inputs: CallerInput[] = [];
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (token.name === 'press') {
      if (!/^[0-9*#w]+$/.test(token.value ?? '')) usageError(`--press takes keys 0-9, * and #, got "${token.value}"`);
      inputs.push({ digits: token.value as string });
    } else if (token.name === 'say') inputs.push({ speech: token.value ?? '' });
    else if (token.name === 'silence') inputs.push({ silence: true });
  }
  const dial = (values.dial ?? []).map((d) => {
    if (!DIAL_OUTCOMES.has(d)) usageError(`--dial takes answered, busy, no-answer or failed, got "${d}"`);
    return d as DialOutcome;
  });
  const recordSeconds = values['record-seconds'] === undefined ? undefined : Number(values['record-seconds']);
  if (recordSeconds !== undefined && !(Number.isInteger(recordSeconds) && recordSeconds >= 0)) {
    usageError('--record-seconds takes a whole number of seconds');
  }
  if (values.queue !== undefined && !['bridged', 'hangup'].includes(values.queue))
    usageError('--queue takes bridged or hangup');
  const callee = (values['callee-press'] ?? []).map((digits) => {
    if (!/^[0-9*#w]+$/.test(digits)) usageError(`--callee-press takes keys 0-9, * and #, got "${digits}"`);
    return { digits };
  });
  const recordEnds = (values['record-end'] ?? []).map((how) => {
    if (!['key', 'hangup', 'absent'].includes(how))
      usageError(`--record-end takes key, hangup or absent, got "${how}"`);
    return how as 'key' | 'hangup' | 'absent';
  });
  return { inputs, dial, recordSeconds, recordEnds, queue: values.queue as CallScript['queue'], callee };
}

function requireUrl(url: string | undefined): string {
  if (!url) usageError('--url is required');
  try {
    return new URL(url).toString();
  } catch {
    usageError(`--url must be an absolute http(s) URL, got "${url}"`);
  }
}

async function serve(parsed: Parsed, config: Config): Promise<void> {
  const { accountSid, authToken } = config.twilio;
  if (!accountSid || !authToken) {
    process.stderr.write(
      'simulate serve: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: they are checked as Basic auth and sign every webhook\n',
    );
    process.exit(1);
  }
  const port = Number(parsed.values.port ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usageError('--port takes a port number');
  const numbers = parsed.values.number ?? [];
  for (const number of numbers)
    if (!/^\+[1-9]\d{7,14}$/.test(number)) usageError(`--number takes E.164, got "${number}"`);
  const server = await TwilioApiServer.start({
    accountSid,
    authToken,
    port,
    host: '127.0.0.1',
    execute: {
      script: scriptFrom(parsed),
      onCall: (result) =>
        process.stdout.write(`${parsed.values.json ? JSON.stringify(result) : `\n${callTranscript(result)}`}\n`),
      onMessageStatus: (sid, status, httpStatus) =>
        process.stdout.write(`message ${sid} ${status} → callback ${httpStatus ?? 'failed'}\n`),
    },
  });
  for (const number of numbers) server.addNumber(number);
  process.stdout.write(
    `Twilio REST simulator on ${server.url} (account ${accountSid}${numbers.length ? `, numbers ${numbers.join(' ')}` : ''}); set TWILIO_API_BASE_URL=${server.url}\n`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Where a call's status callback goes: the number's, as setup-number sets it, unless told otherwise. */
function statusCallbackFor(url: string, values: Parsed['values']) {
  if (values['no-status-callback']) return undefined;
  const target = values['status-callback'] ?? new URL('/callbacks/call-status', url).toString();
  if (!URL.canParse(target)) usageError(`--status-callback must be an absolute http(s) URL, got "${target}"`);
  return { url: target, method: 'POST' as const, events: ['completed'] };
}

/**
 * With TWILIO_API_BASE_URL naming a simulator (anything but Twilio's own API), the recordings a call makes are
 * handed to it (POST /simulator/Recordings) so that its media can be fetched there; undefined for Twilio.
 */
function recordingHandOver(config: Config) {
  const base = config.twilioApi.baseUrl.replace(/\/+$/, '');
  const { accountSid, authToken } = config.twilio;
  if (/^https:\/\/api\.twilio\.com$/i.test(base) || !accountSid || !authToken) return undefined;
  const sent: Array<Promise<string | undefined>> = [];
  return {
    apiBaseUrl: base,
    add: (recordingSid: string, seconds: number) =>
      void sent.push(
        fetch(`${base}${SIMULATOR_RECORDINGS}`, {
          method: 'POST',
          headers: { Authorization: basicAuthorization(accountSid, authToken) },
          body: new URLSearchParams({ RecordingSid: recordingSid, Seconds: String(seconds) }),
        }).then(
          (res) => (res.ok ? undefined : `recording ${recordingSid} not handed to ${base}: it answered ${res.status}`),
          (err: Error) =>
            `recording ${recordingSid} not handed to ${base} (TWILIO_API_BASE_URL): ${(err.cause as Error | undefined)?.message ?? err.message}`,
        ),
      ),
    settled: async () => (await Promise.all(sent)).filter(Boolean).join('\n') || undefined,
  };
}

async function main(): Promise<void> {
  const parsed = parse();
  const { values, positionals } = parsed;
  if (values.help) return void process.stdout.write(`${USAGE}\n\n${settingsSource()}\n`);
  const command = positionals[0];
  if (!['call', 'sms', 'serve'].includes(command ?? '')) usageError('say call, sms or serve');
  const config = configOrExit();
  if (command === 'serve') return serve(parsed, config);

  const common = {
    url: requireUrl(values.url),
    method: methodOf(values.method),
    from: values.from ?? '+15550001111',
    to: values.to ?? config.twilio.phoneNumber ?? '+15550006666',
    accountSid: config.twilio.accountSid ?? FALLBACK_ACCOUNT,
    authToken: config.twilio.authToken,
  };
  if (command === 'call') {
    const handOver = recordingHandOver(config);
    const result = await runCall(
      {
        ...common,
        statusCallback: statusCallbackFor(common.url, values),
        ...(handOver ? { apiBaseUrl: handOver.apiBaseUrl, onRecording: handOver.add } : {}),
      },
      scriptFrom(parsed),
    );
    const handedOver = await handOver?.settled();
    if (handedOver) process.stderr.write(`${handedOver}\n`);
    process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : callTranscript(result)}\n`);
    process.exit(result.error ? 1 : 0);
  }
  if (values.body === undefined) usageError('sms needs --body');
  const result = await runInboundSms({ ...common, body: values.body, mediaUrls: values['media-url'] });
  process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : smsTranscript(result)}\n`);
  process.exit(result.error ? 1 : 0);
}

void main();
