// Owns handing each signed Twilio request's events to the recorder before the route answers: the write is
// local and bounded by the recorder's budget, and whatever happens to it the route's TwiML is the same. (The API's
// previews of a route never come here: they ask the route's view, src/http/twimlPreview.ts.)
import type { RequestHandler } from 'express';
import { urlParams } from '../http/params';
import { twilioParams } from '../twilio/twilioParams';
import type { EventContext, EventsOf } from '../twilio/webhookEvents';
import type { Recorder } from '../services/recorder';
import { storableToken } from '../store/storable';

/** For each route, the middleware that records what that route reports (`events`, declared with the route). */
export function recordEvents(
  recorder: Recorder,
  context: Omit<EventContext, 'at' | 'idempotencyToken'>,
): (events: EventsOf) => RequestHandler {
  return (eventsOf) => async (req, _res, next) => {
    const events = eventsOf(twilioParams(req), urlParams(req), {
      ...context,
      at: new Date().toISOString(),
      idempotencyToken: storableToken(req.get('i-twilio-idempotency-token')),
    });
    await recorder.record(events);
    next();
  };
}
