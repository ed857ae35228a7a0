// Route for an incoming SMS/MMS. Twilio calls it (POST, or GET when so configured):
//   /sms — answer with one <Message>, or an empty <Response/> when no reply is due (or the sender has had
//          their auto-replies for this hour: each is billed)
import type { Config } from '../src/config';
import type { SenderBudget } from '../src/services/senderBudget';
import type { WebhookRoutes } from '../src/http/routing';
import { inboundMessageEvents } from '../src/twilio/webhookEvents';
import { twilioParams, type IncomingMessageParams } from '../src/twilio/twilioParams';
import { sendTwiml } from '../src/http/twiml';
import { autoReplyText } from '../src/messaging/autoReply';
import { messagingTwiml } from '../views/sms';

export function smsRoutes(config: Config, autoReplies: SenderBudget): WebhookRoutes {
  return {
    '/sms': {
      events: inboundMessageEvents,
      handler: async (req, res) => {
        const message: IncomingMessageParams = twilioParams(req);
        const numMedia = Number.parseInt(message.NumMedia ?? '0', 10);
        const reply = autoReplyText(
          {
            from: message.From ?? '',
            to: message.To ?? '',
            body: message.Body ?? '',
            numMedia: Number.isFinite(numMedia) && numMedia > 0 ? numMedia : 0,
          },
          config.sms,
        );
        const due = reply !== undefined && (await autoReplies.take(message.From ?? ''));
        sendTwiml(res, messagingTwiml(due ? reply : undefined));
      },
    },
  };
}
