// A pino logger whose lines are kept in memory, so tests can assert on what was (and was not) logged.
import { createLogger, type Logger } from '../../src/logger';

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line written so far, parsed. */
  entries(): Array<Record<string, unknown>>;
  /** Everything written so far, raw. */
  text(): string;
}

export function captureLogs(level = 'trace'): CapturedLogs {
  const chunks: string[] = [];
  const logger = createLogger(level, { write: (chunk: string) => void chunks.push(chunk) });
  return {
    logger,
    entries: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => chunks.join(''),
  };
}
