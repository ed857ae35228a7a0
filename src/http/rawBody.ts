// Owns keeping the exact bytes of a JSON body, which Twilio's bodySHA256 check hashes.
import type { IncomingMessage } from 'node:http';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The JSON body exactly as received (set by the JSON parser's verify hook). */
      rawBody?: string;
    }
  }
}

/** `verify` hook for express.json(): stores the body text before it is parsed. */
export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as IncomingMessage & { rawBody?: string }).rawBody = buf.toString('utf8');
}
