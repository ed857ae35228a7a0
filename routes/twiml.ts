// Routes for the twimlets we host (drop-in equivalents of twimlets.com, same parameters). Twilio fetches them
// as a call's URL, a <Dial>'s action or a <Number>'s whisper URL:
//   /twiml/message   — Message / Message[n]: <Say> each text, <Play> each URL, in order
//   /twiml/echo      — Twiml: the document itself, once it is valid TwiML
//   /twiml/forward   — PhoneNumber, CallerId, Timeout, FailUrl, AllowedCallers[]
//   /twiml/simulring — PhoneNumbers[], Message (whispered), Timeout, FailUrl, HumanCheck: ring all at once
//   /twiml/findme    — PhoneNumbers[] (≤ 10), Message (whispered), Timeout, FailUrl: one after another
//   /twiml/callme    — PhoneNumber, Message (whispered), Timeout, FailUrl: ring one number, whispered
//   /twiml/whisper   — Message, HumanCheck: the called party presses a key to accept
//   /twiml/menu      — Message, Options[key]=url
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data (From,
// Digits, DialCallStatus) from the body of a POST or the query of a GET. Every number to ring passes the
// toll-fraud guard (a refused one is skipped or apologised for), and every document passes the egress policy
// on its way out (src/middleware/egressGate.ts), echoed documents included.
import type { Config } from '../src/config';
import { createDialGuard } from '../src/policy/dialGuard';
import { badRequest } from '../src/http/errors';
import {
  digitsOf,
  failUrlFrom,
  resolveTwimletUrl,
  sayOptionsFrom,
  selfUrl,
  timeoutFrom,
} from '../src/http/twimletParams';
import { dialConnected } from '../src/http/callOutcomes';
import { listParam, param, urlParams, type Params } from '../src/http/params';
import type { WebhookRoute, WebhookRoutes } from '../src/http/routing';
import { callEvents } from '../src/http/webhookEvents';
import type { WebhookInput } from '../src/http/webhookInput';
import { twilioParams, type DialActionParams, type GatherActionParams } from '../src/http/twilioParams';
import { createAllowlist } from '../src/policy/phoneNumbers';
import { parseTwiml } from '../src/twiml/document';
import { redirectTwiml } from '../views/voice';
import {
  TWIMLET_PHRASES,
  acceptTwimlet,
  afterDialTwimlet,
  dialTwimlet,
  goodbyeTwimlet,
  menuTwimlet,
  messageTwimlet,
  whisperTwimlet,
  type DialTarget,
} from '../views/twimlets';

const MAX_FINDME_NUMBERS = 10;

/** PhoneNumber, which forward and callme cannot do without. */
function phoneNumberOf(params: Params): string {
  const phoneNumber = param(params, 'PhoneNumber');
  if (!phoneNumber?.trim()) throw badRequest('PhoneNumber is required');
  return phoneNumber;
}

export function twimlRoutes(config: Config): WebhookRoutes {
  const base = config.publicBaseUrl;
  const guard = createDialGuard(createAllowlist(config.outbound.allowlist), config.outbound.defaultCountry);

  /** The numbers that may be dialled, each with its whisper URL; refused ones are dropped (and logged). */
  const allowedTargets = (req: WebhookInput, numbers: string[], where: string, whisperUrl?: string): DialTarget[] =>
    numbers.flatMap((raw) => {
      const number = guard.allowed(raw, req, where);
      return number ? [{ number, url: whisperUrl }] : [];
    });

  /** The action of a one-step dial (forward, simulring): back here with Dial=true, keeping the FailUrl. */
  const dialActionUrl = (req: WebhookInput, path: string, failUrl: string | undefined) =>
    selfUrl(req, base, path, [['Dial', 'true'], ...(failUrl ? [['FailUrl', failUrl] as [string, string]] : [])]);

  /** The whisper each called party hears; HumanCheck hangs up on silence (voicemail must not take the call). */
  const whisperUrlFor = (req: WebhookInput, message: string | undefined, humanCheck: boolean) =>
    selfUrl(req, base, '/twiml/whisper', [
      ...(message ? [['Message', message] as [string, string]] : []),
      ...(humanCheck ? [['HumanCheck', 'true'] as [string, string]] : []),
    ]);

  /**
   * simulring and callme: ring every allowed number at once, each whispered (the Message), and come back
   * with Dial=true to hang up or go on to the FailUrl.
   */
  const ringAtOnce = (
    path: string,
    targetsOf: (params: Params) => { numbers: string[]; humanCheck: boolean },
  ): WebhookRoute => ({
    events: callEvents,
    twiml: (req) => {
      const params = urlParams(req);
      const say = sayOptionsFrom(params, config.say);
      const failUrl = failUrlFrom(req, params, base);
      if (param(params, 'Dial')) return afterDialTwimlet(dialConnected(twilioParams(req)), failUrl);
      const { numbers, humanCheck } = targetsOf(params);
      const whisper = whisperUrlFor(req, param(params, 'Message'), humanCheck);
      const targets = allowedTargets(req, numbers, path.slice('/twiml/'.length), whisper);
      if (targets.length === 0) return goodbyeTwimlet(TWIMLET_PHRASES.refused, say);
      const actionUrl = dialActionUrl(req, path, failUrl);
      return dialTwimlet({ targets, timeout: timeoutFrom(params, 20), actionUrl, say });
    },
  });

  return {
    '/twiml/message': {
      events: callEvents,
      twiml: (req) => {
        const params = urlParams(req);
        return messageTwimlet({ items: listParam(params, 'Message'), say: sayOptionsFrom(params, config.say) });
      },
    },

    '/twiml/echo': {
      events: callEvents,
      twiml: (req) => {
        const twiml = param(urlParams(req), 'Twiml');
        if (!twiml?.trim()) throw badRequest('Twiml is required in the URL: a TwiML document with a <Response> root');
        const parsed = parseTwiml(twiml, 'voice');
        if (!parsed.ok) throw badRequest(`Twiml is not valid TwiML (${parsed.code}): ${parsed.message}`);
        // Whoever wrote it, the document goes out only if the egress policy allows everything it reaches.
        return twiml;
      },
    },

    '/twiml/forward': {
      events: callEvents,
      twiml: (req) => {
        const params = urlParams(req);
        const call: DialActionParams = twilioParams(req);
        const say = sayOptionsFrom(params, config.say);
        const failUrl = failUrlFrom(req, params, base);
        if (param(params, 'Dial')) return afterDialTwimlet(dialConnected(call), failUrl);
        const phoneNumber = phoneNumberOf(params);
        const allowedCallers = listParam(params, 'AllowedCallers').map(digitsOf).filter(Boolean);
        if (allowedCallers.length > 0) {
          const callers = [call.From ?? call.Caller, call.To ?? call.Called].map((n) => digitsOf(n ?? ''));
          if (!callers.some((n) => n && allowedCallers.includes(n)))
            return goodbyeTwimlet(TWIMLET_PHRASES.restricted, say);
        }
        const targets = allowedTargets(req, [phoneNumber], 'forward');
        if (targets.length === 0) return goodbyeTwimlet(TWIMLET_PHRASES.refused, say);
        const callerId = param(params, 'CallerId')?.trim() || undefined;
        const actionUrl = dialActionUrl(req, '/twiml/forward', failUrl);
        return dialTwimlet({ targets, timeout: timeoutFrom(params, 20), callerId, actionUrl, say });
      },
    },

    // As the original: the whisper without a human check unless the URL asks for one (HumanCheck).
    '/twiml/simulring': ringAtOnce('/twiml/simulring', (params) => {
      const numbers = listParam(params, 'PhoneNumbers');
      if (numbers.length === 0) throw badRequest('PhoneNumbers[] is required');
      return { numbers, humanCheck: param(params, 'HumanCheck') !== undefined };
    }),

    // As the original: the called party hears the whisper; no human check.
    '/twiml/callme': ringAtOnce('/twiml/callme', (params) => ({ numbers: [phoneNumberOf(params)], humanCheck: false })),

    '/twiml/findme': {
      events: callEvents,
      twiml: (req) => {
        const params = urlParams(req);
        const say = sayOptionsFrom(params, config.say);
        const failUrl = failUrlFrom(req, params, base);
        const timeout = timeoutFrom(params, 60);
        const message = param(params, 'Message');
        if (param(params, 'Dial') && dialConnected(twilioParams(req))) return afterDialTwimlet(true, failUrl);
        // The action URL carries the numbers not tried yet: on a failed attempt, the next one rings.
        const listed = listParam(params, 'PhoneNumbers');
        // The original meant to keep the first ten (its array_splice kept the rest instead).
        if (listed.length > MAX_FINDME_NUMBERS)
          req.log.warn({ numbers: listed.length }, `findme: only the first ${MAX_FINDME_NUMBERS} numbers are tried`);
        const numbers = listed.slice(0, MAX_FINDME_NUMBERS);
        if (numbers.length === 0 && !param(params, 'Dial')) throw badRequest('PhoneNumbers[] is required');
        let remaining = numbers;
        let targets: DialTarget[] = [];
        while (remaining.length > 0 && targets.length === 0) {
          targets = allowedTargets(req, [remaining[0] as string], 'findme', whisperUrlFor(req, message, true));
          remaining = remaining.slice(1);
        }
        if (targets.length === 0) {
          return param(params, 'Dial')
            ? afterDialTwimlet(false, failUrl)
            : goodbyeTwimlet(TWIMLET_PHRASES.refused, say);
        }
        const actionUrl = selfUrl(req, base, '/twiml/findme', [
          ['Dial', 'true'],
          ...remaining.map((n, i) => [`PhoneNumbers[${i}]`, n] as [string, string]),
          ...(message ? [['Message', message] as [string, string]] : []),
          ['Timeout', String(timeout)],
          ...(failUrl ? [['FailUrl', failUrl] as [string, string]] : []),
        ]);
        return dialTwimlet({ targets, timeout, actionUrl, say });
      },
    },

    '/twiml/whisper': {
      events: callEvents,
      twiml: (req) => {
        const params = urlParams(req);
        const call: GatherActionParams = twilioParams(req);
        if (call.Digits !== undefined) return acceptTwimlet();
        const message = param(params, 'Message')?.trim() || undefined;
        const humanCheck = param(params, 'HumanCheck') !== undefined;
        const actionUrl = selfUrl(req, base, '/twiml/whisper', [
          ...(message ? [['Message', message] as [string, string]] : []),
          ...(humanCheck ? [['HumanCheck', 'true'] as [string, string]] : []),
        ]);
        const from = call.From ?? call.Caller ?? 'an unknown number';
        return whisperTwimlet({ message, from, humanCheck, actionUrl, say: sayOptionsFrom(params, config.say) });
      },
    },

    '/twiml/menu': {
      events: callEvents,
      twiml: (req) => {
        const params = urlParams(req);
        const options = new Map<string, string>();
        for (const [key, value] of Object.entries(params)) {
          const match = /^Options\[([0-9*#]{1,10})\]$/.exec(key);
          const url = Array.isArray(value) ? value[0] : value;
          if (match && url?.trim()) options.set(match[1] as string, url.trim());
        }
        if (options.size === 0)
          throw badRequest('Options[key]=url is required, e.g. Options[1]=/twiml/message?Message=Sales');
        const message = param(params, 'Message');
        const { Digits: digits }: GatherActionParams = twilioParams(req);
        const chosen = digits !== undefined ? options.get(digits) : undefined;
        if (chosen) {
          // Normalised (spaces and other characters percent-encoded) as Twilio would request it.
          const url = resolveTwimletUrl(req, base, chosen);
          if (!url) throw badRequest(`Options[${digits}] must be an http(s) URL, or a path relative to the twimlet`);
          return redirectTwiml(url);
        }
        const actionUrl = selfUrl(req, base, '/twiml/menu', [
          ...(message ? [['Message', message] as [string, string]] : []),
          ...[...options].map(([k, v]) => [`Options[${k}]`, v] as [string, string]),
        ]);
        return menuTwimlet({
          message,
          keys: [...options.keys()],
          actionUrl,
          invalidChoice: digits !== undefined,
          say: sayOptionsFrom(params, config.say),
        });
      },
    },
  };
}
