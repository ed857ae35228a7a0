// CLI: places an outbound call whose TwiML comes from our own server, and prints the new Call SID.
//   npm run --silent call -- --to +15551234567 --message "Hello world."
//   npm run --silent call -- --to +15551234567 --path /voice --record
import { runOutboundCommand } from './runOutbound';

const USAGE = `Usage: npm run --silent call -- --to NUMBER (--message TEXT | --path PATH) [--record] [--from NUMBER]

Places a call with Twilio and prints its Call SID. Twilio fetches the call's TwiML from this server
(PUBLIC_BASE_URL) and posts status callbacks to /callbacks/call-status.

  --to NUMBER     who to call, E.164 (+14155551212); must be in OUTBOUND_ALLOWLIST
  --message TEXT  what the callee hears (a URL starting with http is played instead)
  --path PATH     or: a route on this server whose TwiML runs the call, e.g. /voice
  --record        record the call (recording status goes to /callbacks/recording)
  --from NUMBER   caller ID (default: TWILIO_PHONE_NUMBER)
  -h, --help      this text

Exit status: 0 placed, 1 refused or failed, 2 invalid arguments.`;

void runOutboundCommand({
  usage: USAGE,
  options: {
    to: { type: 'string' },
    message: { type: 'string' },
    path: { type: 'string' },
    record: { type: 'boolean' },
    from: { type: 'string' },
  },
  run: async (outbound, v) =>
    (
      await outbound.placeCall({
        to: (v.to as string | undefined) ?? '',
        message: v.message as string | undefined,
        path: v.path as string | undefined,
        record: v.record === true,
        from: v.from as string | undefined,
      })
    ).sid,
});
