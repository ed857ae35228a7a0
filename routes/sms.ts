// Route for an incoming SMS/MMS. Twilio calls it (POST, or GET when so configured):
//   /sms — answer with one <Message>, or an empty <Response/> when no reply is due
import type { Config } from '../src/config';
import { callParams, param } from '../src/http/params';
import type { WebhookRoutes } from '../src/http/routing';
import { sendTwiml } from '../src/http/twiml';
import { autoReplyText } from '../src/smsAutoReply';
import { messagingTwiml } from '../views/sms';

export function smsRoutes(config: Config): WebhookRoutes {
  return {
    '/sms': (req, res) => {
      const params = callParams(req);
      const numMedia = Number.parseInt(param(params, 'NumMedia') ?? '0', 10);
      const reply = autoReplyText(
        {
          from: param(params, 'From') ?? '',
          to: param(params, 'To') ?? '',
          body: param(params, 'Body') ?? '',
          numMedia: Number.isFinite(numMedia) && numMedia > 0 ? numMedia : 0,
        },
        config.sms,
      );
      sendTwiml(res, messagingTwiml(reply));
    },
  };
}
