// Owns the routing conventions of the Twilio-facing routes: route tables answering GET and POST, mounted
// directly on the app behind one chain of middleware. A route is a view (the TwiML it answers for an input,
// written out through the egress gate) or, where it answers something else, a plain handler.
import type { Express, RequestHandler, Response } from 'express';
import type { VettedTwiml } from '../policy/vetted';
import { sendTwiml } from './twiml';
import type { EventsOf } from '../twilio/webhookEvents';
import type { WebhookInput } from './webhookInput';

/** A view's answer when there is nothing to say: 204, no document (Twilio's transcription callback). */
export const NO_CONTENT = Symbol('204 No Content');

/** What a view answers: a document (checked by the egress gate as it goes out, unless vetted), or nothing. */
export type TwimlAnswer = string | VettedTwiml | typeof NO_CONTENT;

/**
 * The TwiML a route answers for a request. Throws an HttpError for bad input. Its one effect is logging, and,
 * unless the input is a preview, what the route exists to do besides answering (the conference's texts).
 */
export type TwimlView = (input: WebhookInput) => TwimlAnswer | Promise<TwimlAnswer>;

/**
 * A Twilio-facing route: what it answers (a view, or a plain handler where the answer is no TwiML) and what it
 * tells the store (`events`, required: a route and what it records are one thing).
 */
export type WebhookRoute = { readonly events: EventsOf } & (
  { readonly twiml: TwimlView; readonly handler?: never } | { readonly handler: RequestHandler; readonly twiml?: never }
);

/** Full path → route. Twilio numbers can call a webhook with GET or POST: each route answers both. */
export type WebhookRoutes = Readonly<Record<string, WebhookRoute>>;

/** The views of a route table (its plain handlers have none). */
export function viewsOf(routes: WebhookRoutes): Map<string, TwimlView> {
  const views = new Map<string, TwimlView>();
  for (const [path, route] of Object.entries(routes)) if (route.twiml) views.set(path, route.twiml);
  return views;
}

function send(res: Response, answer: TwimlAnswer): void {
  if (answer === NO_CONTENT) return void res.status(204).end();
  sendTwiml(res, answer);
}

/** A view as a handler: synchronous views answer without a promise (the hot path), async ones forward errors. */
function viewHandler(view: TwimlView): RequestHandler {
  return (req, res, next) => {
    const answer = view(req);
    if (answer instanceof Promise) answer.then((a) => send(res, a), next);
    else send(res, answer);
  };
}

/**
 * Registers each route on the app itself, for GET and POST, behind `before` (body, signature, …) and the
 * recording of its own events, as one layer. One router pass per request: measured with npm run bench, a nested
 * router per prefix cost about 5%.
 */
export function mountWebhooks(
  app: Express,
  before: readonly RequestHandler[],
  record: (events: EventsOf) => RequestHandler,
  routes: WebhookRoutes,
): void {
  for (const [path, route] of Object.entries(routes)) {
    const handler = route.twiml ? viewHandler(route.twiml) : route.handler;
    const layer = chain(...before, record(route.events));
    app.route(path).get(layer, handler).post(layer, handler);
  }
}

/**
 * Several middleware as one Express layer: each runs when the previous calls next(); an error (passed, thrown, or
 * the rejection of an async middleware's promise, as Express 5 itself forwards them) skips the rest and reaches
 * the error handler. Fewer layers is measurably faster on the webhook hot path.
 */
export function chain(...handlers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (err?: unknown): void => {
      if (err) return next(err);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch((rejected: unknown) => next(rejected ?? new Error('rejected')));
      } catch (thrown) {
        next(thrown ?? new Error('thrown'));
      }
    };
    step();
  };
}
