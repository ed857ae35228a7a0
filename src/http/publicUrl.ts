// Owns "which URL did Twilio call?": the configured public base URL, or one rebuilt from the request
// (Express honours X-Forwarded-Proto/Host only as far as `trust proxy` allows).
import type { WebhookInput } from './webhookInput';

/** The origin (plus optional path prefix) that Twilio reaches this app at, without a trailing slash. */
export function publicOrigin(req: WebhookInput, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl) return publicBaseUrl;
  return `${req.protocol}://${req.host}`;
}

/** The full URL of this request as Twilio signed it: origin + the original path and query, unaltered. */
export function requestPublicUrl(req: WebhookInput, publicBaseUrl: string | undefined): string {
  return publicOrigin(req, publicBaseUrl) + req.originalUrl;
}

/** Builds absolute URLs to our own routes for TwiML actions and callbacks. */
export type UrlFor = (path: string) => string;

export function urlBuilder(req: WebhookInput, publicBaseUrl: string | undefined): UrlFor {
  const origin = publicOrigin(req, publicBaseUrl);
  return (path) => origin + path;
}
