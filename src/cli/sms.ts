// CLI: sends an SMS (or MMS) through Twilio and prints the new Message SID.
//   npm run --silent sms -- --to +15551234567 --body "Hello world."
import { runOutboundCommand } from './runOutbound';

const USAGE = `Usage: npm run --silent sms -- --to NUMBER --body TEXT [--media-url URL ...]

Sends a message with Twilio from TWILIO_PHONE_NUMBER and prints its Message SID. Delivery status is
posted to /callbacks/message-status on this server (PUBLIC_BASE_URL).

  --to NUMBER       recipient, E.164 (+14155551212); must be in OUTBOUND_ALLOWLIST
  --body TEXT       the message (up to 1600 characters)
  --media-url URL   a picture or file to attach (repeat for several, up to 10)
  -h, --help        this text

Exit status: 0 sent, 1 refused or failed, 2 invalid arguments.`;

void runOutboundCommand({
  usage: USAGE,
  options: {
    to: { type: 'string' },
    body: { type: 'string' },
    'media-url': { type: 'string', multiple: true },
  },
  run: async (outbound, v) =>
    (
      await outbound.sendSms({
        to: (v.to as string | undefined) ?? '',
        body: (v.body as string | undefined) ?? '',
        mediaUrl: v['media-url'] as string[] | undefined,
      })
    ).sid,
});
