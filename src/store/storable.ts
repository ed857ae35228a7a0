// Owns making what a caller or Twilio sent storable in every database we support, identically: U+0000, which
// PostgreSQL's text cannot hold (22021) though SQLite can, becomes U+FFFD (so the text keeps the mark of what was
// there), and a free-form header used as a key (I-Twilio-Idempotency-Token) is bounded: a long or odd one is
// replaced by its SHA-256 (PostgreSQL refuses an index row over about 2.7 kB, 54000). Applied before any write
// or spool, so a database never sees an event the other would have taken.
import { createHash } from 'node:crypto';
import type { StoreEvent } from './events';

const NUL = /\u0000/g;
/** A token kept as sent: printable ASCII, at most this long; anything else is hashed. */
const PLAIN_TOKEN = /^[\x21-\x7e]{1,128}$/;

function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(NUL, '\uFFFD');
  if (Array.isArray(value)) return value.map(storableValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, storableValue(v)]));
  }
  return value;
}

/** The events with every text made storable (a copy; the input is not changed). */
export function storableEvents(events: readonly StoreEvent[]): StoreEvent[] {
  return events.map((event) => storableValue(event) as StoreEvent);
}

/** An idempotency token as a key every database can index: as sent when short and plain, else its hash. */
export function storableToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  return PLAIN_TOKEN.test(token) ? token : `sha256:${createHash('sha256').update(token).digest('hex')}`;
}
