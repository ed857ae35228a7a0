// The forward twimlet (drop-in for twimlets.com's, same parameters):
//   /twiml/forward — PhoneNumber, CallerId, Timeout, FailUrl, AllowedCallers[]: ring one number
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data from the body
// of a POST or the query of a GET.
import type { Config } from '../../src/config';
import { digitsOf, failUrlFrom, timeoutFrom, twimletView } from '../../src/http/twimletParams';
import { dialConnected } from '../../src/voice/callOutcomes';
import { listParam, param } from '../../src/http/params';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';
import { phoneNumberOf, type TwimletDialing } from '../../src/voice/twimletDialing';
import { TWIMLET_PHRASES, afterDialTwimlet, dialTwimlet, goodbyeTwimlet } from '../../views/twimlets';

export function forwardTwimlet(config: Config, dialing: TwimletDialing): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/forward': {
      events: callEvents,
      twiml: twimletView(config.say, ({ req, params, call, say }) => {
        const failUrl = failUrlFrom(req, params, base);
        if (param(params, 'Dial')) return afterDialTwimlet(dialConnected(call), failUrl);
        const phoneNumber = phoneNumberOf(params);
        const allowedCallers = listParam(params, 'AllowedCallers').map(digitsOf).filter(Boolean);
        if (allowedCallers.length > 0) {
          const callers = [call.From ?? call.Caller, call.To ?? call.Called].map((n) => digitsOf(n ?? ''));
          if (!callers.some((n) => n && allowedCallers.includes(n)))
            return goodbyeTwimlet(TWIMLET_PHRASES.restricted, say);
        }
        const targets = dialing.allowedTargets(req, [phoneNumber], 'forward');
        if (targets.length === 0) return goodbyeTwimlet(TWIMLET_PHRASES.refused, say);
        const callerId = param(params, 'CallerId')?.trim() || undefined;
        const actionUrl = dialing.dialActionUrl(req, '/twiml/forward', failUrl);
        return dialTwimlet({ targets, timeout: timeoutFrom(params, 20), callerId, actionUrl, say });
      }),
    },
  };
}
