// The echo twimlet (drop-in for twimlets.com's, same parameters):
//   /twiml/echo — Twiml: the document itself, once it is valid TwiML (the egress policy checks it on its way out, like every document)
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data from the body
// of a POST or the query of a GET.
import type { Config } from '../../src/config';
import { badRequest } from '../../src/http/errors';
import { param, urlParams } from '../../src/http/params';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';
import { parseTwiml } from '../../src/twiml/document';

export function echoTwimlet(config: Config): WebhookRoutes {
  return {
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
  };
}
