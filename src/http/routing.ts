// Owns the small routing conventions shared by the Twilio-facing routers.
import type { RequestHandler, Router } from 'express';

/** Twilio numbers can be configured to call a webhook with GET or POST: serve both. */
export function getAndPost(router: Router, path: string, handler: RequestHandler): void {
  router.route(path).get(handler).post(handler);
}
