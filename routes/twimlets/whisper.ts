// The whisper twimlet (drop-in for twimlets.com's, same parameters):
//   /twiml/whisper — Message, HumanCheck: the called party presses a key to accept
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data from the body
// of a POST or the query of a GET.
import type { Config } from '../../src/config';
import { selfUrl, twimletView } from '../../src/http/twimletParams';
import { param } from '../../src/http/params';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';
import { acceptTwimlet, whisperTwimlet } from '../../views/twimlets';

export function whisperTwimletRoute(config: Config): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/whisper': {
      events: callEvents,
      twiml: twimletView(config.say, ({ req, params, call, say }) => {
        if (call.Digits !== undefined) return acceptTwimlet();
        const message = param(params, 'Message')?.trim() || undefined;
        const humanCheck = param(params, 'HumanCheck') !== undefined;
        const actionUrl = selfUrl(req, base, '/twiml/whisper', [
          ...(message ? [['Message', message] as [string, string]] : []),
          ...(humanCheck ? [['HumanCheck', 'true'] as [string, string]] : []),
        ]);
        const from = call.From ?? call.Caller ?? 'an unknown number';
        return whisperTwimlet({ message, from, humanCheck, actionUrl, say: say });
      }),
    },
  };
}
