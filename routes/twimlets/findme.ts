// The findme twimlet (drop-in for twimlets.com's, same parameters):
//   /twiml/findme — PhoneNumbers[] (≤ 10), Message (whispered), Timeout, FailUrl: one after another
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data from the body
// of a POST or the query of a GET.
import type { Config } from '../../src/config';
import { badRequest } from '../../src/http/errors';
import { failUrlFrom, selfUrl, timeoutFrom, twimletView } from '../../src/http/twimletParams';
import { dialConnected } from '../../src/voice/callOutcomes';
import { listParam, param } from '../../src/http/params';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';

import { type TwimletDialing } from '../../src/voice/twimletDialing';
import { TWIMLET_PHRASES, afterDialTwimlet, dialTwimlet, goodbyeTwimlet, type DialTarget } from '../../views/twimlets';

const MAX_FINDME_NUMBERS = 10;

export function findmeTwimlet(config: Config, dialing: TwimletDialing): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/findme': {
      events: callEvents,
      twiml: twimletView(config.say, ({ req, params, call, say }) => {
        const failUrl = failUrlFrom(req, params, base);
        const timeout = timeoutFrom(params, 60);
        const message = param(params, 'Message');
        if (param(params, 'Dial') && dialConnected(call)) return afterDialTwimlet(true, failUrl);
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
          targets = dialing.allowedTargets(
            req,
            [remaining[0] as string],
            'findme',
            dialing.whisperUrlFor(req, message, true),
          );
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
      }),
    },
  };
}
