// Owns what the outbound CLIs share: flags parsed with node's parseArgs, config and service built as the
// server builds them, the new sid on stdout, and any failure as one line on stderr with a non-zero exit.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createLogger } from '../logger';
import { configOrExit, settingsSource } from '../processConfig';
import { ServiceError, ValidationError } from '../services/errors';
import { createApp, outboundOf } from '../app';
import type { OutboundService } from '../services/outbound';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

export interface OutboundCommand {
  readonly usage: string;
  readonly options: Options;
  /** Runs the command and returns the sid to print. */
  run(outbound: OutboundService, values: Values): Promise<string>;
}

/** Exit codes: 0 done, 1 refused or failed (config, allow-list, Twilio), 2 wrong usage. */
function fail(message: string, code: 1 | 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export async function runOutboundCommand(command: OutboundCommand): Promise<void> {
  let values: Values;
  try {
    ({ values } = parseArgs({ options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${command.usage}`, 2);
  }
  if (values.help) return void process.stdout.write(`${command.usage}\n\n${settingsSource()}\n`);

  const config = configOrExit();
  // Built as the server builds it, so a call's path is checked against the same routes and egress policy.
  // The service's own log lines stay out of the terminal: the one error line below says what matters.
  const outbound = outboundOf(createApp(config, { logger: createLogger('silent') }));
  try {
    process.stdout.write(`${await command.run(outbound, values)}\n`);
  } catch (err) {
    if (err instanceof ServiceError) fail(`error: ${err.message}`, err instanceof ValidationError ? 2 : 1);
    fail('error: unexpected failure', 1);
  }
}
