// Owns handing each signed Twilio request's events to the recorder before the route answers: the write is
// local and bounded by the recorder's budget, and whatever happens to it the route's TwiML is the same. (The API's
// previews of a route never come here: they ask the route's view, src/http/twimlPreview.ts.)
import type { RequestHandler } from 'express';
import { urlParams } from '../http/params';
import { twilioParams } from '../http/twilioParams';
import { webhookEvents, type EventContext } from '../http/webhookEvents';
import type { Recorder } from '../services/recorder';
import { storableToken } from '../store/storable';

export function recordEvents(
  recorder: Recorder,
  context: Omit<EventContext, 'at' | 'idempotencyToken'>,
): RequestHandler {
  return async (req, _res, next) => {
    const route = typeof req.route?.path === 'string' ? req.route.path : req.path;
    const events = webhookEvents(route, twilioParams(req), urlParams(req), {
      ...context,
      at: new Date().toISOString(),
      idempotencyToken: storableToken(req.get('i-twilio-idempotency-token')),
    });
    await recorder.record(events);
    next();
  };
}
