// Owns phone numbers from users: normalising to E.164 (and, with DEFAULT_COUNTRY=US, common US forms),
// and the toll-fraud allow-list every outbound destination must pass.
import { E164 } from '../formats';
import { createNameList } from './patterns';

/** Formatting people paste around numbers: spaces, dashes, dots, parentheses. */
const FORMATTING = /[\s\-.()]/g;

/**
 * The number in E.164, or undefined when it is not a phone number we accept. "+1 (415) 555-1212" is
 * accepted everywhere; "(415) 555-1212", "415-555-1212" and "1 415 555 1212" only with defaultCountry US.
 */
export function toE164(input: string, defaultCountry?: 'US'): string | undefined {
  const compact = input.trim().replace(FORMATTING, '');
  if (E164.test(compact)) return compact;
  if (defaultCountry === 'US' && /^1?[2-9]\d{2}[2-9]\d{6}$/.test(compact)) {
    return `+1${compact.length === 11 ? compact.slice(1) : compact}`;
  }
  return undefined;
}

export type Refusal = 'no OUTBOUND_ALLOWLIST' | 'not in OUTBOUND_ALLOWLIST';

export interface Allowlist {
  /** False when no allow-list is configured: then nothing may be dialled. */
  readonly configured: boolean;
  allows(e164: string): boolean;
  /** Why this number may not be reached, or undefined when it may. */
  refusal(e164: string): Refusal | undefined;
}

/** Entries are exact E.164 numbers or prefixes ending in * (validated by the config module). */
export function createAllowlist(entries: readonly string[] | undefined): Allowlist {
  const { configured, allows } = createNameList(entries);
  return {
    configured,
    allows,
    refusal: (e164) =>
      !configured ? 'no OUTBOUND_ALLOWLIST' : !allows(e164) ? 'not in OUTBOUND_ALLOWLIST' : undefined,
  };
}
