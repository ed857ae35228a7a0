// Owns the per-number toll-fraud check twimlets use to choose whom to ring (simulring and findme ring the
// allowed numbers and skip the others): a number is dialled only when it is a phone number and
// OUTBOUND_ALLOWLIST allows it. The egress policy checks the whole document again as it goes out.
import type { WebhookInput } from '../http/webhookInput';
import { toE164, type Allowlist } from './phoneNumbers';

export interface DialGuard {
  /**
   * The number in E.164 when it may be dialled; undefined when not, with a warn line (without the number)
   * and the refusal told to the input's onRefusal, so a preview of the route before an outbound call sees it.
   */
  allowed(raw: string, req: WebhookInput, where: string): string | undefined;
}

export function createDialGuard(allowlist: Allowlist, defaultCountry?: 'US'): DialGuard {
  return {
    allowed(raw, req, where) {
      const e164 = toE164(raw, defaultCountry);
      const reason = e164 ? allowlist.refusal(e164) : 'not a phone number';
      if (reason) {
        // Phone numbers stay out of logs: the route and the reason are enough to find the setting.
        req.log.warn({ where, reason }, 'dial refused by the toll-fraud guard');
        req.onRefusal?.({ element: '<Number>', reason });
        return undefined;
      }
      return e164;
    },
  };
}
