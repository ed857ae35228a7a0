// The message twimlet (drop-in for twimlets.com's, same parameters):
//   /twiml/message — Message / Message[n]: <Say> each text, <Play> each URL, in order
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data from the body
// of a POST or the query of a GET.
import type { Config } from '../../src/config';
import { twimletView } from '../../src/http/twimletParams';
import { listParam } from '../../src/http/params';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';
import { messageTwimlet } from '../../views/twimlets';

export function messageTwimletRoute(config: Config): WebhookRoutes {
  return {
    '/twiml/message': {
      events: callEvents,
      twiml: twimletView(config.say, ({ params, say }) => {
        return messageTwimlet({ items: listParam(params, 'Message'), say: say });
      }),
    },
  };
}
