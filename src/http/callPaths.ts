// Owns deciding whether an outbound call may run a given path of ours: the path must name a route that
// answers voice TwiML (not the API, a callback or the SMS route), and what that route answers for such a call
// must pass the egress policy. Routes whose TwiML depends on what the caller does later (a menu choice, a
// dial outcome) are checked again when Twilio fetches them: the egress gate is on every response.
import type { CallPathCheck } from '../services/outbound';
import type { TwimlPreview } from './twimlPreview';

export function createCallPathCheck(preview: TwimlPreview): CallPathCheck {
  return async (path, call) => {
    const pathname = new URL(path, 'http://x').pathname;
    const answer = await preview(path, {
      CallSid: `CA${'0'.repeat(32)}`,
      From: call.from,
      To: call.to,
      Caller: call.from,
      Called: call.to,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
    });
    if (answer.kind === 'unknown-route') {
      return { ok: false, problem: 'unknown-route', reason: `${pathname} is not a voice route of this server` };
    }
    if (answer.kind === 'refused') {
      return { ok: false, problem: 'refused', reason: `${answer.refusal.element} ${answer.refusal.reason}` };
    }
    if (answer.kind === 'not-twiml') return { ok: false, problem: 'bad-route', reason: `${pathname} ${answer.reason}` };
    return { ok: true };
  };
}
