// Owns the pino logger: level from config, and redaction of every place a secret could appear in a log line.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever a request, error or config object is logged. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'authToken',
  '*.authToken',
  'apiToken',
  '*.apiToken',
  'password',
  '*.password',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
