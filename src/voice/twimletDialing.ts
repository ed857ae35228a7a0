// Owns what the dialling twimlets (forward, simulring, callme, findme) share: who may be rung (each number through
// the toll-fraud guard; a refused one is dropped and logged), the whisper each called party hears, and the action
// URL a one-step dial comes back to.
import type { Config } from '../config';
import { badRequest } from '../http/errors';
import { param, type Params } from '../http/params';
import { selfUrl } from '../http/twimletParams';
import type { WebhookInput } from '../http/webhookInput';
import { createDialGuard } from '../policy/dialGuard';
import { createAllowlist } from '../policy/phoneNumbers';
import type { DialTarget } from '../../views/twimlets';

export interface TwimletDialing {
  /** The numbers that may be dialled, each with its whisper URL; refused ones are dropped (and logged). */
  allowedTargets(req: WebhookInput, numbers: string[], where: string, whisperUrl?: string): DialTarget[];
  /** The action of a one-step dial (forward, simulring): back to `path` with Dial=true, keeping the FailUrl. */
  dialActionUrl(req: WebhookInput, path: string, failUrl: string | undefined): string;
  /** The whisper each called party hears; HumanCheck hangs up on silence (voicemail must not take the call). */
  whisperUrlFor(req: WebhookInput, message: string | undefined, humanCheck: boolean): string;
}

export function createTwimletDialing(config: Config): TwimletDialing {
  const base = config.publicBaseUrl;
  const guard = createDialGuard(createAllowlist(config.outbound.allowlist), config.outbound.defaultCountry);
  return {
    allowedTargets: (req, numbers, where, whisperUrl) =>
      numbers.flatMap((raw) => {
        const number = guard.allowed(raw, req, where);
        return number ? [{ number, url: whisperUrl }] : [];
      }),
    dialActionUrl: (req, path, failUrl) =>
      selfUrl(req, base, path, [['Dial', 'true'], ...(failUrl ? [['FailUrl', failUrl] as [string, string]] : [])]),
    whisperUrlFor: (req, message, humanCheck) =>
      selfUrl(req, base, '/twiml/whisper', [
        ...(message ? [['Message', message] as [string, string]] : []),
        ...(humanCheck ? [['HumanCheck', 'true'] as [string, string]] : []),
      ]),
  };
}

/** PhoneNumber, which forward and callme cannot do without. */
export function phoneNumberOf(params: Params): string {
  const phoneNumber = param(params, 'PhoneNumber');
  if (!phoneNumber?.trim()) throw badRequest('PhoneNumber is required');
  return phoneNumber;
}
