// The menu twimlet (drop-in for twimlets.com's, same parameters):
//   /twiml/menu — Message, Options[key]=url
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data from the body
// of a POST or the query of a GET.
import type { Config } from '../../src/config';
import { badRequest } from '../../src/http/errors';
import { resolveTwimletUrl, selfUrl, twimletView } from '../../src/http/twimletParams';
import { param } from '../../src/http/params';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';
import { type GatherActionParams } from '../../src/twilio/twilioParams';
import { redirectTwiml } from '../../views/voice';
import { menuTwimlet } from '../../views/twimlets';

export function menuTwimletRoute(config: Config): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/menu': {
      events: callEvents,
      twiml: twimletView(config.say, ({ req, params, call, say }) => {
        const options = new Map<string, string>();
        for (const [key, value] of Object.entries(params)) {
          const match = /^Options\[([0-9*#]{1,10})\]$/.exec(key);
          const url = Array.isArray(value) ? value[0] : value;
          if (match && url?.trim()) options.set(match[1] as string, url.trim());
        }
        if (options.size === 0)
          throw badRequest('Options[key]=url is required, e.g. Options[1]=/twiml/message?Message=Sales');
        const message = param(params, 'Message');
        const { Digits: digits }: GatherActionParams = call;
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
          say: say,
        });
      }),
    },
  };
}
