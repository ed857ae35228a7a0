// Owns the toll-fraud check for numbers that come from a request (twimlet parameters, echoed TwiML): a number
// is dialled only when it is a phone number and OUTBOUND_ALLOWLIST allows it; anything else is logged.
import type { Logger } from './logger';
import { toE164, type Allowlist } from './services/phoneNumbers';

export interface DialGuard {
  /** The number in E.164 when it may be dialled; undefined (and a warn line) when not. */
  allowed(raw: string, log: Logger, where: string): string | undefined;
}

export function createDialGuard(allowlist: Allowlist, defaultCountry?: 'US'): DialGuard {
  return {
    allowed(raw, log, where) {
      const e164 = toE164(raw, defaultCountry);
      const reason = e164 ? allowlist.refusal(e164) : 'not a phone number';
      if (reason) {
        log.warn({ number: raw, where, reason }, 'dial refused by the toll-fraud guard');
        return undefined;
      }
      return e164;
    },
  };
}
