// Owns how much one sender can make this server do: how many of their texts are announced to the operator one
// by one before the rest of the hour goes into one digest, and how many auto-replies (each billed by Twilio) they
// get in an hour. The numbers are here and in the README's "Floods" section, nowhere else.
import { createHash } from 'node:crypto';

/** The window both bounds count in: fixed clock hours (UTC), so every instance agrees on them. */
export const SENDER_WINDOW_MS = 3_600_000;

/** Texts from one number announced one by one per window; the rest of that window's texts go into one digest. */
export const ANNOUNCED_TEXTS_PER_SENDER = 5;

/** Auto-replies (the reply, the help text, the media acknowledgement) one number gets per window. */
export const AUTO_REPLIES_PER_SENDER = 3;

/** The start of the window holding `at`. */
export function windowStart(at: Date, windowMs = SENDER_WINDOW_MS): Date {
  return new Date(Math.floor(at.getTime() / windowMs) * windowMs);
}

/** A sender's number as a key that may be logged or kept in Redis: not the number itself. */
export function senderKey(number: string): string {
  return createHash('sha256').update(number).digest('hex').slice(0, 20);
}
